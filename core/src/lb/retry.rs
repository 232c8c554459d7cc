//! Which upstream answers are worth another upstream, and which belong to
//! the client: [`decide`] is the one place that says, per [`ErrorKind`],
//! whether to fail over, whether it counts against the upstream's health,
//! and how its cooldown is set.
//!
//! Retrying is only ever safe before the first byte went to the client; the
//! proxy's response body enforces that. This module only classifies.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use super::error::ErrorKind;

/// What one error means for the request and the upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Try the next upstream (if nothing reached the client yet). When
    /// false the error is the client's own: every upstream would say the
    /// same, so it goes to the client as it is.
    pub fail_over: bool,
    /// Counts as a failure of the upstream (towards the threshold).
    pub counts_against_health: bool,
    pub cooldown: Cooldown,
}

/// When a failure puts an upstream in cooldown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cooldown {
    /// Never (the error says nothing about the upstream).
    Never,
    /// After [`super::HealthPolicy::failure_threshold`] failures in a row,
    /// for the policy's doubling cooldown.
    AfterThreshold,
    /// At once, for this long: the upstream said how long (`Retry-After`).
    For(Duration),
}

/// The decision for an error of `kind`, `retry_after` being what the
/// upstream asked for (already clamped, see [`retry_after`]).
pub fn decide(kind: ErrorKind, retry_after: Option<Duration>) -> Decision {
    use ErrorKind::*;
    match kind {
        // About the request: another upstream would answer the same.
        BadRequest | NotFound | ModelNotFound | ContextLength | ContentFilter | Unsupported => {
            Decision { fail_over: false, counts_against_health: false, cooldown: Cooldown::Never }
        }
        RateLimited | QuotaExhausted | Auth | Overloaded | Server | Timeout | Connection | StreamEndedEarly
        | EventTooLarge | Misconfigured | Unknown => Decision {
            fail_over: true,
            counts_against_health: true,
            cooldown: retry_after.map_or(Cooldown::AfterThreshold, Cooldown::For),
        },
    }
}

/// How one upstream answer counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx/3xx: pass it on, the upstream is fine.
    Success,
    /// 400, 404, 413, 422…: the client's request is wrong; pass it on
    /// untouched, no other upstream would answer differently.
    ClientError,
    /// 401/403 (bad key), 408, 429 (rate/quota), 5xx: another upstream may
    /// well succeed.
    Retryable,
}

/// How an answer with `status` counts, before its body is read: the
/// status's kind (see [`ErrorKind::from_status`]) through [`decide`]. "Method
/// not implemented" (e.g. Claude Code's `HEAD /` probe) is a property of the
/// request, not an outage.
pub fn classify_status(status: StatusCode) -> Verdict {
    match ErrorKind::from_status(status.as_u16()) {
        None => Verdict::Success,
        Some(kind) if decide(kind, None).fail_over => Verdict::Retryable,
        Some(_) => Verdict::ClientError,
    }
}

/// The longest wait a `Retry-After` may ask for. Values past it are
/// clamped here (health clamps again, to `lb.max_cooldown_ms`); a day is
/// already far beyond any real rate limit.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// `Retry-After`, in either form RFC 9110 allows: delta-seconds (fractions
/// accepted, as some relays send them) or an HTTP date. A value from an
/// upstream is never trusted: negative, unparseable or past dates mean no
/// wait; huge ones (`1e30`, which used to panic the request task) are
/// clamped to [`MAX_RETRY_AFTER`].
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, SystemTime::now())
}

fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_nan() || secs < 0.0 {
            // Meaningless; `-0` is not below zero and reads as zero.
            return None;
        }
        if secs == 0.0 {
            return Some(Duration::ZERO);
        }
        // Compare before converting: `Duration::from_secs_f64` panics on
        // values it cannot hold.
        let cap = MAX_RETRY_AFTER.as_secs_f64();
        return Some(if secs >= cap { MAX_RETRY_AFTER } else { Duration::from_secs_f64(secs) });
    }
    let date = httpdate::parse_http_date(value).ok()?;
    // A date in the past (or a skewed clock) asks for no wait at all.
    let wait = date.duration_since(now).ok()?;
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses() {
        for s in [200, 201, 204, 302] {
            assert_eq!(classify_status(StatusCode::from_u16(s).unwrap()), Verdict::Success, "{s}");
        }
        for s in [400, 404, 409, 413, 422, 501] {
            assert_eq!(classify_status(StatusCode::from_u16(s).unwrap()), Verdict::ClientError, "{s}");
        }
        for s in [401, 403, 408, 429, 500, 502, 503, 504, 529] {
            assert_eq!(classify_status(StatusCode::from_u16(s).unwrap()), Verdict::Retryable, "{s}");
        }
    }

    #[test]
    fn decides_per_kind() {
        use ErrorKind::*;
        let client = Decision { fail_over: false, counts_against_health: false, cooldown: Cooldown::Never };
        for kind in [BadRequest, NotFound, ModelNotFound, ContextLength, ContentFilter, Unsupported] {
            assert_eq!(decide(kind, None), client, "{kind}");
            assert_eq!(decide(kind, Some(Duration::from_secs(5))), client, "a client error never cools: {kind}");
        }
        for kind in [
            RateLimited,
            QuotaExhausted,
            Auth,
            Overloaded,
            Server,
            Timeout,
            Connection,
            StreamEndedEarly,
            EventTooLarge,
            Misconfigured,
            Unknown,
        ] {
            let d = decide(kind, None);
            assert!(d.fail_over && d.counts_against_health, "{kind}");
            assert_eq!(d.cooldown, Cooldown::AfterThreshold, "{kind}");
            let wait = Duration::from_secs(7);
            assert_eq!(decide(kind, Some(wait)).cooldown, Cooldown::For(wait), "Retry-After sets it: {kind}");
        }
    }

    #[test]
    fn parses_retry_after_seconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "12".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(12)));
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), None, "a date in the past: no wait");
    }

    #[test]
    fn every_retry_after_form_parses_without_panicking_and_is_clamped() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_000); // 2015-10-21 07:20:00 UTC
        let cases: [(&str, Option<Duration>); 13] = [
            ("0", Some(Duration::ZERO)),
            ("1.5", Some(Duration::from_millis(1500))),
            (" 7 ", Some(Duration::from_secs(7))),
            ("1e30", Some(MAX_RETRY_AFTER)),
            ("inf", Some(MAX_RETRY_AFTER)),
            ("99999999999999999999999", Some(MAX_RETRY_AFTER)),
            ("-5", None),
            ("-0.0", Some(Duration::ZERO)),
            ("NaN", None),
            ("soon", None),
            ("", None),
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(Duration::from_secs(480))),
            ("Fri, 31 Dec 9999 23:59:59 GMT", Some(MAX_RETRY_AFTER)),
        ];
        for (value, want) in cases {
            assert_eq!(parse_retry_after(value.trim(), now), want, "{value:?}");
        }
    }
}
