//! `ch usage [--days N] [--json]`: requests, errors and tokens per day,
//! service, config and upstream from the request log, plus the latest quota
//! state a running proxy saw.

use std::process::ExitCode;

use anyhow::{bail, Context};
use codex_helper_core::config::error::display_path;
use codex_helper_core::logs::now_ms;
use codex_helper_core::usage::{self, summary, ProvidersFile, QuotaLevel, QuotaState, Summary, Totals, Window};
use codex_helper_core::{t, Paths};
use serde::Serialize;

use crate::args::UsageArgs;

/// The `--json` document: the summary's fields, then quota.
#[derive(Serialize)]
struct Report {
    #[serde(flatten)]
    summary: Summary,
    /// The latest state per provider and upstream (empty if none polled).
    quota: Vec<QuotaState>,
    /// When a proxy last wrote `usage_state.json`; `null`: never.
    quota_written_at_ms: Option<u64>,
    /// Why `usage_providers.json` can't be used, if it is broken.
    providers_problem: Option<String>,
}

pub fn run(args: UsageArgs) -> anyhow::Result<ExitCode> {
    if args.days == 0 {
        bail!(t!("cli-usage-days-zero"));
    }
    let paths = Paths::from_env()?;
    let providers = paths.usage_providers_file();
    let providers_problem = match ProvidersFile::ensure_default(&providers) {
        Err(err) => Some(err.to_string()),
        Ok(_) => ProvidersFile::load(&providers).err().map(|e| e.to_string()),
    };
    let log = paths.request_log();
    let summary = summary::summarize(&log, &Window::last_days(args.days))
        .with_context(|| t!("cli-cannot-read", path = display_path(&log)))?;
    let state = usage::read_state(&usage::state_file(&paths)).ok().flatten();
    let report = Report {
        summary,
        quota_written_at_ms: state.as_ref().map(|s| s.written_at_ms),
        quota: state.map(|s| s.quota).unwrap_or_default(),
        providers_problem,
    };
    if args.output.json {
        crate::output::print_json(&report)?;
    } else {
        print_text(&report, &display_path(&log));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(r: &Report, log: &str) {
    let s = &r.summary;
    let span =
        if s.days == 1 { t!("cli-usage-today", day = s.to.as_str()) } else { format!("{} → {}", s.from, s.to) };
    outln!("{}", t!("cli-usage-title", span = span, log = log));
    if s.rows.is_empty() {
        outln!("  {}", t!("cli-usage-none"));
    } else {
        let mut head = vec![t!("cli-col-day"), t!("cli-col-service"), t!("cli-col-config"), t!("cli-col-upstream")];
        head.extend(count_headings());
        let mut table = vec![head];
        for row in &s.rows {
            let mut cells = vec![row.day.clone(), row.service.clone(), dash(&row.config), dash(&row.upstream)];
            cells.extend(counts(&row.counts));
            table.push(cells);
        }
        print_table(&table, 4);
        outln!();
        let mut head = vec![t!("cli-col-day"), t!("cli-col-service"), t!("cli-col-model")];
        head.extend(count_headings());
        let mut models = vec![head];
        for row in &s.models {
            let mut cells = vec![row.day.clone(), row.service.clone(), dash(&row.model)];
            cells.extend(counts(&row.counts));
            models.push(cells);
        }
        print_table(&models, 3);
        outln!();
        outln!("{}", t!("cli-usage-totals"));
        for (service, n) in &s.totals {
            let unpriced = if n.unpriced_requests > 0 {
                format!(" {}", t!("cli-usage-unpriced", count = n.unpriced_requests))
            } else {
                String::new()
            };
            let line = t!(
                "cli-usage-total-line",
                requests = n.requests,
                errors = n.errors,
                tokens = n.total_tokens,
                input = n.input_tokens,
                output = n.output_tokens,
                reasoning = n.reasoning_tokens,
                cost = usd(n.cost_usd)
            );
            outln!("  {service:<7} {line}{unpriced}");
        }
    }
    if s.skipped_lines > 0 {
        match s.first_skipped.as_deref() {
            Some(at) => outln!("  {}", t!("cli-usage-skipped-at", count = s.skipped_lines, at = at)),
            None => outln!("  {}", t!("cli-usage-skipped", count = s.skipped_lines)),
        }
    }
    outln!();
    print_quota(r);
}

fn print_quota(r: &Report) {
    if let Some(problem) = &r.providers_problem {
        outln!("{}", t!("cli-usage-quota-problem", problem = problem.as_str()));
    }
    let Some(written) = r.quota_written_at_ms else {
        outln!("{}", t!("cli-usage-quota-never"));
        return;
    };
    if r.quota.is_empty() {
        outln!("{}", t!("cli-usage-quota-nomatch", age = age(written)));
        return;
    }
    outln!("{}", t!("cli-usage-quota-title", age = age(written)));
    let mut table = vec![vec![
        t!("cli-col-source"),
        t!("cli-col-service"),
        t!("cli-col-config"),
        t!("cli-col-upstream"),
        t!("cli-col-key"),
        t!("cli-col-state"),
        t!("cli-col-windows"),
        t!("cli-col-checked"),
    ]];
    for q in &r.quota {
        table.push(vec![
            q.provider_id.clone(),
            q.service.to_string(),
            q.config.clone(),
            q.base_url.clone(),
            q.key_label.as_deref().map(|k| crate::output::shown(k).into_owned()).unwrap_or_else(|| "-".into()),
            quota_state(q),
            quota_windows(q),
            t!("cli-usage-checked", age = age(q.checked_at_ms)),
        ]);
    }
    print_table(&table, usize::MAX);
}

/// `ok`, `warning`, `EXHAUSTED`, `unknown`.
pub(crate) fn quota_state(q: &QuotaState) -> String {
    match q.state {
        QuotaLevel::Exhausted => t!("cli-quota-exhausted"),
        // A state file from before windows existed: the old flag.
        QuotaLevel::Unknown if q.error.is_none() && q.exhausted == Some(true) => t!("cli-quota-exhausted"),
        QuotaLevel::Unknown if q.error.is_none() && q.exhausted == Some(false) => t!("cli-quota-ok"),
        QuotaLevel::Ok => t!("cli-quota-ok"),
        QuotaLevel::Warning => t!("cli-quota-warning"),
        QuotaLevel::Unknown => t!("cli-quota-unknown"),
    }
}

/// Each window's used / limit / reset, or why there are none.
pub(crate) fn quota_windows(q: &QuotaState) -> String {
    let now = now_ms();
    if let Some(error) = &q.error {
        return error.clone();
    }
    if q.windows.is_empty() {
        return match (q.spent_usd, q.budget_usd) {
            (Some(spent), Some(budget)) => {
                t!("cli-quota-spent", spent = format!("{spent:.2}"), budget = format!("{budget:.2}"))
            }
            _ => t!("cli-quota-no-answer"),
        };
    }
    q.windows.iter().map(|w| w.describe(now)).collect::<Vec<_>>().join("; ")
}

/// The headings of [`counts`]'s cells, in the same order.
fn count_headings() -> [String; 7] {
    [
        t!("cli-col-reqs"),
        t!("cli-col-errs"),
        t!("cli-col-in"),
        t!("cli-col-out"),
        t!("cli-col-reason"),
        t!("cli-col-total"),
        t!("cli-col-cost"),
    ]
}

fn counts(t: &Totals) -> Vec<String> {
    let mut cells: Vec<String> =
        [t.requests, t.errors, t.input_tokens, t.output_tokens, t.reasoning_tokens, t.total_tokens]
            .map(|n| n.to_string())
            .to_vec();
    cells.push(usd(t.cost_usd));
    cells
}

/// `$12.34`, `$0.0123`, `$0.000018`: cents for large sums, more decimals
/// for the small ones a few requests add up to.
fn usd(cost: f64) -> String {
    if cost >= 1.0 {
        format!("${cost:.2}")
    } else if cost >= 0.01 || cost == 0.0 {
        format!("${cost:.4}")
    } else {
        format!("${cost:.6}")
    }
}

fn dash(s: &str) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s.into()
    }
}

/// Columns padded to their widest cell; from `right_from` on, right-aligned.
pub(crate) fn print_table(rows: &[Vec<String>], right_from: usize) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| crate::output::width(s)).max().unwrap_or(0))
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| {
                // Padded by terminal columns: a Chinese heading is two a character.
                let pad = " ".repeat(widths[c].saturating_sub(crate::output::width(s)));
                if c >= right_from {
                    format!("{pad}{s}")
                } else {
                    format!("{s}{pad}")
                }
            })
            .collect();
        outln!("  {}", cells.join("  ").trim_end());
    }
}

/// `12 s ago`, `5 min ago`, `3 h ago`.
fn age(at_ms: u64) -> String {
    let secs = now_ms().saturating_sub(at_ms) / 1000;
    match secs {
        0..=119 => t!("cli-age-seconds", n = secs),
        120..=7199 => t!("cli-age-minutes", n = secs / 60),
        _ => t!("cli-age-hours", n = secs / 3600),
    }
}
