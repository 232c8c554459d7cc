//! Which language to speak: English or Simplified Chinese.
//!
//! Precedence, most specific first:
//! 1. `CODEX_HELPER_LANG=en|zh-CN` — set for one run (a script, a test, a
//!    screenshot), so it beats the saved setting;
//! 2. the `language` setting in `settings.json` (`"en"`, `"zh-CN"`; `"auto"`
//!    or absent defers to the locale);
//! 3. the POSIX locale: the first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`
//!    (the order glibc uses); `zh_CN…` (and `zh`, `zh_SG`, `zh-Hans…`) →
//!    简体中文, anything else → English.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The environment variable that picks the language for one run.
pub const LANG_ENV: &str = "CODEX_HELPER_LANG";

/// A language we have a catalogue for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag: `en`, `zh-CN` (also the catalogue's name).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language as the whole process should speak it: env, then the
    /// setting, then the locale.
    pub fn current(pref: LanguagePref) -> Lang {
        Lang::resolve(pref, |name| std::env::var(name).ok())
    }

    /// [`Lang::current`] with the environment passed in (for tests).
    pub fn resolve(pref: LanguagePref, env: impl Fn(&str) -> Option<String>) -> Lang {
        Lang::decided(pref, env).unwrap_or_default()
    }

    /// The language env, setting or locale decide on, `None` when none of
    /// them says anything (no variable set, setting `auto`): the window then
    /// follows its webview's `navigator.language`, everything else English.
    pub fn decided(pref: LanguagePref, env: impl Fn(&str) -> Option<String>) -> Option<Lang> {
        if let Some(lang) = env(LANG_ENV).and_then(|v| v.trim().parse().ok()) {
            return Some(lang);
        }
        if let Some(lang) = pref.fixed() {
            return Some(lang);
        }
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(&env)
            .find(|v| !v.trim().is_empty())
            .map(|locale| Lang::from_locale(&locale))
    }

    /// A POSIX locale (`zh_CN.UTF-8`, `en_US`, `C`) or a BCP 47 tag
    /// (`zh-Hans-CN`, from a webview) → the language we speak for it.
    pub fn from_locale(locale: &str) -> Lang {
        let base = locale.split(['.', '@']).next().unwrap_or("").replace('-', "_").to_ascii_lowercase();
        let mut parts = base.split('_');
        if parts.next() != Some("zh") {
            return Lang::En;
        }
        // Traditional Chinese (Taiwan, Hong Kong, Macau, `Hant`) would get
        // simplified characters it does not read as its own: English there,
        // until a zh-TW catalogue exists.
        match parts.next() {
            None | Some("cn" | "sg" | "hans" | "my") => Lang::ZhCn,
            Some(_) => Lang::En,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// `CODEX_HELPER_LANG` or a setting names no language we have.
#[derive(Debug, thiserror::Error)]
#[error("unknown language {0:?}: use \"en\" or \"zh-CN\" (or \"auto\" in settings.json to follow the system locale)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Lang, UnknownLang> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "en" | "en-us" | "en-gb" | "english" => Ok(Lang::En),
            "zh-cn" | "zh" | "zh-hans" | "zh-hans-cn" => Ok(Lang::ZhCn),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

/// The `language` setting: follow the system, or one language.
/// In `settings.json`: `"auto"` (or absent), `"en"`, `"zh-CN"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LanguagePref {
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl LanguagePref {
    pub fn is_auto(&self) -> bool {
        *self == LanguagePref::Auto
    }

    /// The language this setting fixes, if it fixes one.
    pub fn fixed(self) -> Option<Lang> {
        match self {
            LanguagePref::Auto => None,
            LanguagePref::En => Some(Lang::En),
            LanguagePref::ZhCn => Some(Lang::ZhCn),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self.fixed() {
            None => "auto",
            Some(lang) => lang.tag(),
        }
    }
}

impl From<Lang> for LanguagePref {
    fn from(lang: Lang) -> LanguagePref {
        match lang {
            Lang::En => LanguagePref::En,
            Lang::ZhCn => LanguagePref::ZhCn,
        }
    }
}

impl FromStr for LanguagePref {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<LanguagePref, UnknownLang> {
        if s.trim().is_empty() || s.trim().eq_ignore_ascii_case("auto") {
            Ok(LanguagePref::Auto)
        } else {
            s.trim().parse::<Lang>().map(LanguagePref::from)
        }
    }
}

/// A fixed environment for [`Lang::resolve`] / [`Lang::decided`] in tests:
/// `env(&[("LANG", "zh_CN.UTF-8")])`.
pub fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decided_is_none_only_when_nothing_says_a_language() {
        assert_eq!(Lang::decided(LanguagePref::Auto, env(&[])), None);
        assert_eq!(Lang::decided(LanguagePref::Auto, env(&[("LANG", "  ")])), None);
        assert_eq!(Lang::decided(LanguagePref::Auto, env(&[("LANG", "C")])), Some(Lang::En));
        assert_eq!(Lang::decided(LanguagePref::ZhCn, env(&[])), Some(Lang::ZhCn));
        assert_eq!(Lang::decided(LanguagePref::Auto, env(&[(LANG_ENV, "zh-CN")])), Some(Lang::ZhCn));
        // A misspelt override says nothing.
        assert_eq!(Lang::decided(LanguagePref::Auto, env(&[(LANG_ENV, "klingon")])), None);
    }

    #[test]
    fn the_locale_decides_when_nothing_else_does() {
        assert_eq!(Lang::resolve(LanguagePref::Auto, env(&[("LANG", "zh_CN.UTF-8")])), Lang::ZhCn);
        assert_eq!(Lang::resolve(LanguagePref::Auto, env(&[("LANG", "en_US.UTF-8")])), Lang::En);
        assert_eq!(Lang::resolve(LanguagePref::Auto, env(&[("LANG", "C")])), Lang::En);
        assert_eq!(Lang::resolve(LanguagePref::Auto, env(&[])), Lang::En);
    }

    #[test]
    fn lc_all_beats_lc_messages_beats_lang_and_empty_ones_are_skipped() {
        let vars = [("LC_ALL", ""), ("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")];
        assert_eq!(Lang::resolve(LanguagePref::Auto, env(&vars)), Lang::ZhCn);
        let vars = [("LC_ALL", "en_GB.UTF-8"), ("LC_MESSAGES", "zh_CN.UTF-8")];
        assert_eq!(Lang::resolve(LanguagePref::Auto, env(&vars)), Lang::En);
    }

    #[test]
    fn the_setting_beats_the_locale_and_the_env_variable_beats_both() {
        let zh = [("LANG", "zh_CN.UTF-8")];
        assert_eq!(Lang::resolve(LanguagePref::En, env(&zh)), Lang::En);
        let both = [("LANG", "en_US.UTF-8"), (LANG_ENV, "zh-CN")];
        assert_eq!(Lang::resolve(LanguagePref::En, env(&both)), Lang::ZhCn);
        // A misspelt override is ignored, not fatal: the setting still holds.
        let typo = [(LANG_ENV, "klingon")];
        assert_eq!(Lang::resolve(LanguagePref::ZhCn, env(&typo)), Lang::ZhCn);
    }

    #[test]
    fn locales_and_webview_tags_map_to_simplified_chinese_only_where_it_is_read() {
        for zh in ["zh_CN.UTF-8", "zh_CN", "zh", "zh-CN", "zh-Hans-CN", "zh_SG.UTF-8", "zh_CN.GB18030@stroke"] {
            assert_eq!(Lang::from_locale(zh), Lang::ZhCn, "{zh}");
        }
        for other in ["zh_TW.UTF-8", "zh-Hant-TW", "zh_HK", "en_US.UTF-8", "de_DE", "C.UTF-8", "POSIX", ""] {
            assert_eq!(Lang::from_locale(other), Lang::En, "{other}");
        }
    }

    #[test]
    fn the_setting_round_trips_through_json_and_rejects_unknown_languages() {
        for (pref, json) in
            [(LanguagePref::Auto, "\"auto\""), (LanguagePref::En, "\"en\""), (LanguagePref::ZhCn, "\"zh-CN\"")]
        {
            assert_eq!(serde_json::to_string(&pref).unwrap(), json);
            assert_eq!(serde_json::from_str::<LanguagePref>(json).unwrap(), pref);
        }
        let err = serde_json::from_str::<LanguagePref>("\"fr\"").unwrap_err().to_string();
        assert!(err.contains("fr") && err.contains("zh-CN"), "{err}");
        assert_eq!("zh_CN".parse::<LanguagePref>().unwrap(), LanguagePref::ZhCn);
        assert_eq!(" Auto ".parse::<LanguagePref>().unwrap(), LanguagePref::Auto);
        assert!("fr".parse::<LanguagePref>().unwrap_err().to_string().contains("zh-CN"));
    }
}
