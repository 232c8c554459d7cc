//! Requests a proxy answered, by final status: counted here, on the
//! request path (two relaxed atomics), and read by whoever reports live
//! state (the control endpoint, the app), which depends on the proxy and
//! not the other way round.

use std::sync::atomic::{AtomicU64, Ordering};

use http::StatusCode;
use serde::{Deserialize, Serialize};

/// A response that started with a success and failed mid-stream counts as
/// a success here (the request log and upstream health record the failure).
#[derive(Debug, Default)]
pub struct RequestCounters {
    total: AtomicU64,
    errors: AtomicU64,
}

impl RequestCounters {
    /// Count one request answered with `status` (errors: 4xx and 5xx).
    pub fn count(&self, status: StatusCode) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if status.is_client_error() || status.is_server_error() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn get(&self) -> RequestCounts {
        RequestCounts { total: self.total.load(Ordering::Relaxed), errors: self.errors.load(Ordering::Relaxed) }
    }
}

/// Counter values since the proxy started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RequestCounts {
    pub total: u64,
    pub errors: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_errors_by_status() {
        let c = RequestCounters::default();
        for s in [200, 201, 404, 502] {
            c.count(StatusCode::from_u16(s).unwrap());
        }
        assert_eq!(c.get(), RequestCounts { total: 4, errors: 2 });
    }
}
