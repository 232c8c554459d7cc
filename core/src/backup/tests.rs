use std::fs;
use std::os::unix::fs::PermissionsExt;

use serde_json::json;

use super::*;
use crate::config::{NamedConfig, Upstream};
use crate::service::Service;

fn home() -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(dir.path());
    (dir, paths)
}

fn upstream(url: &str, key: &str) -> Upstream {
    let mut u = Upstream { base_url: url.into(), ..Default::default() };
    u.auth.auth_token = Some(key.into());
    u.headers.insert("X-Api-Token".into(), format!("{key}-hdr"));
    u.headers.insert("X-Team".into(), "blue".into());
    u
}

/// A home with every file we back up.
fn populated() -> (tempfile::TempDir, Paths) {
    let (dir, paths) = home();
    ConfigStore::new(&paths)
        .update(|f| {
            let c = NamedConfig {
                name: "packy".into(),
                upstreams: vec![
                    upstream("https://a.example/v1", "sk-aaaa11112222"),
                    upstream("https://b.example/v1", "sk-bbbb33334444"),
                ],
                ..Default::default()
            };
            f.codex.configs.insert("packy".into(), c);
            f.codex.active = Some("packy".into());
            let c = NamedConfig {
                name: "relay".into(),
                upstreams: vec![upstream("https://c.example", "sk-ant-cccc5555")],
                ..Default::default()
            };
            f.claude.configs.insert("relay".into(), c);
            f.default_service = Some(Service::Claude);
            Ok(())
        })
        .unwrap();
    fs::write(paths.settings_file(), r#"{"history":{"keep":5},"codex":{"port":4211}}"#).unwrap();
    fs::write(paths.filter_file(), r#"[{"op":"replace","source":"secret-project","target":"project"}]"#).unwrap();
    let providers = json!({"providers":[{"id":"newapi","kind":"new_api_user","domains":["c.example"],"access_token":"at-secret-9999","user_id":7}]});
    fs::write(paths.usage_providers_file(), providers.to_string()).unwrap();
    (dir, paths)
}

fn state(paths: &Paths) -> (ConfigFile, Option<Value>, Option<Value>, Option<ProvidersFile>) {
    (
        ConfigStore::new(paths).load().unwrap(),
        read_json(&paths.settings_file()).unwrap(),
        read_json(&paths.filter_file()).unwrap(),
        ProvidersFile::load(&paths.usage_providers_file()).unwrap(),
    )
}

#[test]
fn round_trip_with_keys_into_a_fresh_home_is_equal() {
    let (src_dir, src) = populated();
    let file = src_dir.path().join("backup.json");
    let out = export(&src, &file, true).unwrap();
    assert_eq!((out.configs, out.upstreams, out.filters, out.providers), (2, 3, 1, 1));
    assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(fs::read_to_string(&file).unwrap().contains("sk-aaaa11112222"));

    let (_dst_dir, dst) = home();
    let backup = read(&file).unwrap();
    let plan = plan(&dst, &backup, false).unwrap();
    assert_eq!(plan.diff.configs.added, ["codex/packy", "claude/relay"]);
    assert!(plan.without_key.is_empty());
    apply(&dst, &plan).unwrap();
    assert_eq!(state(&dst), state(&src));
}

#[test]
fn without_keys_the_file_has_none_and_import_keeps_the_stored_ones() {
    let (src_dir, src) = populated();
    let file = src_dir.path().join("backup.json");
    export(&src, &file, false).unwrap();
    let text = fs::read_to_string(&file).unwrap();
    for secret in ["sk-aaaa", "sk-bbbb", "sk-ant-cccc", "at-secret", "X-Api-Token"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("X-Team"), "harmless headers stay");
    assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o644);

    // Into the same home: keys found again, nothing changes.
    let p = plan(&src, &read(&file).unwrap(), false).unwrap();
    assert!(p.without_key.is_empty(), "{:?}", p.without_key);
    assert!(p.diff.is_empty(), "{:?}", p.diff);

    // Into a fresh home: equal but for the keys, which are named as missing.
    let (_d, dst) = home();
    let p = plan(&dst, &read(&file).unwrap(), false).unwrap();
    assert_eq!(p.without_key.len(), 4, "{:?}", p.without_key);
    assert!(p.without_key.contains(&"provider newapi (not imported)".to_string()));
    assert!(p.without_key.contains(&"codex/packy https://a.example/v1".to_string()));
    apply(&dst, &p).unwrap();
    let mut expected = collect(&src, false).unwrap();
    expected.usage_providers.as_mut().unwrap().providers.clear();
    let mut got = collect(&dst, false).unwrap();
    expected.created_at.clear();
    got.created_at.clear();
    assert_eq!(got, expected);
}

#[test]
fn merge_keeps_what_is_only_here_and_replace_drops_it() {
    let (src_dir, src) = populated();
    let file = src_dir.path().join("backup.json");
    export(&src, &file, true).unwrap();
    let backup = read(&file).unwrap();

    let target = || {
        let (d, p) = home();
        ConfigStore::new(&p)
            .update(|f| {
                let mine = NamedConfig {
                    name: "mine".into(),
                    upstreams: vec![upstream("https://m.example", "sk-mine0000")],
                    ..Default::default()
                };
                f.codex.configs.insert("mine".into(), mine);
                let packy = NamedConfig {
                    name: "packy".into(),
                    upstreams: vec![upstream("https://z.example/v1", "sk-zzzz0000")],
                    ..Default::default()
                };
                f.codex.configs.insert("packy".into(), packy);
                f.codex.active = Some("mine".into());
                Ok(())
            })
            .unwrap();
        fs::write(p.settings_file(), r#"{"claude":{"port":4210}}"#).unwrap();
        (d, p)
    };

    let (_d, merged) = target();
    let p = plan(&merged, &backup, false).unwrap();
    assert_eq!(p.diff.configs.added, ["claude/relay"]);
    assert_eq!(p.diff.configs.changed, ["codex/packy"]);
    assert!(p.diff.configs.removed.is_empty());
    assert_eq!(p.diff.upstreams.added.len(), 3);
    assert!(p.diff.settings.added.contains(&"history.keep".to_string()));
    apply(&merged, &p).unwrap();
    let cfg = ConfigStore::new(&merged).load().unwrap();
    assert!(cfg.codex.configs.contains_key("mine"));
    assert_eq!(cfg.codex.active.as_deref(), Some("mine"), "merge keeps the active config");
    let urls: Vec<_> = cfg.codex.configs["packy"].upstreams.iter().map(|u| u.base_url.as_str()).collect();
    assert_eq!(urls, ["https://z.example/v1", "https://a.example/v1", "https://b.example/v1"]);
    let settings = read_json(&merged.settings_file()).unwrap().unwrap();
    assert_eq!((settings["claude"]["port"].as_u64(), settings["codex"]["port"].as_u64()), (Some(4210), Some(4211)));

    let (_d, replaced) = target();
    let p = plan(&replaced, &backup, true).unwrap();
    assert_eq!(p.diff.configs.removed, ["codex/mine"]);
    assert_eq!(p.diff.upstreams.removed.len(), 2);
    apply(&replaced, &p).unwrap();
    assert_eq!(state(&replaced), state(&src));

    // Every write is undoable.
    let config_dir = replaced.helper_dir();
    crate::history::undo(&config_dir, Some("config.json")).unwrap().unwrap();
    assert!(ConfigStore::new(&replaced).load().unwrap().codex.configs.contains_key("mine"));
}

#[test]
fn a_corrupt_or_foreign_or_newer_file_is_refused_before_anything_is_written() {
    let (dir, src) = populated();
    let file = dir.path().join("backup.json");
    export(&src, &file, true).unwrap();
    let good: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    let cases = [
        ("{not json".to_string(), "not JSON"),
        (json!({"format":"something-else","version":1}).to_string(), "\"format\""),
        (
            {
                let mut v = good.clone();
                v["version"] = json!(2);
                v.to_string()
            },
            "upgrade codex-helper",
        ),
        (
            {
                let mut v = good.clone();
                v["config"]["codex"]["configs"]["packy"]["upstreams"][0]["base_url"] = json!("ftp://x");
                v.to_string()
            },
            "config",
        ),
        (
            {
                let mut v = good.clone();
                v["settings"]["codex"]["port"] = json!(0);
                v.to_string()
            },
            "settings",
        ),
        (
            {
                let mut v = good.clone();
                v["filter"] = json!({"op": 1});
                v.to_string()
            },
            "filter",
        ),
        (
            {
                let mut v = good;
                v["usage_providers"]["providers"][0]["id"] = json!("");
                v.to_string()
            },
            "usage_providers",
        ),
    ];
    for (text, says) in cases {
        fs::write(&file, &text).unwrap();
        let err = read(&file).unwrap_err().to_string();
        assert!(err.contains(says), "{says}: {err}");
    }
}
