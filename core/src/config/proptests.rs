//! Property tests of the `config.json` and `settings.json` parsers: any text
//! is an error or a config, never a panic; a valid config or settings file
//! survives load → save → load unchanged, unknown fields included.

use proptest::prelude::*;
use serde_json::json;

use super::{ConfigStore, Settings};
use crate::paths::Paths;

fn valid_config() -> impl Strategy<Value = serde_json::Value> {
    let upstream = ("[a-z]{1,8}", "[A-Za-z0-9-]{8,20}", "[a-z]{1,5}", "[a-z0-9 ]{0,8}").prop_map(|(host, key, extra, v)| {
        json!({"base_url": format!("https://{host}.example/v1"), "auth": {"api_key": key}, format!("x_{extra}"): v})
    });
    (proptest::collection::vec(upstream, 1..4), "[a-z]{1,8}", "[a-z]{1,5}").prop_map(|(ups, name, extra)| {
        json!({
            "version": 1,
            format!("future_{extra}"): {"kept": true},
            "codex": {"active": name, "configs": {name.clone(): {"name": name, "upstreams": ups}}}
        })
    })
}

/// A valid, partial settings.json: any field may be left out (and takes its
/// default). Ports are kept apart from each other and from the defaults so
/// a partial file never makes the two proxies collide.
fn valid_settings() -> impl Strategy<Value = serde_json::Value> {
    use proptest::option::of;
    let service = |ports: std::ops::Range<u16>| (of(ports), of(any::<bool>()));
    let proxy = (
        of(1u64..600_000),
        of(1u64..600_000),
        of(1u64..600_000),
        of(1024u64..1 << 30),
        of(1u64..60_000),
        of(1u64..600_000),
        of(1u32..10_000),
    );
    let logs = (of(1u64..1 << 32), of(1u32..100));
    let lb = of((1u32..10, 1u64..30_000, 0u64..1_000_000));
    let app = (of(any::<bool>()), of(any::<bool>()));
    (service(40_000..50_000), service(50_000..60_000), proxy, logs, lb, app, "[a-z]{1,6}").prop_map(
        |(codex, claude, proxy, logs, lb, app, extra)| {
            fn put(
                obj: &mut serde_json::Map<String, serde_json::Value>,
                key: &str,
                v: Option<impl Into<serde_json::Value>>,
            ) {
                if let Some(v) = v {
                    obj.insert(key.into(), v.into());
                }
            }
            let mut root = serde_json::Map::new();
            for (name, (port, enabled)) in [("codex", codex), ("claude", claude)] {
                let mut o = serde_json::Map::new();
                put(&mut o, "port", port);
                put(&mut o, "enabled", enabled);
                root.insert(name.into(), o.into());
            }
            let mut o = serde_json::Map::new();
            put(&mut o, "connect_timeout_ms", proxy.0);
            put(&mut o, "response_header_timeout_ms", proxy.1);
            put(&mut o, "stream_idle_timeout_ms", proxy.2);
            put(&mut o, "max_request_body_bytes", proxy.3);
            put(&mut o, "request_header_timeout_ms", proxy.4);
            put(&mut o, "keep_alive_timeout_ms", proxy.5);
            put(&mut o, "max_connections", proxy.6);
            root.insert("proxy".into(), o.into());
            let mut o = serde_json::Map::new();
            put(&mut o, "max_bytes", logs.0);
            put(&mut o, "max_files", logs.1);
            root.insert("logs".into(), o.into());
            if let Some((threshold, cooldown, more)) = lb {
                root.insert(
                    "lb".into(),
                    json!({"failure_threshold": threshold, "cooldown_ms": cooldown,
                                               "max_cooldown_ms": cooldown + more}),
                );
            }
            let mut o = serde_json::Map::new();
            put(&mut o, "start_hidden", app.0);
            put(&mut o, "start_at_login", app.1);
            root.insert("app".into(), o.into());
            root.insert(format!("future_{extra}"), json!({"kept": [1, "two"]}));
            root.into()
        },
    )
}

/// Every leaf of `given` has the same value in `saved` (which may add defaults).
fn contains(saved: &serde_json::Value, given: &serde_json::Value) -> bool {
    match given {
        serde_json::Value::Object(o) => o.iter().all(|(k, v)| saved.get(k).is_some_and(|s| contains(s, v))),
        leaf => saved == leaf,
    }
}

proptest! {
    // 64 cases keep `npm test` quick; PROPTEST_CASES raises it for a long run.
    #![proptest_config(ProptestConfig { cases: crate::test_cases(64), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in proptest::string::string_regex("(?s).{0,80}").unwrap(),
                                   bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.helper_dir()).unwrap();
        for content in [text.as_bytes(), &bytes] {
            std::fs::write(paths.config_file(), content).unwrap();
            std::fs::write(paths.settings_file(), content).unwrap();
            let _ = ConfigStore::new(&paths).load();
            let _ = Settings::load(&paths);
            prop_assert_eq!(std::fs::read(paths.config_file()).unwrap(), content, "a load never writes");
        }
    }

    #[test]
    fn a_valid_config_round_trips_with_unknown_fields(cfg in valid_config()) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.helper_dir()).unwrap();
        std::fs::write(paths.config_file(), serde_json::to_vec(&cfg).unwrap()).unwrap();
        let store = ConfigStore::new(&paths);
        let first = store.load().unwrap();
        store.save(&first).unwrap();
        let second = store.load().unwrap();
        prop_assert_eq!(&second, &first);
        let on_disk: serde_json::Value = serde_json::from_slice(&std::fs::read(paths.config_file()).unwrap()).unwrap();
        let extra = cfg.as_object().unwrap().keys().find(|k| k.starts_with("future_")).unwrap();
        prop_assert_eq!(&on_disk[extra.as_str()], &json!({"kept": true}));
        let up = &cfg["codex"]["configs"].as_object().unwrap().values().next().unwrap()["upstreams"][0];
        let up_extra = up.as_object().unwrap().keys().find(|k| k.starts_with("x_")).unwrap();
        let saved_up = &on_disk["codex"]["configs"].as_object().unwrap().values().next().unwrap()["upstreams"][0];
        prop_assert_eq!(&saved_up[up_extra.as_str()], &up[up_extra.as_str()]);
    }

    #[test]
    fn valid_settings_round_trip_with_unknown_fields(given in valid_settings()) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.helper_dir()).unwrap();
        std::fs::write(paths.settings_file(), serde_json::to_vec_pretty(&given).unwrap()).unwrap();
        let first = Settings::load(&paths).unwrap();
        first.save(&paths).unwrap();
        let second = Settings::load(&paths).unwrap();
        prop_assert_eq!(&second, &first);
        // What the user wrote survives a rewrite, unknown keys included.
        let on_disk: serde_json::Value = serde_json::from_slice(&std::fs::read(paths.settings_file()).unwrap()).unwrap();
        prop_assert!(contains(&on_disk, &given), "{} lost something of {}", on_disk, given);
    }
}
