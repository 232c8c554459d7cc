//! Property tests of the `config.json` and `settings.json` parsers: any text
//! is an error or a config, never a panic; a valid config survives
//! load → save → load unchanged, unknown fields included.

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
}
