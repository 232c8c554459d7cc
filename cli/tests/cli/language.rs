//! `ch`'s human output in the language the environment, settings.json or
//! the locale picks; `--json` the same bytes in every language.

use codex_helper_tests::TestHome;
use serde_json::json;

use crate::util::ch_in;

fn run(home: &TestHome, env: &[(&str, Option<&str>)], args: &[&str]) -> (String, String) {
    let out = ch_in(home.dir.path(), env).args(args).output().unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

const ZH_LOCALE: &[(&str, Option<&str>)] = &[("LANG", Some("zh_CN.UTF-8"))];
const C_LOCALE: &[(&str, Option<&str>)] = &[("LANG", Some("C"))];

#[test]
fn a_chinese_locale_gets_chinese_status_and_doctor() {
    let home = TestHome::new();
    let (status, _) = run(&home, ZH_LOCALE, &["status"]);
    assert!(status.contains("Codex：未运行（端口 3211 空闲）"), "{status}");
    assert!(status.contains("总体：未运行"), "{status}");
    assert!(!status.contains("overall"), "no English left: {status}");
    let (doctor, _) = run(&home, ZH_LOCALE, &["doctor"]);
    assert!(doctor.contains("警告  ~/.codex-helper/config.json 还不存在：没有配置任何上游"), "{doctor}");
    assert!(doctor.contains("      修复：ch config add NAME"), "commands stay as they are: {doctor}");
    assert!(doctor.contains("通过 "), "{doctor}");
}

#[test]
fn the_c_locale_gets_english() {
    let home = TestHome::new();
    let (status, _) = run(&home, C_LOCALE, &["status"]);
    assert!(status.contains("Codex: not running (port 3211 is free)"), "{status}");
    assert!(status.contains("overall: off"), "{status}");
    let (doctor, _) = run(&home, C_LOCALE, &["doctor"]);
    assert!(doctor.contains("WARN  ~/.codex-helper/config.json does not exist yet"), "{doctor}");
    assert!(doctor.contains(" passed, "), "{doctor}");
}

#[test]
fn codex_helper_lang_beats_the_locale_and_the_setting_beats_the_locale() {
    let home = TestHome::new();
    let zh_over_c = [("CODEX_HELPER_LANG", Some("zh-CN")), ("LANG", Some("C"))];
    assert!(run(&home, &zh_over_c, &["status"]).0.contains("总体："));
    let en_over_zh = [("CODEX_HELPER_LANG", Some("en")), ("LANG", Some("zh_CN.UTF-8"))];
    assert!(run(&home, &en_over_zh, &["status"]).0.contains("overall: off"));
    // LC_ALL beats LANG, as glibc has it.
    let lc_all = [("LC_ALL", Some("zh_CN.UTF-8")), ("LANG", Some("en_US.UTF-8"))];
    assert!(run(&home, &lc_all, &["status"]).0.contains("总体："));
    home.write_settings(&json!({"language": "zh-CN"}));
    assert!(run(&home, C_LOCALE, &["status"]).0.contains("总体："), "the setting beats LANG=C");
    assert!(run(&home, &en_over_zh, &["status"]).0.contains("overall: off"), "the variable beats the setting");
}

#[test]
fn errors_say_error_in_the_language() {
    let home = TestHome::new();
    let (_, zh) = run(&home, ZH_LOCALE, &["usage", "--days", "0"]);
    assert!(zh.starts_with("错误: "), "{zh}");
    let (_, en) = run(&home, C_LOCALE, &["usage", "--days", "0"]);
    assert!(en.starts_with("error: "), "{en}");
}

#[test]
fn json_is_byte_identical_in_every_language() {
    let home = TestHome::new();
    for args in [
        &["status", "--json"][..],
        &["doctor", "--json"],
        &["switch", "status", "--json"],
        &["config", "list", "--json"],
        &["default", "--json"],
    ] {
        let (en, _) = run(&home, C_LOCALE, args);
        let (zh, _) = run(&home, ZH_LOCALE, args);
        assert!(!en.is_empty(), "{args:?} printed nothing");
        assert_eq!(en, zh, "{args:?}: --json differs between LANG=C and LANG=zh_CN.UTF-8");
        assert!(!zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{args:?}: Chinese in --json: {zh}");
    }
}

/// A config.json that does not parse, the value on line 3.
fn broken_config(home: &TestHome) {
    let file = home.paths.config_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, "{\n  \"version\": 1,\n  \"codex\": {\"configs\": 3}\n}\n").unwrap();
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn a_broken_config_is_reported_in_chinese_with_its_file_line_and_key() {
    let home = TestHome::new();
    broken_config(&home);
    for args in [&["config", "list"][..], &["switch", "on"]] {
        let (_, zh) = run(&home, ZH_LOCALE, args);
        assert!(zh.starts_with("错误: ~/.codex-helper/config.json:3:24: codex.configs: "), "{args:?}: {zh}");
        assert!(zh.contains("请手动修正该文件（文件未被改动）。"), "{args:?}: {zh}");
    }
    let (status, _) = run(&home, ZH_LOCALE, &["status", "--codex"]);
    assert!(status.contains("配置问题：~/.codex-helper/config.json:3:24: codex.configs: "), "{status}");
    assert!(status.contains("请手动修正该文件"), "{status}");
    let (doctor, _) = run(&home, ZH_LOCALE, &["doctor"]);
    assert!(
        doctor.contains("失败  ~/.codex-helper/config.json:3:24: ") && doctor.contains("请手动修正该文件"),
        "{doctor}"
    );
    // --json keeps the English message.
    for args in [&["status", "--json"][..], &["doctor", "--json"]] {
        let (en, _) = run(&home, C_LOCALE, args);
        assert!(en.contains("Fix the file by hand (it was not changed)."), "{args:?}: {en}");
        assert_eq!(run(&home, ZH_LOCALE, args).0, en, "{args:?}");
    }
}

#[test]
fn a_broken_config_under_the_c_locale_reads_as_before() {
    let home = TestHome::new();
    broken_config(&home);
    let (_, en) = run(&home, C_LOCALE, &["config", "list"]);
    assert_eq!(
        en,
        "error: ~/.codex-helper/config.json:3:24: codex.configs: invalid type: integer `3`, expected a map. Fix the \
         file by hand (it was not changed).\n"
    );
}

#[test]
fn errors_inside_other_errors_are_chinese_too() {
    // A broken record of what `ch switch on` changed (a ConfigError inside
    // a SwitchError): both parts in Chinese, the inner one said once.
    let home = TestHome::new();
    let record = home.paths.helper_dir().join("switch").join("codex.json");
    std::fs::create_dir_all(record.parent().unwrap()).unwrap();
    std::fs::write(&record, "{ not json").unwrap();
    std::fs::create_dir_all(home.dir.path().join(".codex")).unwrap();
    let (_, zh) = run(&home, ZH_LOCALE, &["switch", "off"]);
    assert!(zh.starts_with("错误: "), "{zh}");
    assert!(zh.contains("请手动修正该文件") && zh.contains("它记录了 `ch switch on` 改动了什么"), "{zh}");
    assert!(!zh.contains("Fix the file by hand"), "no English copy of the inner error: {zh}");
}

#[test]
fn help_is_chinese_under_a_chinese_locale_and_the_setting() {
    let home = TestHome::new();
    let (root, _) = run(&home, ZH_LOCALE, &["--help"]);
    assert!(root.contains("用法: ch [OPTIONS]") && root.contains("命令:") && root.contains("选项:"), "{root}");
    assert!(root.contains("在前台运行本地代理") && root.contains("--port <N>"), "{root}");
    let (switch_on, _) = run(&home, ZH_LOCALE, &["switch", "on", "--help"]);
    assert!(switch_on.contains("客户端应使用的代理端口") && switch_on.contains("--claude"), "{switch_on}");
    // settings.json is read before the arguments are parsed.
    home.write_settings(&json!({"language": "zh-CN"}));
    assert!(run(&home, C_LOCALE, &["--help"]).0.contains("用法:"));
}

#[test]
fn help_under_the_c_locale_is_clap_s_english() {
    let home = TestHome::new();
    let (en, _) = run(&home, C_LOCALE, &["--help"]);
    assert!(en.starts_with("codex-helper: a local proxy for Codex CLI and Claude Code"), "{en}");
    assert!(
        en.contains("\nUsage: ch [OPTIONS]\n") && en.contains("\nCommands:\n") && en.contains("\nOptions:\n"),
        "{en}"
    );
    assert!(!has_chinese(&en), "{en}");
    let (forced, _) = run(&home, &[("CODEX_HELPER_LANG", Some("en")), ("LANG", Some("zh_CN.UTF-8"))], &["--help"]);
    assert_eq!(forced, en);
    let (switch_on, _) = run(&home, C_LOCALE, &["switch", "on", "--help"]);
    assert!(switch_on.contains("The proxy port the client should use"), "{switch_on}");
}

#[test]
fn a_refused_value_says_why_in_chinese_and_as_before_in_english() {
    let home = TestHome::new();
    let args = ["config", "add", "main", "--base-url", "ftp://relay.example/v1", "--auth-token", "sk-test-123456"];
    let (_, zh) = run(&home, ZH_LOCALE, &args);
    assert_eq!(
        zh,
        "错误: --base-url `ftp://relay.example/v1` 使用的协议是 `ftp`；只支持 http 和 https（例如 https://api.openai.com/v1）\n"
    );
    let (_, en) = run(&home, C_LOCALE, &args);
    assert_eq!(
        en,
        "error: --base-url `ftp://relay.example/v1` uses scheme `ftp`; only http and https are supported (e.g. \
         https://api.openai.com/v1)\n"
    );
    // A refused value in the file: its place, in Chinese.
    home.write_config(&json!({"version": 1, "codex": {"active": "nope", "configs": {}}}));
    let (_, zh) = run(&home, ZH_LOCALE, &["config", "list"]);
    assert!(zh.starts_with("错误: ~/.codex-helper/config.json:"), "{zh}");
    assert!(
        zh.contains("codex.active: 指向 `nope`，但还没有任何 codex 配置（运行 `ch config set-active NAME`"),
        "{zh}"
    );
}

#[test]
fn usage_errors_follow_the_language_with_clap_s_exit_code() {
    let home = TestHome::new();
    let zh = ch_in(home.dir.path(), ZH_LOCALE).args(["swich", "on"]).output().unwrap();
    let text = String::from_utf8_lossy(&zh.stderr);
    assert_eq!(zh.status.code(), Some(2), "{text}");
    assert!(text.starts_with("错误: 无法识别的子命令 'swich'"), "{text}");
    assert!(text.contains("'switch'") && text.contains("用法: ch"), "{text}");
    let en = ch_in(home.dir.path(), C_LOCALE).args(["swich", "on"]).output().unwrap();
    let text = String::from_utf8_lossy(&en.stderr);
    assert_eq!(en.status.code(), Some(2), "{text}");
    assert!(text.starts_with("error: unrecognized subcommand 'swich'") && text.contains("Usage: ch"), "{text}");
    assert!(!has_chinese(&text), "{text}");
}
