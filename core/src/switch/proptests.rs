//! Property tests: the switch record round-trips, and `switch on` then
//! `switch off` on arbitrary-but-valid client files restores them byte for
//! byte; arbitrary text in a client file never panics.

use proptest::prelude::*;

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
            keys: vec![KeyChange { key: vec!["model_provider".into()], previous, ours }],
            created_parents: vec![],
            written,
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
