//! Requests, errors and tokens per local day, service, config and upstream,
//! from `requests.jsonl` and its rotated files.
//!
//! Streams the files line by line (logs can be hundreds of MB), skipping
//! rotated files last written before the window and counting lines that
//! don't parse instead of failing on them.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::time::UNIX_EPOCH;

use chrono::{DateTime, Days, Local, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use super::series::{self, UsageSeries};
use crate::config::error::display_path;
use crate::logs::reader::log_files;
use crate::logs::Usage;

/// Counts for one group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Totals {
    pub requests: u64,
    /// Status 400 or above, or an `error` recorded.
    pub errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
    pub total_tokens: u64,
    /// Of `input_tokens`, read from the prompt cache.
    #[serde(default)]
    pub cached_input_tokens: u64,
    /// The sum of the lines' `cost_usd` (USD).
    #[serde(default)]
    pub cost_usd: f64,
    /// Requests that used tokens but have no `cost_usd` (their model has
    /// no price), so `cost_usd` leaves them out.
    #[serde(default)]
    pub unpriced_requests: u64,
}

impl Totals {
    fn add(&mut self, error: bool, usage: &Usage, cost: Option<f64>) {
        self.requests += 1;
        self.errors += u64::from(error);
        self.input_tokens = self.input_tokens.saturating_add(usage.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(usage.output_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(usage.reasoning_tokens);
        self.total_tokens = self.total_tokens.saturating_add(usage.total_tokens);
        self.cached_input_tokens = self.cached_input_tokens.saturating_add(usage.cached_input_tokens);
        match cost {
            Some(cost) if cost.is_finite() && cost >= 0.0 => self.cost_usd += cost,
            _ => self.unpriced_requests += u64::from(!usage.is_empty()),
        }
    }

    /// Adds another group's counts.
    pub fn merge(&mut self, o: &Totals) {
        self.requests += o.requests;
        self.errors += o.errors;
        self.input_tokens = self.input_tokens.saturating_add(o.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(o.output_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(o.reasoning_tokens);
        self.total_tokens = self.total_tokens.saturating_add(o.total_tokens);
        self.cached_input_tokens = self.cached_input_tokens.saturating_add(o.cached_input_tokens);
        self.cost_usd += o.cost_usd;
        self.unpriced_requests += o.unpriced_requests;
    }
}

/// One (day, service, model) group: what each model was used for and cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ModelRow {
    pub day: String,
    pub service: String,
    /// Empty for lines without a model (older lines, errors before an answer).
    pub model: String,
    #[serde(flatten)]
    pub counts: Totals,
}

/// One (day, service, config, upstream) group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SummaryRow {
    /// `YYYY-MM-DD`, local time.
    pub day: String,
    pub service: String,
    /// Empty when no config was involved.
    pub config: String,
    /// Empty when no upstream was contacted.
    pub upstream: String,
    #[serde(flatten)]
    pub counts: Totals,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Summary {
    pub days: u32,
    pub from: String,
    pub to: String,
    /// Ordered by day, service, config, upstream.
    pub rows: Vec<SummaryRow>,
    /// Per service.
    pub totals: BTreeMap<String, Totals>,
    /// Per day, service and model, ordered so.
    pub models: Vec<ModelRow>,
    /// Lines that are not JSON log records.
    pub skipped_lines: u64,
    /// `file:line` of the first of them, for the note that says so.
    pub first_skipped: Option<String>,
    /// The rows as chart lines, every day of the window filled in.
    pub series: UsageSeries,
}

/// The days covered: each day's label and the epoch ms its midnight is.
#[derive(Clone, Debug)]
pub struct Window {
    days: Vec<(String, u64)>,
    end_ms: u64,
}

impl Window {
    /// `days` local days ending with today (today included); at least one.
    pub fn local(days: u32, now: DateTime<Local>) -> Window {
        Window::in_tz(days, now.date_naive(), &Local)
    }

    /// [`Window::local`] as of now.
    pub fn last_days(days: u32) -> Window {
        Window::local(days, Local::now())
    }

    /// Like [`Window::local`] in any time zone (tests use UTC).
    pub fn in_tz<Tz: TimeZone>(days: u32, today: NaiveDate, tz: &Tz) -> Window {
        let days = days.max(1);
        let first = today.checked_sub_days(Days::new(u64::from(days - 1))).unwrap_or(today);
        let midnight = |d: NaiveDate| -> u64 {
            // A DST jump at midnight has no 00:00: the day starts at the
            // first instant that exists.
            let at = |h| d.and_hms_opt(h, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest());
            at(0).or_else(|| at(1)).map(|t| t.timestamp_millis().max(0) as u64).unwrap_or(0)
        };
        let labels = first.iter_days().take(days as usize);
        let days: Vec<(String, u64)> = labels.map(|d| (d.format("%Y-%m-%d").to_string(), midnight(d))).collect();
        let end_ms = midnight(today.succ_opt().unwrap_or(today));
        Window { days, end_ms }
    }

    pub fn start_ms(&self) -> u64 {
        self.days[0].1
    }

    fn day_of(&self, ts: u64) -> Option<usize> {
        if ts < self.start_ms() || ts >= self.end_ms {
            return None;
        }
        Some(self.days.partition_point(|(_, start)| *start <= ts) - 1)
    }
}

/// The fields a summary needs; everything else in a line is ignored.
#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    timestamp_ms: u64,
    #[serde(default)]
    service: String,
    #[serde(default)]
    status_code: u16,
    #[serde(default)]
    config_name: Option<String>,
    #[serde(default)]
    upstream_base_url: Option<String>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    cost_usd: Option<f64>,
}

/// Summarise the log at `current` (plus its rotated files) over `window`.
pub fn summarize(current: &Path, window: &Window) -> io::Result<Summary> {
    let mut groups: BTreeMap<(usize, String, String, String), Totals> = BTreeMap::new();
    let mut by_model: BTreeMap<(usize, String, String), Totals> = BTreeMap::new();
    let mut skipped = 0u64;
    let mut first_skipped = None;
    let mut buf = Vec::new();
    for path in log_files(current) {
        if last_written_ms(&path).is_some_and(|ms| ms < window.start_ms()) {
            continue; // nothing in it is recent enough
        }
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue, // rotated away meanwhile
            Err(e) => return Err(e),
        };
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        let mut number = 0u64;
        loop {
            number += 1;
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            let text = buf.trim_ascii();
            if text.is_empty() {
                continue;
            }
            let Ok(line) = serde_json::from_slice::<Line>(text) else {
                // One bad line (a hand edit, a torn write) must not cost the
                // rest of the log; the note names it so it can be looked at.
                first_skipped.get_or_insert_with(|| format!("{}:{number}", display_path(&path)));
                skipped += 1;
                continue;
            };
            let Some(day) = window.day_of(line.timestamp_ms) else { continue };
            let error = line.status_code >= 400 || line.error.is_some_and(|e| !e.is_empty());
            let usage = line.usage.unwrap_or_default();
            let model_key = (day, line.service.clone(), line.model.unwrap_or_default());
            by_model.entry(model_key).or_default().add(error, &usage, line.cost_usd);
            let key =
                (day, line.service, line.config_name.unwrap_or_default(), line.upstream_base_url.unwrap_or_default());
            groups.entry(key).or_default().add(error, &usage, line.cost_usd);
        }
    }
    let mut totals: BTreeMap<String, Totals> = BTreeMap::new();
    let rows = groups
        .into_iter()
        .map(|((day, service, config, upstream), counts)| {
            totals.entry(service.clone()).or_default().merge(&counts);
            SummaryRow { day: window.days[day].0.clone(), service, config, upstream, counts }
        })
        .collect::<Vec<_>>();
    let models = by_model
        .into_iter()
        .map(|((day, service, model), counts)| ModelRow { day: window.days[day].0.clone(), service, model, counts })
        .collect();
    let labels: Vec<String> = window.days.iter().map(|(label, _)| label.clone()).collect();
    Ok(Summary {
        series: series::series(&labels, &rows),
        days: window.days.len() as u32,
        from: window.days[0].0.clone(),
        to: window.days[window.days.len() - 1].0.clone(),
        rows,
        totals,
        models,
        skipped_lines: skipped,
        first_skipped,
    })
}

fn last_written_ms(path: &Path) -> Option<u64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(modified.duration_since(UNIX_EPOCH).ok()?.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::io::Write;

    const DAY: u64 = 86_400_000;

    fn at(date: &str) -> u64 {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap()).timestamp_millis() as u64
    }

    #[test]
    fn window_covers_today_and_the_days_before() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let w = Window::in_tz(3, today, &Utc);
        assert_eq!(w.days.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(), ["2026-02-28", "2026-03-01", "2026-03-02"]);
        assert_eq!(w.day_of(at("2026-02-28")), Some(0));
        assert_eq!(w.day_of(at("2026-03-02") + DAY - 1), Some(2));
        assert_eq!(w.day_of(at("2026-02-28") - 1), None);
        assert_eq!(w.day_of(at("2026-03-03")), None);
        assert_eq!(Window::in_tz(0, today, &Utc).days.len(), 1);
    }

    #[test]
    fn groups_counts_and_skips_across_rotated_files() {
        let dir = tempfile::tempdir().unwrap();
        let cur = dir.path().join("requests.jsonl");
        let rec = |ts: u64, service: &str, status: u16, cfg: &str, up: &str, tokens: (u64, u64, u64), err: bool| {
            let mut v = serde_json::json!({"timestamp_ms": ts, "service": service, "method": "POST", "path": "/v1/responses",
                "status_code": status, "duration_ms": 5, "config_name": cfg, "upstream_base_url": up,
                "usage": {"input_tokens": tokens.0, "output_tokens": tokens.1, "reasoning_tokens": tokens.2,
                          "total_tokens": tokens.0 + tokens.1}});
            if err {
                v["error"] = "stream cut".into();
            }
            v.to_string()
        };
        // Relative to today: rotated files last written before the window are skipped by mtime.
        let today = Utc::now().date_naive();
        let yesterday = today.pred_opt().unwrap();
        let (y, t) = (yesterday.format("%Y-%m-%d").to_string(), today.format("%Y-%m-%d").to_string());
        let d1 = at(&y) + 1000;
        let d2 = at(&t) + 1000;
        let mut old = File::create(crate::logs::reader::rotated(&cur, 1)).unwrap();
        writeln!(old, "{}", rec(d1, "codex", 200, "main", "https://a/v1", (10, 5, 1), false)).unwrap();
        writeln!(old, "{}", rec(d1 - 30 * DAY, "codex", 200, "main", "https://a/v1", (99, 99, 0), false)).unwrap();
        writeln!(old, "not json").unwrap();
        let mut now = File::create(&cur).unwrap();
        writeln!(now, "{}", rec(d1 + 5, "codex", 502, "main", "https://a/v1", (0, 0, 0), false)).unwrap();
        writeln!(now, "{}", rec(d2, "codex", 200, "main", "https://b/v1", (1, 2, 0), true)).unwrap();
        writeln!(now, "{}", rec(d2, "claude", 200, "c", "https://c", (7, 3, 0), false)).unwrap();
        writeln!(now).unwrap();
        write!(now, "{{\"timestamp_ms\":").unwrap(); // a torn last line
        drop((old, now));

        let s = summarize(&cur, &Window::in_tz(2, today, &Utc)).unwrap();
        assert_eq!((s.days, &s.from, &s.to, s.skipped_lines), (2, &y, &t, 2));
        // The note names where the first bad line is, so it can be looked at.
        let old_file = crate::config::error::display_path(&crate::logs::reader::rotated(&cur, 1));
        assert_eq!(s.first_skipped.as_deref(), Some(&*format!("{old_file}:3")));
        let shown: Vec<(&str, &str, &str, u64, u64, u64)> = s
            .rows
            .iter()
            .map(|r| (&*r.day, &*r.service, &*r.upstream, r.counts.requests, r.counts.errors, r.counts.total_tokens))
            .collect();
        assert_eq!(
            shown,
            vec![
                (&*y, "codex", "https://a/v1", 2, 1, 15),
                (&*t, "claude", "https://c", 1, 0, 10),
                (&*t, "codex", "https://b/v1", 1, 1, 3),
            ]
        );
        assert_eq!(s.totals["codex"].requests, 3);
        assert_eq!(s.totals["codex"].reasoning_tokens, 1);
        assert_eq!(s.totals["claude"].input_tokens, 7);
        let json = serde_json::to_value(&s.rows[0]).unwrap();
        assert_eq!(json["input_tokens"], 10, "counts are flat in a row: {json}");
    }
}
