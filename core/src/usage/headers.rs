//! Passive quota: the rate-limit headers upstreams put on every answer.
//!
//! No polling: the proxy hands each upstream's response head to
//! [`has_quota_headers`] (a scan of header names, no allocation) and only
//! when a known family is present to [`windows_of`]. Three families:
//!
//! - OpenAI style: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`,
//!   the reset a Go-style duration (`6m0s`, `59.7s`, `20ms`).
//! - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
//!   the reset an RFC 3339 time.
//! - Anthropic's unified (subscription) windows, as Claude Code reads them:
//!   `anthropic-ratelimit-unified-{5h,7d}-utilization` (a fraction used,
//!   `0.42`; past `1` once over), `-{5h,7d}-reset` (Unix seconds) and
//!   `-{5h,7d}-status`, and for the account as a whole
//!   `anthropic-ratelimit-unified-status` (`allowed`, `allowed_warning`,
//!   `rejected`), `-unified-reset` (Unix seconds) and
//!   `-unified-representative-claim` (`five_hour`, `seven_day`, … : the
//!   window that binds). `rejected` counts as all used, whatever the
//!   utilization says: the account is refusing. Sources: captured headers
//!   in anthropics/claude-code#12829 and #41506, the parsers discussed in
//!   anomalyco/opencode#49499 and router-for-me/CLIProxyAPI#5276 (seen
//!   2026-12). `-unified-fallback-percentage` and the `-overage-*` headers
//!   are not read: they describe overage billing and model fallback, not
//!   how much of a window is left, and their meaning is not documented.
//! - The Codex backend's usage windows, where a relay passes them on:
//!   `x-codex-{primary,secondary}-used-percent`, `-window-minutes`, and
//!   `-reset-at` (Unix seconds) or the older `-reset-after-seconds`
//!   (names as codex-rs `codex-api/src/rate_limits.rs` reads them).

use http::HeaderMap;

use super::window::QuotaWindow;

const OPENAI: &str = "x-ratelimit-";
const ANTHROPIC: &str = "anthropic-ratelimit-";
const CODEX: &str = "x-codex-";

/// Whether `headers` hold any family we read (cheap: names only).
pub fn has_quota_headers(headers: &HeaderMap) -> bool {
    headers.keys().any(|k| {
        let k = k.as_str();
        k.starts_with(OPENAI) || k.starts_with(ANTHROPIC) || k.starts_with(CODEX)
    })
}

/// Header names of one counted window: what, limit, remaining, reset.
type Names = (&'static str, &'static str, &'static str, &'static str);

/// Spelled out rather than formatted: real relays send these on every
/// answer, so the lookup runs per request and should not allocate.
const OPENAI_WINDOWS: [Names; 2] = [
    ("requests", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"),
    ("tokens", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"),
];
const ANTHROPIC_WINDOWS: [Names; 4] = [
    (
        "requests",
        "anthropic-ratelimit-requests-limit",
        "anthropic-ratelimit-requests-remaining",
        "anthropic-ratelimit-requests-reset",
    ),
    (
        "tokens",
        "anthropic-ratelimit-tokens-limit",
        "anthropic-ratelimit-tokens-remaining",
        "anthropic-ratelimit-tokens-reset",
    ),
    (
        "input-tokens",
        "anthropic-ratelimit-input-tokens-limit",
        "anthropic-ratelimit-input-tokens-remaining",
        "anthropic-ratelimit-input-tokens-reset",
    ),
    (
        "output-tokens",
        "anthropic-ratelimit-output-tokens-limit",
        "anthropic-ratelimit-output-tokens-remaining",
        "anthropic-ratelimit-output-tokens-reset",
    ),
];
/// Which, used percent, window minutes, reset at, reset after seconds.
const CODEX_WINDOWS: [(&str, &str, &str, &str, &str); 2] = [
    (
        "primary",
        "x-codex-primary-used-percent",
        "x-codex-primary-window-minutes",
        "x-codex-primary-reset-at",
        "x-codex-primary-reset-after-seconds",
    ),
    (
        "secondary",
        "x-codex-secondary-used-percent",
        "x-codex-secondary-window-minutes",
        "x-codex-secondary-reset-at",
        "x-codex-secondary-reset-after-seconds",
    ),
];

/// Anthropic's unified windows: name, representative claim, utilization,
/// reset, status.
const UNIFIED_WINDOWS: [(&str, &str, &str, &str, &str); 2] = [
    (
        "5h",
        "five_hour",
        "anthropic-ratelimit-unified-5h-utilization",
        "anthropic-ratelimit-unified-5h-reset",
        "anthropic-ratelimit-unified-5h-status",
    ),
    (
        "7d",
        "seven_day",
        "anthropic-ratelimit-unified-7d-utilization",
        "anthropic-ratelimit-unified-7d-reset",
        "anthropic-ratelimit-unified-7d-status",
    ),
];
const UNIFIED_STATUS: &str = "anthropic-ratelimit-unified-status";
const UNIFIED_RESET: &str = "anthropic-ratelimit-unified-reset";
const UNIFIED_CLAIM: &str = "anthropic-ratelimit-unified-representative-claim";
/// The status of a unified window (or the account) that refuses requests.
const REJECTED: &str = "rejected";

/// Every window the headers describe (empty when none).
pub fn windows_of(headers: &HeaderMap, now_ms: u64) -> Vec<QuotaWindow> {
    let mut out = Vec::new();
    for (what, limit, remaining, reset) in OPENAI_WINDOWS {
        if let Some(w) = counted(what, number(headers, limit), number(headers, remaining)) {
            let reset = text(headers, reset).and_then(parse_duration_ms);
            out.push(w.resetting_at(reset.map(|d| now_ms + d)));
        }
    }
    for (what, limit, remaining, reset) in ANTHROPIC_WINDOWS {
        if let Some(w) = counted(what, number(headers, limit), number(headers, remaining)) {
            out.push(w.resetting_at(text(headers, reset).and_then(parse_rfc3339_ms)));
        }
    }
    unified_windows(headers, &mut out);
    for (which, used, minutes, reset_at, reset_after) in CODEX_WINDOWS {
        let Some(used) = number(headers, used) else { continue };
        let minutes = number(headers, minutes);
        let reset = number(headers, reset_at)
            .map(unix_ms)
            .or_else(|| number(headers, reset_after).map(|s| now_ms + (s.max(0.0) * 1000.0) as u64));
        let name = minutes.filter(|m| *m > 0.0).map_or_else(|| which.to_string(), window_name);
        out.push(QuotaWindow::used_percent(&name, used.clamp(0.0, 100.0)).resetting_at(reset));
    }
    out
}

/// Anthropic's unified 5-hour and 7-day windows, and a refusal of the
/// account as a whole (put on the window it names as binding).
fn unified_windows(headers: &HeaderMap, out: &mut Vec<QuotaWindow>) {
    let reset_of = |name: &str| {
        text(headers, name).and_then(|t| match t.parse::<f64>() {
            Ok(secs) if secs.is_finite() => Some(unix_ms(secs)),
            // A relay that rewrites it as a time.
            _ => parse_rfc3339_ms(t),
        })
    };
    let account_rejected = text(headers, UNIFIED_STATUS) == Some(REJECTED);
    let claim = text(headers, UNIFIED_CLAIM);
    let mut claimed_found = false;
    for (name, claim_name, utilization, reset, status) in UNIFIED_WINDOWS {
        let is_claimed = claim == Some(claim_name);
        let rejected = text(headers, status) == Some(REJECTED) || (account_rejected && is_claimed);
        let used = match number(headers, utilization) {
            _ if rejected => 100.0,
            Some(fraction) => (fraction * 100.0).clamp(0.0, 100.0),
            None => continue,
        };
        claimed_found |= is_claimed;
        let reset = reset_of(reset).or_else(|| is_claimed.then(|| reset_of(UNIFIED_RESET)).flatten());
        out.push(QuotaWindow::used_percent(name, used).resetting_at(reset));
    }
    // Refused, and the binding window is none of the two above (a model's
    // own weekly window, or no claim): the account's own window, all used.
    if account_rejected && !claimed_found {
        let name = claim.unwrap_or("unified");
        out.push(QuotaWindow::used_percent(name, 100.0).resetting_at(reset_of(UNIFIED_RESET)));
    }
}

fn counted(what: &str, limit: Option<f64>, remaining: Option<f64>) -> Option<QuotaWindow> {
    let (limit, remaining) = (limit?, remaining?);
    let unit = if what == "requests" { "requests" } else { "tokens" };
    Some(QuotaWindow::used_of(what, unit, Some((limit - remaining).max(0.0)), Some(limit)))
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim).filter(|s| !s.is_empty())
}

fn number(headers: &HeaderMap, name: &str) -> Option<f64> {
    text(headers, name)?.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `300` minutes → `5h`, `10080` → `7d`, `90` → `90m`.
fn window_name(minutes: f64) -> String {
    let m = minutes.round() as u64;
    if m.is_multiple_of(1440) {
        format!("{}d", m / 1440)
    } else if m.is_multiple_of(60) {
        format!("{}h", m / 60)
    } else {
        format!("{m}m")
    }
}

/// Unix seconds (or milliseconds, when that large) → Unix ms.
pub fn unix_ms(value: f64) -> u64 {
    let v = value.max(0.0);
    if v < 10_000_000_000.0 {
        (v * 1000.0) as u64
    } else {
        v as u64
    }
}

/// RFC 3339 (`2026-12-02T09:00:00Z`) → Unix ms.
pub fn parse_rfc3339_ms(text: &str) -> Option<u64> {
    let t = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    u64::try_from(t.timestamp_millis()).ok()
}

/// A Go-style duration (`6m0s`, `1h2m`, `59.718s`, `20ms`) or plain
/// seconds (`7`) → milliseconds.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then_some((secs * 1000.0) as u64);
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    Some(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn durations_as_openai_writes_them() {
        assert_eq!(parse_duration_ms("6m0s"), Some(360_000));
        assert_eq!(parse_duration_ms("1h2m3s"), Some(3_723_000));
        assert_eq!(parse_duration_ms("59.718s"), Some(59_718));
        assert_eq!(parse_duration_ms("20ms"), Some(20));
        assert_eq!(parse_duration_ms("7"), Some(7000));
        assert_eq!(parse_duration_ms("soon"), None);
        assert_eq!(parse_duration_ms("5x"), None);
    }

    #[test]
    fn openai_family() {
        let h = headers(&[
            ("x-ratelimit-limit-requests", "100"),
            ("x-ratelimit-remaining-requests", "3"),
            ("x-ratelimit-reset-requests", "6m0s"),
            ("x-ratelimit-limit-tokens", "1000"),
            ("x-ratelimit-remaining-tokens", "900"),
            ("content-type", "text/event-stream"),
        ]);
        assert!(has_quota_headers(&h));
        let w = windows_of(&h, 1_000);
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].name.as_str(), w[0].used, w[0].limit), ("requests", Some(97.0), Some(100.0)));
        assert_eq!(w[0].resets_at_ms, Some(361_000));
        assert_eq!(w[1].remaining_pct, Some(90.0));
        assert_eq!(w[1].resets_at_ms, None);
    }

    #[test]
    fn anthropic_family() {
        let h = headers(&[
            ("anthropic-ratelimit-tokens-limit", "80000"),
            ("anthropic-ratelimit-tokens-remaining", "2000"),
            ("anthropic-ratelimit-tokens-reset", "2026-12-02T09:00:00Z"),
            ("anthropic-ratelimit-output-tokens-limit", "8000"),
        ]);
        let w = windows_of(&h, 0);
        assert_eq!(w.len(), 1, "a limit without remaining says nothing");
        assert_eq!(w[0].name, "tokens");
        assert_eq!(w[0].remaining_pct, Some(2.5));
        assert_eq!(w[0].resets_at_ms, parse_rfc3339_ms("2026-12-02T09:00:00+00:00"));
    }

    #[test]
    fn anthropic_unified_windows_as_claude_code_reads_them() {
        let h = headers(&[
            ("anthropic-ratelimit-unified-status", "allowed_warning"),
            ("anthropic-ratelimit-unified-5h-utilization", "0.42"),
            ("anthropic-ratelimit-unified-5h-reset", "1790000000"),
            ("anthropic-ratelimit-unified-5h-status", "allowed"),
            ("anthropic-ratelimit-unified-7d-utilization", "1.08"),
            ("anthropic-ratelimit-unified-7d-reset", "2026-12-08T05:25:11Z"),
            ("anthropic-ratelimit-unified-representative-claim", "seven_day"),
            ("anthropic-ratelimit-unified-reset", "1790500000"),
            ("anthropic-ratelimit-unified-fallback-percentage", "0.5"),
        ]);
        assert!(has_quota_headers(&h));
        let w = windows_of(&h, 0);
        let names: Vec<&str> = w.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["5h", "7d"], "no window from the fallback percentage or the account's status");
        assert_eq!(w[0].unit, "percent");
        assert!((w[0].remaining_pct.unwrap() - 58.0).abs() < 1e-9, "a fraction used: {:?}", w[0]);
        assert_eq!(w[0].resets_at_ms, Some(1_790_000_000_000), "Unix seconds");
        assert_eq!(w[1].remaining_pct, Some(0.0), "over the limit is all used");
        assert_eq!(w[1].resets_at_ms, parse_rfc3339_ms("2026-12-08T05:25:11Z"), "a relay's RFC 3339 too");
    }

    #[test]
    fn a_rejected_unified_account_counts_as_all_used_on_the_binding_window() {
        // Refused at 50% of the 5-hour window: the refusal wins, and the
        // account's reset stands in for the window's own.
        let h = headers(&[
            ("anthropic-ratelimit-unified-status", "rejected"),
            ("anthropic-ratelimit-unified-representative-claim", "five_hour"),
            ("anthropic-ratelimit-unified-5h-utilization", "0.5"),
            ("anthropic-ratelimit-unified-7d-utilization", "0.2"),
            ("anthropic-ratelimit-unified-reset", "1790000000"),
        ]);
        let w = windows_of(&h, 0);
        assert_eq!(
            (w[0].name.as_str(), w[0].remaining_pct, w[0].resets_at_ms),
            ("5h", Some(0.0), Some(1_790_000_000_000))
        );
        assert_eq!((w[1].name.as_str(), w[1].remaining_pct, w[1].resets_at_ms), ("7d", Some(80.0), None));
        // Refused for a window of its own (a model's weekly one): that window.
        let h = headers(&[
            ("anthropic-ratelimit-unified-status", "rejected"),
            ("anthropic-ratelimit-unified-representative-claim", "seven_day_opus"),
            ("anthropic-ratelimit-unified-5h-utilization", "0.1"),
            ("anthropic-ratelimit-unified-reset", "1790000000"),
        ]);
        let w = windows_of(&h, 0);
        assert_eq!(w.len(), 2);
        assert_eq!((w[1].name.as_str(), w[1].remaining_pct), ("seven_day_opus", Some(0.0)));
        // A window's own status says so: all used, whatever its utilization.
        let h = headers(&[
            ("anthropic-ratelimit-unified-5h-status", "rejected"),
            ("anthropic-ratelimit-unified-5h-utilization", "0.3"),
        ]);
        assert_eq!(windows_of(&h, 0)[0].remaining_pct, Some(0.0));
        // Allowed and no utilization: nothing is known.
        let h = headers(&[("anthropic-ratelimit-unified-status", "allowed")]);
        assert!(windows_of(&h, 0).is_empty());
    }

    #[test]
    fn codex_usage_windows() {
        let h = headers(&[
            ("x-codex-primary-used-percent", "42.5"),
            ("x-codex-primary-window-minutes", "300"),
            ("x-codex-primary-reset-at", "1704069000"),
            ("x-codex-secondary-used-percent", "97"),
            ("x-codex-secondary-window-minutes", "10080"),
            ("x-codex-secondary-reset-after-seconds", "60"),
        ]);
        let w = windows_of(&h, 5_000);
        assert_eq!(w[0].name, "5h");
        assert_eq!(w[0].remaining_pct, Some(57.5));
        assert_eq!(w[0].resets_at_ms, Some(1_704_069_000_000));
        assert_eq!((w[1].name.as_str(), w[1].resets_at_ms), ("7d", Some(65_000)));
    }

    #[test]
    fn no_family_no_windows() {
        let h = headers(&[("content-type", "application/json"), ("x-request-id", "abc")]);
        assert!(!has_quota_headers(&h));
        assert!(windows_of(&h, 0).is_empty());
    }
}
