//! Usage from the request log: the summary table and per-day series.

use std::collections::BTreeMap;

use codex_helper_core::usage::{summary, Summary, Window};
use serde::Serialize;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

#[tauri::command]
#[specta::specta]
pub async fn usage_summary(state: State<'_, WindowState>, days: u32) -> CmdResult<Summary> {
    summarize(&state, days).await
}

async fn summarize(state: &WindowState, days: u32) -> CmdResult<Summary> {
    let log = state.paths.request_log();
    tauri::async_runtime::spawn_blocking(move || summary::summarize(&log, &Window::last_days(days.max(1))))
        .await
        .map_err(CommandError::new)?
        .map_err(CommandError::new)
}

/// One upstream's line on a chart: a value per day of `UsageSeries::days`.
#[derive(Clone, Debug, Serialize, specta::Type)]
pub struct UpstreamSeries {
    pub service: String,
    pub config: String,
    pub upstream: String,
    pub requests: Vec<u64>,
    pub total_tokens: Vec<u64>,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
pub struct UsageSeries {
    /// Every day of the window, oldest first (`YYYY-MM-DD`, local time).
    pub days: Vec<String>,
    pub series: Vec<UpstreamSeries>,
}

/// Requests and tokens per day per upstream, zero-filled for charts.
#[tauri::command]
#[specta::specta]
pub async fn usage_series(state: State<'_, WindowState>, days: u32) -> CmdResult<UsageSeries> {
    Ok(series(&summarize(&state, days).await?))
}

pub fn series(summary: &Summary) -> UsageSeries {
    let days = day_range(&summary.from, &summary.to);
    let index: BTreeMap<&str, usize> = days.iter().enumerate().map(|(i, d)| (d.as_str(), i)).collect();
    let mut by_upstream: BTreeMap<(String, String, String), UpstreamSeries> = BTreeMap::new();
    for row in &summary.rows {
        let Some(&i) = index.get(row.day.as_str()) else { continue };
        let key = (row.service.clone(), row.config.clone(), row.upstream.clone());
        let s = by_upstream.entry(key).or_insert_with(|| UpstreamSeries {
            service: row.service.clone(),
            config: row.config.clone(),
            upstream: row.upstream.clone(),
            requests: vec![0; days.len()],
            total_tokens: vec![0; days.len()],
        });
        s.requests[i] += row.counts.requests;
        s.total_tokens[i] += row.counts.total_tokens;
    }
    UsageSeries { days, series: by_upstream.into_values().collect() }
}

/// `from..=to` as `YYYY-MM-DD` strings (the summary's own window).
fn day_range(from: &str, to: &str) -> Vec<String> {
    let parse = |s: &str| chrono_free_date(s);
    let (Some(mut d), Some(end)) = (parse(from), parse(to)) else { return vec![to.to_string()] };
    let mut out = Vec::new();
    while d <= end && out.len() < 3660 {
        out.push(format!("{:04}-{:02}-{:02}", d.0, d.1, d.2));
        d = next_day(d);
    }
    out
}

fn chrono_free_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

fn next_day((y, m, d): (i32, u32, u32)) -> (i32, u32, u32) {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let len = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d < len {
        (y, m, d + 1)
    } else if m < 12 {
        (y, m + 1, 1)
    } else {
        (y + 1, 1, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_range_crosses_months_and_leap_days() {
        assert_eq!(day_range("2024-02-28", "2024-03-01"), vec!["2024-02-28", "2024-02-29", "2024-03-01"]);
        assert_eq!(day_range("2025-12-31", "2026-01-01"), vec!["2025-12-31", "2026-01-01"]);
    }
}
