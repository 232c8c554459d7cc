//! Quota windows and what they mean for an upstream.
//!
//! A relay's quota is rarely one budget: a 5-hour and a weekly window, a
//! per-minute request and token allowance, a prepaid balance. Every source
//! (a provider's answer, an upstream's response headers) is turned into a
//! list of [`QuotaWindow`]s; [`level_of`] decides from them, the config's
//! thresholds and the clock whether the upstream is fine, nearly used up,
//! or to be treated as exhausted before it starts failing.
//!
//! A window whose reset time has passed counts as reset (used 0) until the
//! next answer says otherwise: that is how traffic returns when a window
//! resets, without waiting for the next poll.

use serde::{Deserialize, Serialize};

/// Default share used (percent) at which an upstream is treated as
/// exhausted (`quota_threshold_percent` of a config).
pub const DEFAULT_THRESHOLD_PERCENT: f64 = 95.0;
/// Default share used (percent) at which it is reported as nearly used up
/// (`quota_warning_percent` of a config).
pub const DEFAULT_WARNING_PERCENT: f64 = 80.0;

/// One quota window of one upstream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuotaWindow {
    /// What the window is: `5h`, `weekly`, `requests`, `tokens`, `balance`…
    pub name: String,
    /// In `unit`; `None` when the source gives only a share.
    pub used: Option<f64>,
    pub limit: Option<f64>,
    /// Of the limit, 0–100; `None` when unknown (no limit: unlimited).
    pub remaining_pct: Option<f64>,
    /// When the window starts afresh (Unix ms), if the source says.
    pub resets_at_ms: Option<u64>,
    /// `usd`, `requests`, `tokens`, `percent`, or a relay's own unit.
    #[serde(default)]
    pub unit: String,
}

impl QuotaWindow {
    /// A window from what was used of what limit (a limit of 0 or less, or
    /// none, means unlimited: no share).
    pub fn used_of(name: &str, unit: &str, used: Option<f64>, limit: Option<f64>) -> QuotaWindow {
        let remaining_pct = match (used, limit) {
            (Some(u), Some(l)) if l > 0.0 => Some(((l - u) / l * 100.0).clamp(0.0, 100.0)),
            _ => None,
        };
        QuotaWindow { name: name.into(), used, limit, remaining_pct, resets_at_ms: None, unit: unit.into() }
    }

    /// A window known only by the share used (percent).
    pub fn used_percent(name: &str, used_pct: f64) -> QuotaWindow {
        QuotaWindow {
            name: name.into(),
            used: Some(used_pct),
            limit: Some(100.0),
            remaining_pct: Some((100.0 - used_pct).clamp(0.0, 100.0)),
            resets_at_ms: None,
            unit: "percent".into(),
        }
    }

    pub fn resetting_at(mut self, at_ms: Option<u64>) -> QuotaWindow {
        self.resets_at_ms = at_ms;
        self
    }

    /// Share used now (percent): `None` without a limit, 0 once the window
    /// has reset.
    pub fn used_pct(&self, now_ms: u64) -> Option<f64> {
        if self.has_reset(now_ms) {
            return Some(0.0);
        }
        self.remaining_pct.map(|r| 100.0 - r)
    }

    pub fn has_reset(&self, now_ms: u64) -> bool {
        self.resets_at_ms.is_some_and(|at| at <= now_ms)
    }

    /// One line for the CLI and the tray: `5h 42% used, resets in 3 h 12 min`,
    /// `balance $3.10 of $10.00 used (69% left)`.
    pub fn describe(&self, now_ms: u64) -> String {
        let amount = |v: f64| match self.unit.as_str() {
            "usd" => format!("${v:.2}"),
            _ => trim_number(v),
        };
        // `tokens 10 of 80 used`, `balance 3 of 10 credits used`.
        let unit = match self.unit.as_str() {
            "" | "usd" | "percent" => String::new(),
            u if u == self.name => String::new(),
            u => format!(" {u}"),
        };
        let mut s = match (self.used, self.limit, self.unit.as_str()) {
            (Some(_), Some(_), "percent") => crate::t!(
                "quota-window-pct-used",
                name = self.name.as_str(),
                pct = format!("{:.0}", self.used_pct(now_ms).unwrap_or(0.0))
            ),
            (Some(u), Some(l), _) => crate::t!(
                "quota-window-used-of",
                name = self.name.as_str(),
                used = amount(u),
                limit = amount(l),
                unit = unit,
                left = format!("{:.0}", self.remaining_pct.unwrap_or(0.0))
            ),
            (Some(u), None, _) => {
                crate::t!("quota-window-used-no-limit", name = self.name.as_str(), used = amount(u), unit = unit)
            }
            _ => format!("{} ?", self.name),
        };
        match self.resets_at_ms {
            Some(at) if at > now_ms => s.push_str(&crate::t!("quota-window-resets-in", span = span(at - now_ms))),
            Some(_) => s.push_str(&crate::t!("quota-window-reset-since")),
            None => {}
        }
        s
    }
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// `45 s`, `12 min`, `3 h 12 min`, `2 d 4 h`.
pub fn span(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..=119 => crate::t!("span-seconds", s = secs),
        120..=3599 => crate::t!("span-minutes", min = secs / 60),
        3600..=86_399 => crate::t!("span-hours", h = secs / 3600, min = secs % 3600 / 60),
        _ => crate::t!("span-days", d = secs / 86_400, h = secs % 86_400 / 3600),
    }
}

/// What the quota of an upstream means for traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum QuotaLevel {
    /// The source did not answer usably (the error says why): never a
    /// reason to block an upstream.
    #[default]
    Unknown,
    Ok,
    /// Past the warning level.
    Warning,
    /// Past the threshold: other upstreams are preferred until it resets.
    Exhausted,
}

impl QuotaLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaLevel::Unknown => "unknown",
            QuotaLevel::Ok => "ok",
            QuotaLevel::Warning => "warning",
            QuotaLevel::Exhausted => "exhausted",
        }
    }
}

impl std::fmt::Display for QuotaLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A config's two levels, in percent used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub exhausted_pct: f64,
    pub warning_pct: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { exhausted_pct: DEFAULT_THRESHOLD_PERCENT, warning_pct: DEFAULT_WARNING_PERCENT }
    }
}

impl Thresholds {
    /// From a config's optional fields (out-of-range values were refused
    /// when the file was loaded; clamped here all the same).
    pub fn of(threshold: Option<f64>, warning: Option<f64>) -> Thresholds {
        let exhausted_pct = threshold.filter(|t| t.is_finite()).unwrap_or(DEFAULT_THRESHOLD_PERCENT).clamp(1.0, 100.0);
        let warning_pct =
            warning.filter(|w| w.is_finite()).unwrap_or(DEFAULT_WARNING_PERCENT).clamp(0.0, exhausted_pct);
        Thresholds { exhausted_pct, warning_pct }
    }
}

/// The level of one answer: `Unknown` without windows that say anything,
/// else the worst window's.
pub fn level_of(windows: &[QuotaWindow], t: Thresholds, now_ms: u64) -> QuotaLevel {
    let mut level = QuotaLevel::Unknown;
    for w in windows {
        let this = match w.used_pct(now_ms) {
            Some(p) if p >= t.exhausted_pct => QuotaLevel::Exhausted,
            Some(p) if p >= t.warning_pct => QuotaLevel::Warning,
            // A window without a limit (unlimited) still says "fine".
            _ => QuotaLevel::Ok,
        };
        level = level.max(this);
    }
    level
}

/// While exhausted: when every exhausting window has reset (Unix ms);
/// `None` when one of them gives no reset time (it lasts until a new
/// answer says otherwise).
pub fn exhausted_until(windows: &[QuotaWindow], t: Thresholds, now_ms: u64) -> Option<u64> {
    let mut until = None;
    for w in windows.iter().filter(|w| w.used_pct(now_ms).is_some_and(|p| p >= t.exhausted_pct)) {
        until = Some(until.unwrap_or(0).max(w.resets_at_ms?));
    }
    until
}

/// The earliest future reset among `windows` (to wake up for).
pub fn next_reset(windows: &[QuotaWindow], now_ms: u64) -> Option<u64> {
    windows.iter().filter_map(|w| w.resets_at_ms).filter(|at| *at > now_ms).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_worst_window_and_reset_times() {
        let t = Thresholds::default();
        let five_h = QuotaWindow::used_percent("5h", 96.0).resetting_at(Some(10_000));
        let weekly = QuotaWindow::used_percent("weekly", 81.0).resetting_at(Some(99_000));
        assert_eq!(level_of(std::slice::from_ref(&weekly), t, 0), QuotaLevel::Warning);
        assert_eq!(level_of(&[five_h.clone(), weekly.clone()], t, 0), QuotaLevel::Exhausted);
        assert_eq!(exhausted_until(&[five_h.clone(), weekly.clone()], t, 0), Some(10_000));
        // The 5-hour window resets: the weekly one still warns.
        assert_eq!(level_of(&[five_h.clone(), weekly.clone()], t, 10_000), QuotaLevel::Warning);
        assert_eq!(next_reset(&[five_h, weekly], 10_000), Some(99_000));
        assert_eq!(level_of(&[], t, 0), QuotaLevel::Unknown);
        let unlimited = QuotaWindow::used_of("balance", "usd", Some(3.0), None);
        assert_eq!(level_of(&[unlimited], t, 0), QuotaLevel::Ok);
    }

    #[test]
    fn described_for_people() {
        let w = QuotaWindow::used_percent("5h", 42.0).resetting_at(Some(3_600_000 + 720_000));
        assert_eq!(w.describe(0), "5h 42% used, resets in 1 h 12 min");
        assert_eq!(w.describe(9_999_999), "5h 0% used, reset since");
        let b = QuotaWindow::used_of("balance", "usd", Some(3.1), Some(10.0));
        assert_eq!(b.describe(0), "balance $3.10 of $10.00 used (69% left)");
        let r = QuotaWindow::used_of("requests", "requests", Some(97.0), Some(100.0));
        assert_eq!(r.describe(0), "requests 97 of 100 used (3% left)");
    }

    #[test]
    fn thresholds_are_per_config_and_clamped() {
        let t = Thresholds::of(Some(50.0), None);
        assert_eq!((t.exhausted_pct, t.warning_pct), (50.0, 50.0));
        let w = QuotaWindow::used_of("m", "usd", Some(6.0), Some(10.0));
        assert_eq!(level_of(std::slice::from_ref(&w), t, 0), QuotaLevel::Exhausted);
        assert_eq!(level_of(std::slice::from_ref(&w), Thresholds::default(), 0), QuotaLevel::Ok);
        assert_eq!(exhausted_until(&[w], t, 0), None, "no reset time: until a new answer");
        assert_eq!(Thresholds::of(Some(f64::NAN), Some(120.0)), Thresholds::of(None, Some(95.0)));
    }
}
