//! config.json and filter.json edited while the proxy runs: the next
//! requests follow the new version; a broken edit keeps the last good one.

use std::time::{Duration, Instant};

use codex_helper_core::Service;
use codex_helper_tests::{read_sse_events, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;

use crate::lb_support::{base_url_for, config_multi, eventually, ok_stream, send, PATIENCE};

/// Replace a file the way editors do, with arbitrary (possibly broken) text.
fn write_raw(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp-raw");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn mock(text: &str) -> MockUpstream {
    let m = MockUpstream::start().await;
    m.set_default(Reply::sse(ok_stream(Service::Codex, text)));
    m
}

/// One request; returns which mock text answered.
async fn served_by(proxy: &Proxy) -> String {
    let resp = send(proxy, Service::Codex, None).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let done = read.events.iter().find(|e| e.event.as_deref() == Some("response.output_text.done")).expect("text");
    done.json()["text"].as_str().unwrap().to_string()
}

fn active_name(proxy: &Proxy) -> String {
    proxy.runtime.config().snapshot().active(Service::Codex).map(|a| a.name.to_string()).unwrap_or_default()
}

fn first_url(proxy: &Proxy) -> String {
    let snap = proxy.runtime.config().snapshot();
    snap.active(Service::Codex).map(|a| a.upstreams[0].base_url.to_string()).unwrap_or_default()
}

#[tokio::test]
async fn switching_the_active_config_moves_traffic() {
    let (a, b) = (mock("from a").await, mock("from b").await);
    let (url_a, url_b) = (base_url_for(Service::Codex, &a.url()), base_url_for(Service::Codex, &b.url()));
    let home = TestHome::new();
    let configs =
        [("first", vec![(url_a.clone(), "key-a".to_string())]), ("second", vec![(url_b.clone(), "key-b".to_string())])];
    home.write_config(&config_multi(Service::Codex, "first", &configs));
    let proxy = Proxy::start(&home, Service::Codex).await;
    assert_eq!(served_by(&proxy).await, "from a");

    let t0 = Instant::now();
    home.write_config(&config_multi(Service::Codex, "second", &configs));
    eventually("the reload", PATIENCE, || active_name(&proxy) == "second").await;
    let took = t0.elapsed();
    assert_eq!(served_by(&proxy).await, "from b");
    assert_eq!(a.request_count(), 1, "nothing more to the old config");
    let got = b.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("authorization"), Some("Bearer key-b"));
    proxy.flush_log();
    assert_eq!(home.log_lines().last().unwrap()["config_name"], "second");
    // The watcher polls every 250 ms; allow for a loaded machine.
    assert!(took < Duration::from_secs(5), "reload took {took:?}");
}

#[tokio::test]
async fn reordering_upstreams_and_changing_a_key_apply_to_the_next_request() {
    let (a, b) = (mock("from a").await, mock("from b").await);
    let (url_a, url_b) = (base_url_for(Service::Codex, &a.url()), base_url_for(Service::Codex, &b.url()));
    let home = TestHome::new();
    home.write_config(&config_multi(
        Service::Codex,
        "main",
        &[("main", vec![(url_a.clone(), "key-a".into()), (url_b.clone(), "key-b".into())])],
    ));
    let proxy = Proxy::start(&home, Service::Codex).await;
    assert_eq!(served_by(&proxy).await, "from a");

    home.write_config(&config_multi(
        Service::Codex,
        "main",
        &[("main", vec![(url_b.clone(), "key-b2".into()), (url_a.clone(), "key-a".into())])],
    ));
    eventually("the reload", PATIENCE, || first_url(&proxy) == url_b).await;
    assert_eq!(served_by(&proxy).await, "from b");
    assert_eq!(b.requests()[0].header("authorization"), Some("Bearer key-b2"), "the new key");
    assert_eq!(a.request_count(), 1);

    // Only the key changes.
    home.write_config(&config_multi(
        Service::Codex,
        "main",
        &[("main", vec![(url_b.clone(), "key-b3".into()), (url_a.clone(), "key-a".into())])],
    ));
    let b3 = || b.requests().last().and_then(|r| r.header("authorization").map(str::to_string));
    let deadline = Instant::now() + PATIENCE;
    loop {
        assert_eq!(served_by(&proxy).await, "from b");
        if b3().as_deref() == Some("Bearer key-b3") {
            break;
        }
        assert_eq!(b3().as_deref(), Some("Bearer key-b2"), "old or new key, nothing else");
        assert!(Instant::now() < deadline, "the new key was never used");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_broken_config_edit_keeps_the_last_good_one() {
    let (a, b) = (mock("from a").await, mock("from b").await);
    let (url_a, url_b) = (base_url_for(Service::Codex, &a.url()), base_url_for(Service::Codex, &b.url()));
    let home = TestHome::new();
    home.write_config(&config_multi(Service::Codex, "main", &[("main", vec![(url_a.clone(), "key-a".into())])]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    assert_eq!(served_by(&proxy).await, "from a");

    let path = home.paths.config_file();
    write_raw(&path, "{ \"version\": 1, \"codex\": { oops");
    let live = proxy.runtime.config().clone();
    eventually("the broken edit to be noticed", PATIENCE, || live.problem().is_some()).await;
    let problem = live.problem().unwrap();
    assert!(problem.contains("config.json"), "{problem}");
    for _ in 0..2 {
        assert_eq!(served_by(&proxy).await, "from a", "still the last good config");
    }

    home.write_config(&config_multi(Service::Codex, "fixed", &[("fixed", vec![(url_b.clone(), "key-b".into())])]));
    eventually("the fix to be picked up", PATIENCE, || live.problem().is_none() && active_name(&proxy) == "fixed")
        .await;
    assert_eq!(served_by(&proxy).await, "from b");
    assert_eq!(b.requests()[0].header("authorization"), Some("Bearer key-b"));
}

/// Regression (issue 9 #9): a 0-byte config.json (an editor's truncate
/// before write, a killed copy) was served as a valid empty config: INFO
/// "reloaded", then 503 for everything. Empty and truncated files are broken
/// edits: the last good config keeps serving and the problem is shown.
#[tokio::test]
async fn an_empty_or_truncated_config_keeps_the_last_good_one() {
    let a = mock("from a").await;
    let url_a = base_url_for(Service::Codex, &a.url());
    let home = TestHome::new();
    let good = config_multi(Service::Codex, "main", &[("main", vec![(url_a.clone(), "key-a".into())])]);
    home.write_config(&good);
    let proxy = Proxy::start(&home, Service::Codex).await;
    assert_eq!(served_by(&proxy).await, "from a");
    let live = proxy.runtime.config().clone();
    let path = home.paths.config_file();
    let full = serde_json::to_string_pretty(&good).unwrap();

    for (what, broken) in
        [("empty", String::new()), ("blank", " \n".to_string()), ("truncated", full[..full.len() / 2].to_string())]
    {
        write_raw(&path, &broken);
        eventually(&format!("the {what} file to be noticed"), PATIENCE, || live.problem().is_some()).await;
        let problem = live.problem().unwrap();
        assert!(problem.contains("config.json"), "{what}: {problem}");
        assert_eq!(active_name(&proxy), "main", "{what}: still the last good config");
        assert_eq!(served_by(&proxy).await, "from a", "{what}: still served");
        home.write_config(&good);
        eventually("the fix to be picked up", PATIENCE, || live.problem().is_none()).await;
    }
    let problem_for_empty = {
        write_raw(&path, "");
        eventually("the empty file to be noticed", PATIENCE, || live.problem().is_some()).await;
        live.problem().unwrap()
    };
    assert!(problem_for_empty.contains("empty"), "says what is wrong: {problem_for_empty}");
    assert_eq!(std::fs::read(&path).unwrap(), b"", "nothing overwritten");
}

#[tokio::test]
async fn filter_rules_apply_and_reload() {
    let upstream = mock("ok").await;
    let home = TestHome::new();
    home.write_config(&config_multi(
        Service::Codex,
        "main",
        &[("main", vec![(base_url_for(Service::Codex, &upstream.url()), "k".into())])],
    ));
    home.write_filter(&json!([
        {"op": "replace", "source": "secret-domain.com", "target": "[REDACTED]"},
        {"op": "remove", "source": "tok-123"}
    ]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let body = json!({"model": "gpt-5", "stream": true, "input": "mail ops@secret-domain.com using tok-123 on secret-domain.com"});
    let post = || async {
        let resp = proxy.post("/v1/responses", &body).await;
        assert_eq!(resp.status(), 200);
        read_sse_events(resp).await;
        upstream.requests().last().unwrap().json()["input"].as_str().unwrap().to_string()
    };
    assert_eq!(post().await, "mail ops@[REDACTED] using  on [REDACTED]");

    home.write_filter(&json!([{"op": "replace", "source": "ops@", "target": "someone@"}]));
    let seen = crate::lb_support::eventually_async("the new filter rules", Duration::from_secs(5), || async {
        let got = post().await;
        (got != "mail ops@[REDACTED] using  on [REDACTED]").then_some(got)
    })
    .await;
    assert_eq!(seen, "mail someone@secret-domain.com using tok-123 on secret-domain.com");

    // A broken edit keeps the previous rules (never forward unredacted by accident).
    write_raw(&home.paths.filter_file(), "[{\"op\": \"replace\", ");
    for _ in 0..2 {
        assert_eq!(post().await, "mail someone@secret-domain.com using tok-123 on secret-domain.com");
    }
}
