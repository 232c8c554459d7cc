//! Undo on real files in a temporary home: config.json written through
//! `ConfigStore`, so every change is kept as `ch` and the window keep it.

use super::*;
use crate::config::{NamedConfig, Upstream};

fn add(paths: &Paths, service: Service, name: &str) {
    ConfigStore::new(paths)
        .update(|cfg| {
            let section = cfg.service_mut(service);
            let upstream = Upstream { base_url: format!("https://{name}.example.com"), ..Default::default() };
            section.configs.insert(
                name.into(),
                NamedConfig { name: name.into(), upstreams: vec![upstream], ..Default::default() },
            );
            section.active.get_or_insert_with(|| name.to_string());
            Ok(())
        })
        .unwrap();
}

fn names(paths: &Paths, service: Service) -> Vec<String> {
    ConfigStore::new(paths).load().unwrap().service(service).configs.keys().cloned().collect()
}

#[test]
fn a_service_undo_takes_back_only_that_services_changes_and_walks_back() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    add(&paths, Service::Claude, "x");
    add(&paths, Service::Codex, "a");
    add(&paths, Service::Claude, "y");
    add(&paths, Service::Codex, "b");
    add(&paths, Service::Claude, "z");

    let shown = preview(&paths, Scope::Service(Service::Codex)).unwrap().unwrap();
    assert_eq!(shown.configs.removed, ["codex/b"]);
    assert!(shown.configs.added.is_empty() && shown.active.is_empty(), "{shown:?}");
    let done = undo(&paths, Scope::Service(Service::Codex)).unwrap().unwrap();
    assert_eq!(done.configs, shown.configs, "undo does what the preview showed");
    assert_eq!(names(&paths, Service::Codex), ["a"]);
    assert_eq!(names(&paths, Service::Claude), ["x", "y", "z"], "Claude's later change stays");

    let shown = undo(&paths, Scope::Service(Service::Codex)).unwrap().unwrap();
    assert_eq!(shown.configs.removed, ["codex/a"]);
    assert_eq!(shown.active, ["codex: a → none"]);
    assert!(names(&paths, Service::Codex).is_empty());
    assert_eq!(names(&paths, Service::Claude), ["x", "y", "z"]);
    assert!(undo(&paths, Scope::Service(Service::Codex)).unwrap().is_none(), "nothing older for Codex");
    assert!(preview(&paths, Scope::Service(Service::Codex)).unwrap().is_none());

    // Claude's changes are still undoable, one by one, and Codex's undos
    // do not come back with them.
    let step = undo(&paths, Scope::Config).unwrap().unwrap();
    assert_eq!(step.file, "config.json");
    assert_eq!(names(&paths, Service::Claude), ["x", "y"]);
    undo(&paths, Scope::Service(Service::Claude)).unwrap().unwrap();
    assert_eq!(names(&paths, Service::Claude), ["x"]);
    assert!(names(&paths, Service::Codex).is_empty());
    assert!(undo(&paths, Scope::Service(Service::Claude)).unwrap().is_none());
}

#[test]
fn the_preview_names_the_newest_change_of_any_file_and_what_it_brings_back() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    assert!(preview(&paths, Scope::AnyFile).unwrap().is_none(), "a fresh home has nothing to undo");
    add(&paths, Service::Codex, "a");
    add(&paths, Service::Codex, "b");
    ConfigStore::new(&paths)
        .update(|cfg| {
            cfg.codex.active = Some("b".into());
            Ok(())
        })
        .unwrap();
    let before = fs::read(paths.config_file()).unwrap();
    let shown = preview(&paths, Scope::AnyFile).unwrap().unwrap();
    assert_eq!((shown.file.as_str(), shown.remaining), ("config.json", 1));
    assert_eq!(shown.active, ["codex: b → a"]);
    assert_eq!(fs::read(paths.config_file()).unwrap(), before, "a preview writes nothing");

    // A filter save is newer: the window's Undo takes that back first.
    let filter = paths.filter_file();
    history::write_kept(&filter, b"[]\n", 0o644).unwrap();
    history::write_kept(&filter, b"[{\"source\":\"x\",\"target\":\"y\"}]\n", 0o644).unwrap();
    let shown = undo(&paths, Scope::AnyFile).unwrap().unwrap();
    assert_eq!(shown.file, "filter.json");
    assert_eq!(fs::read(&filter).unwrap(), b"[]\n");
    let shown = undo(&paths, Scope::AnyFile).unwrap().unwrap();
    assert_eq!(shown.file, "config.json");
    assert_eq!(ConfigStore::new(&paths).load().unwrap().codex.active.as_deref(), Some("a"));
}

#[test]
fn a_broken_config_json_is_still_undone_whole() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    add(&paths, Service::Codex, "a");
    add(&paths, Service::Codex, "b");
    let kept = fs::read(&history::versions(&paths.helper_dir(), Some(CONFIG)).unwrap()[0].path).unwrap();
    fs::write(paths.config_file(), b"{ broken").unwrap();
    let step = undo(&paths, Scope::Config).unwrap().expect("the kept version comes back");
    assert_eq!(step.file, "config.json");
    assert_eq!(fs::read(paths.config_file()).unwrap(), kept);
    assert_eq!(names(&paths, Service::Codex), ["a"]);
}
