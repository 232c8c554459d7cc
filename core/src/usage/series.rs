//! Usage as chart lines: requests and tokens per local day, one line per
//! service and upstream, zero-filled over the whole window.
//!
//! Built from a [`Summary`](super::Summary)'s rows and its window's days (the
//! same local days the rows are counted in), so the app draws what `ch usage`
//! counts instead of recomputing days itself.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::summary::SummaryRow;

/// The x axis and the lines of a usage chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UsageSeries {
    /// Every day of the window, oldest first (`YYYY-MM-DD`, local time).
    pub days: Vec<String>,
    /// One per (service, upstream), in the order they first appear in the
    /// summary's rows (by day, then service).
    pub lines: Vec<SeriesLine>,
}

/// One upstream's line: a value per day of [`UsageSeries::days`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SeriesLine {
    pub service: String,
    /// Empty for requests that reached no upstream.
    pub upstream: String,
    /// Summed over the upstream's configs.
    pub requests: Vec<u64>,
    pub total_tokens: Vec<u64>,
    /// USD per day (priced requests only).
    #[serde(default)]
    pub cost_usd: Vec<f64>,
}

/// The lines of `rows` over `days` (rows on other days are left out).
pub fn series(days: &[String], rows: &[SummaryRow]) -> UsageSeries {
    let index: HashMap<&str, usize> = days.iter().enumerate().map(|(i, d)| (d.as_str(), i)).collect();
    let mut lines: Vec<SeriesLine> = Vec::new();
    let mut line_of: HashMap<(&str, &str), usize> = HashMap::new();
    for row in rows {
        let Some(&day) = index.get(row.day.as_str()) else { continue };
        let at = *line_of.entry((row.service.as_str(), row.upstream.as_str())).or_insert_with(|| {
            lines.push(SeriesLine {
                service: row.service.clone(),
                upstream: row.upstream.clone(),
                requests: vec![0; days.len()],
                total_tokens: vec![0; days.len()],
                cost_usd: vec![0.0; days.len()],
            });
            lines.len() - 1
        });
        let line = &mut lines[at];
        line.requests[day] += row.counts.requests;
        line.total_tokens[day] = line.total_tokens[day].saturating_add(row.counts.total_tokens);
        line.cost_usd[day] += row.counts.cost_usd;
    }
    UsageSeries { days: days.to_vec(), lines }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::Totals;

    fn row(day: &str, service: &str, config: &str, upstream: &str, requests: u64, tokens: u64) -> SummaryRow {
        let counts = Totals { requests, total_tokens: tokens, cost_usd: requests as f64 * 0.5, ..Default::default() };
        SummaryRow {
            day: day.into(),
            service: service.into(),
            config: config.into(),
            upstream: upstream.into(),
            counts,
        }
    }

    #[test]
    fn fills_every_day_and_groups_by_service_and_upstream() {
        let days: Vec<String> = ["2026-11-01", "2026-11-02", "2026-11-03"].map(String::from).to_vec();
        let rows = [
            row("2026-11-02", "codex", "main", "https://a", 3, 300),
            row("2026-11-02", "codex", "alt", "https://a", 1, 50),
            row("2026-11-03", "claude", "main", "", 2, 0),
            row("2026-10-31", "codex", "main", "https://a", 9, 9),
        ];
        let s = series(&days, &rows);
        assert_eq!(s.days, days);
        let keys: Vec<_> = s.lines.iter().map(|l| (l.service.as_str(), l.upstream.as_str())).collect();
        assert_eq!(keys, [("codex", "https://a"), ("claude", "")]);
        assert_eq!(s.lines[0].requests, [0, 4, 0]);
        assert_eq!(s.lines[0].total_tokens, [0, 350, 0]);
        assert_eq!(s.lines[0].cost_usd, [0.0, 2.0, 0.0], "summed over configs");
        assert_eq!(s.lines[1].requests, [0, 0, 2]);
    }
}
