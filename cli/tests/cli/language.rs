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
