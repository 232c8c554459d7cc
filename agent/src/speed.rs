//! The tray's "Test upstreams": core's speed test (as `ch test`) over a
//! service's active config; its results are kept here, one line per
//! upstream, for the menu to show until the next test.

use std::collections::BTreeMap;
use std::sync::Mutex;

use codex_helper_core::config::ConfigFile;
use codex_helper_core::speedtest::{self, SpeedResult};
use codex_helper_core::Service;

static LINES: Mutex<BTreeMap<Service, Vec<String>>> = Mutex::new(BTreeMap::new());

/// Test `service`'s active config's upstreams and keep the lines.
pub async fn run(file: &ConfigFile, service: Service) {
    let results = speedtest::run(speedtest::targets(file, service, false), speedtest::DEFAULT_TIMEOUT).await;
    let lines = results.iter().enumerate().map(|(i, r)| line(i + 1, r)).collect();
    LINES.lock().unwrap_or_else(|e| e.into_inner()).insert(service, lines);
}

/// The lines of `service`'s last test (empty before the first).
pub fn lines(service: Service) -> Vec<String> {
    LINES.lock().unwrap_or_else(|e| e.into_inner()).get(&service).cloned().unwrap_or_default()
}

/// `1. relay.example — TTFT 340 ms, 41.3 tok/s` or `2. other — http_401`.
fn line(rank: usize, r: &SpeedResult) -> String {
    let rest = r.base_url.split_once("://").map_or(r.base_url.as_str(), |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or(rest);
    let what = match (r.answered(), r.ttft_ms, r.tokens_per_s) {
        (true, Some(t), Some(tps)) => format!("TTFT {t} ms, {tps:.1} tok/s"),
        (true, Some(t), None) => format!("TTFT {t} ms"),
        _ => r.status.clone(),
    };
    format!("{rank}. {host} — {what}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_helper_core::config::Protocol;

    #[test]
    fn a_line_names_the_host_and_the_times_or_the_status() {
        let mut r = SpeedResult {
            service: Service::Codex,
            config: "main".into(),
            base_url: "https://relay.example/v1".into(),
            alias: None,
            protocol: Protocol::Responses,
            model: "gpt-5".into(),
            status: "ok".into(),
            http_status: Some(200),
            connect_ms: Some(20),
            ttft_ms: Some(340),
            tokens_per_s: Some(41.26),
            output_tokens: Some(5),
            error: None,
        };
        assert_eq!(line(1, &r), "1. relay.example — TTFT 340 ms, 41.3 tok/s");
        r.status = "http_401".into();
        assert_eq!(line(2, &r), "2. relay.example — http_401");
    }
}
