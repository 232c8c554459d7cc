//! Which upstream answers are worth another upstream, and which belong to
//! the client.
//!
//! Retrying is only ever safe before the first byte went to the client; the
//! proxy's response body enforces that. This module only classifies.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

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

pub fn classify_status(status: StatusCode) -> Verdict {
    match status.as_u16() {
        // "Method not implemented" (e.g. Claude Code's `HEAD /` probe) is a
        // property of the request, not an outage.
        501 => Verdict::ClientError,
        401 | 403 | 408 | 429 => Verdict::Retryable,
        s if s >= 500 => Verdict::Retryable,
        s if s >= 400 => Verdict::ClientError,
        _ => Verdict::Success,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare from APIs and is
/// treated as absent). Capped by the caller's policy.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = value.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
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
    fn parses_retry_after_seconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "12".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(12)));
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
