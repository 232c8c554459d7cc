use std::collections::{BTreeMap, BTreeSet};

use codex_helper_core::i18n::help::{help_entries, help_text};

use super::*;

/// Every command of the built English tree with its path below `ch`.
fn commands() -> Vec<(Vec<String>, Command)> {
    fn walk(cmd: &Command, path: Vec<String>, out: &mut Vec<(Vec<String>, Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(sub, p, out);
        }
    }
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    walk(&root, Vec::new(), &mut out);
    out
}

type Entry = (String, Option<String>);

/// What the Chinese help is missing, and every entry it is read from.
fn coverage() -> (Vec<String>, BTreeSet<Entry>) {
    let zh = |id: &str, attr: Option<&str>| help_text(Lang::ZhCn, id, attr);
    let mut missing = Vec::new();
    let mut used: BTreeSet<Entry> = ["usage", "commands", "arguments", "options"]
        .into_iter()
        .map(|h| ("help-headings".to_string(), Some(h.to_string())))
        .collect();
    // A shared text must say what every flag it stands for says in English.
    let mut common_english: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, cmd) in commands() {
        let id = id(&path);
        let mut need = |attr: Option<&str>, what: String| match zh(&id, attr) {
            Some(_) => {
                used.insert((id.clone(), attr.map(str::to_string)));
            }
            None => missing.push(what),
        };
        if cmd.get_about().is_some() {
            need(None, format!("{id} (about of `ch {}`)", path.join(" ")));
        }
        if cmd.get_long_about().is_some() {
            need(Some("long"), format!("{id}.long"));
        }
        for arg in cmd.get_arguments() {
            let (specific, common) = arg_attrs(arg);
            for (english, suffix) in [(arg.get_help(), ""), (arg.get_long_help(), "-long")] {
                let Some(english) = english else { continue };
                let (specific, common) = (format!("{specific}{suffix}"), format!("{common}{suffix}"));
                if zh(&id, Some(&specific)).is_some() {
                    used.insert((id.clone(), Some(specific)));
                } else if zh("help-common", Some(&common)).is_some() {
                    common_english.entry(common.clone()).or_default().insert(english.to_string());
                    used.insert(("help-common".to_string(), Some(common)));
                } else {
                    missing.push(format!("{id}.{specific} (or help-common.{common}): `{english}`"));
                }
            }
        }
    }
    for (attr, texts) in common_english {
        if texts.len() > 1 {
            missing
                .push(format!("help-common.{attr} stands for different English texts, give each its own: {texts:?}"));
        }
    }
    (missing, used)
}

#[test]
fn every_command_and_flag_has_its_chinese_help() {
    let (missing, _) = coverage();
    assert!(missing.is_empty(), "add these to core/i18n/zh-CN/help.ftl:\n{}", missing.join("\n"));
}

#[test]
fn every_chinese_help_text_belongs_to_a_command_or_flag() {
    let (_, used) = coverage();
    let stale: Vec<_> = help_entries(Lang::ZhCn).into_iter().filter(|e| !used.contains(e)).collect();
    assert!(stale.is_empty(), "core/i18n/zh-CN/help.ftl has texts for nothing (renamed or removed?): {stale:?}");
}

fn render(mut cmd: Command, path: &[&str]) -> String {
    let mut at = &mut cmd;
    for name in path {
        at = at.find_subcommand_mut(name).unwrap();
    }
    at.render_long_help().to_string()
}

#[test]
fn chinese_help_keeps_the_flags_and_english_is_what_clap_derives() {
    let zh = render(command(Lang::ZhCn), &["switch", "on"]);
    assert!(zh.contains("把客户端指向本地代理"), "{zh}");
    assert!(zh.contains("用法: "), "{zh}");
    assert!(zh.contains("选项:") && zh.contains("--port <N>") && zh.contains("--claude"), "{zh}");
    assert!(zh.contains("显示帮助"), "clap's own -h is translated too: {zh}");
    assert!(!zh.contains("Options:") && !zh.contains("Usage:"), "{zh}");
    let zh_root = render(command(Lang::ZhCn), &[]);
    assert!(zh_root.contains("命令:") && zh_root.contains("不带命令时"), "{zh_root}");
    for path in [&[][..], &["switch", "on"], &["config", "add"]] {
        assert_eq!(render(command(Lang::En), path), render(Cli::command(), path), "{path:?}");
    }
}
