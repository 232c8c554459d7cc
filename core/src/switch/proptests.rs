//! Property tests: the switch record round-trips, and `switch on` then
//! `switch off` on arbitrary-but-valid client files (Codex TOML, Claude
//! JSON) restores them byte for byte; arbitrary text in a client file never
//! panics.

use proptest::prelude::*;
use serde::Serialize;

use super::record::{self, KeyChange, SwitchRecord};
use crate::paths::Paths;
use crate::process::ProcessId;
use crate::service::Service;

fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("(?s).{0,40}").unwrap()
}

/// A small valid Codex config.toml: comments, top-level keys, a table.
fn codex_toml() -> impl Strategy<Value = String> {
    let key = "[a-z][a-z_]{0,8}";
    let value = prop_oneof![
        "[a-zA-Z0-9 ]{0,12}".prop_map(|s| format!("\"{s}\"")),
        any::<i32>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
    ];
    let line = (key, value, proptest::option::of("[a-z ]{0,10}"))
        .prop_map(|(k, v, c)| format!("{k} = {v}{}\n", c.map(|c| format!(" # {c}")).unwrap_or_default()));
    (proptest::collection::vec(line.clone(), 0..5), proptest::collection::vec(line, 0..3), "[a-z]{1,8}").prop_map(
        |(top, table, name)| {
            let mut seen = std::collections::HashSet::new();
            let mut out = String::from("# mine\n");
            for l in top.iter().filter(|l| seen.insert(l.split(' ').next().unwrap().to_string())) {
                out.push_str(l);
            }
            let mut seen = std::collections::HashSet::new();
            out.push_str(&format!("\n[t_{name}]\n"));
            for l in table.iter().filter(|l| seen.insert(l.split(' ').next().unwrap().to_string())) {
                out.push_str(l);
            }
            out
        },
    )
}

/// Any JSON value, a few levels deep, keys and strings with non-ASCII text.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "[a-zA-Z0-9 é✓\\\"/]{0,10}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-zA-Z_é]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid Claude settings.json: an object, perhaps with an `env` of its
/// own (perhaps already naming a base URL or a key), written compact or
/// pretty with any indent, with or without a final newline.
fn claude_json() -> impl Strategy<Value = String> {
    let env = proptest::collection::btree_map(
        prop_oneof!["[A-Z_]{1,10}", Just("ANTHROPIC_BASE_URL".to_string()), Just("ANTHROPIC_API_KEY".to_string())],
        "[a-zA-Z0-9:/.-]{0,16}",
        0..4,
    );
    let top = proptest::collection::btree_map("[a-zA-Z_]{1,8}", json_value(), 0..5);
    (top, proptest::option::of(env), prop_oneof![Just(""), Just("  "), Just("    "), Just("\t")], any::<bool>())
        .prop_map(|(top, env, indent, newline)| {
            let mut obj: serde_json::Map<String, serde_json::Value> = top.into_iter().collect();
            if let Some(env) = env {
                let env: serde_json::Map<String, serde_json::Value> =
                    env.into_iter().map(|(k, v)| (k, v.into())).collect();
                obj.insert("env".into(), env.into());
            }
            let mut out = Vec::new();
            if indent.is_empty() {
                serde_json::to_writer(&mut out, &obj).unwrap();
            } else {
                let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
                obj.serialize(&mut serde_json::Serializer::with_formatter(&mut out, formatter)).unwrap();
            }
            if newline {
                out.push(b'\n');
            }
            String::from_utf8(out).unwrap()
        })
}

proptest! {
    // 64 cases keep `npm test` quick; PROPTEST_CASES raises it for a long run.
    #![proptest_config(ProptestConfig { cases: crate::test_cases(64), ..ProptestConfig::default() })]

    #[test]
    fn the_record_round_trips(written in text(), previous in proptest::option::of(text()), ours in text(),
                              port in any::<u16>(), pid in any::<u32>(), start in proptest::option::of(any::<u64>())) {
        let rec = SwitchRecord {
            service: Service::Codex,
            file: "/h/.codex/config.toml".into(),
            backup: None,
            port,
            keys: vec![KeyChange { key: vec!["model_provider".into()], previous, ours, ours_before: None }],
            created_parents: vec![],
            written,
            written_before: None,
            owner: Some(ProcessId { pid, start }),
        };
        let back: SwitchRecord = serde_json::from_slice(&serde_json::to_vec_pretty(&rec).unwrap()).unwrap();
        prop_assert_eq!(back, rec);
    }

    #[test]
    fn switch_on_then_off_restores_codex_bytes(original in codex_toml(), port in 1024u16..65535) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.codex_dir()).unwrap();
        let file = paths.codex_dir().join("config.toml");
        std::fs::write(&file, &original).unwrap();
        super::switch_on(&paths, Service::Codex, port).unwrap();
        let ours = format!("127.0.0.1:{}", port);
        prop_assert!(std::fs::read_to_string(&file).unwrap().contains(&ours));
        super::switch_off(&paths, Service::Codex).unwrap();
        prop_assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
        prop_assert!(record::load(&paths, Service::Codex).unwrap().is_none());
    }

    #[test]
    fn switch_on_then_off_restores_claude_bytes(original in claude_json(), port in 1024u16..65535) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.claude_dir()).unwrap();
        let file = paths.claude_dir().join("settings.json");
        std::fs::write(&file, &original).unwrap();
        super::switch_on(&paths, Service::Claude, port).unwrap();
        let on: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        prop_assert_eq!(on["env"]["ANTHROPIC_BASE_URL"].as_str(), Some(&*format!("http://127.0.0.1:{port}")));
        super::switch_off(&paths, Service::Claude).unwrap();
        prop_assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
        prop_assert!(record::load(&paths, Service::Claude).unwrap().is_none());
    }

    #[test]
    fn arbitrary_client_files_never_panic(junk in text()) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.codex_dir()).unwrap();
        std::fs::create_dir_all(paths.claude_dir()).unwrap();
        std::fs::write(paths.codex_dir().join("config.toml"), &junk).unwrap();
        std::fs::write(paths.claude_dir().join("settings.json"), &junk).unwrap();
        for service in [Service::Codex, Service::Claude] {
            if super::switch_on(&paths, service, 4000).is_ok() {
                super::switch_off(&paths, service).unwrap();
            }
        }
    }
}
