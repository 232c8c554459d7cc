//! The language of everything a person reads: the CLI's human output, the
//! tray, the notifications and the window (`--json` and the log contract stay
//! English and stable).
//!
//! [`lang`] decides which language (the `language` setting, overridden for
//! one run by `CODEX_HELPER_LANG`, else the system locale); [`catalogue`]
//! holds the messages. Each process sets its language once at start
//! ([`set_lang`], again when the setting changes) and every [`t!`] speaks it.

pub mod catalogue;
pub mod help;
pub mod lang;
pub mod localized;

use std::sync::atomic::{AtomicU8, Ordering};

pub use fluent_bundle::{FluentArgs, FluentValue};
pub use lang::{Lang, LanguagePref, LANG_ENV};
pub use localized::{localize_error, Localized};

static CURRENT: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// A language for this thread only ([`with_lang`]): tests run in
    /// parallel threads of one process and must not race on the global.
    static OVERRIDE: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// The language this process speaks (English until an adapter sets one),
/// or this thread's while inside [`with_lang`].
pub fn lang() -> Lang {
    if let Some(lang) = OVERRIDE.with(|o| o.get()) {
        return lang;
    }
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::ZhCn,
        _ => Lang::En,
    }
}

/// Run `f` with every [`t!`] on this thread speaking `lang` (tests, and
/// code that must speak a language other than the process's).
pub fn with_lang<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|o| o.replace(Some(lang))));
    f()
}

/// Speak `lang` from now on (the CLI at start; the tray at start and when
/// the setting changes).
pub fn set_lang(lang: Lang) {
    CURRENT.store(if lang == Lang::ZhCn { 1 } else { 0 }, Ordering::Relaxed);
}

/// A message from the catalogue in the process's language:
/// `t!("id")`, `t!("id", name = value, count = n)`. Values are strings or
/// numbers (anything `Into<FluentValue>`).
#[macro_export]
macro_rules! t {
    ($id:literal) => {
        $crate::i18n::catalogue::message($crate::i18n::lang(), $id, None)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $( args.set(stringify!($name), $crate::i18n::FluentValue::from($value)); )+
        $crate::i18n::catalogue::message($crate::i18n::lang(), $id, Some(&args))
    }};
}

/// [`t!`] in a language of the caller's choosing (a notification for a
/// setting just changed, tests).
#[macro_export]
macro_rules! t_in {
    ($lang:expr, $id:literal) => {
        $crate::i18n::catalogue::message($lang, $id, None)
    };
    ($lang:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $( args.set(stringify!($name), $crate::i18n::FluentValue::from($value)); )+
        $crate::i18n::catalogue::message($lang, $id, Some(&args))
    }};
}

/// A message in English and in the current language at once: for reports
/// whose `--json` keeps English while people read their own language
/// (`ch doctor`). `t_both!("id", var = v)` → [`Both`].
#[macro_export]
macro_rules! t_both {
    ($id:literal) => {
        $crate::i18n::Both {
            en: $crate::i18n::catalogue::message($crate::i18n::Lang::En, $id, None),
            here: $crate::i18n::catalogue::message($crate::i18n::lang(), $id, None),
        }
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $( args.set(stringify!($name), $crate::i18n::FluentValue::from($value)); )+
        $crate::i18n::Both {
            en: $crate::i18n::catalogue::message($crate::i18n::Lang::En, $id, Some(&args)),
            here: $crate::i18n::catalogue::message($crate::i18n::lang(), $id, Some(&args)),
        }
    }};
}

/// One text in English (for `--json` and logs) and in the language being
/// spoken (for people). A plain string (an error's own message, still
/// English) is the same in both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Both {
    pub en: String,
    pub here: String,
}

impl Both {
    /// A message around this text, in each language around that
    /// language's text: `f(lang, text)` (e.g. `t_in!(lang, "id", why = text)`).
    pub fn within(&self, f: impl Fn(Lang, &str) -> String) -> Both {
        Both { en: f(Lang::En, &self.en), here: f(lang(), &self.here) }
    }
}

impl From<String> for Both {
    fn from(s: String) -> Both {
        Both { here: s.clone(), en: s }
    }
}

impl From<&str> for Both {
    fn from(s: &str) -> Both {
        Both::from(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_lang_speaks_on_this_thread_only_and_restores() {
        let inner = with_lang(Lang::ZhCn, || {
            let other = std::thread::spawn(|| crate::t!("requests-count", count = 2)).join().unwrap();
            (crate::t!("requests-count", count = 2), other)
        });
        assert_eq!(inner, ("2 个请求".to_string(), "2 requests".to_string()));
        assert_eq!(crate::t!("requests-count", count = 2), "2 requests");
        let both = with_lang(Lang::ZhCn, || crate::t_both!("requests-count", count = 3));
        assert_eq!(both, Both { en: "3 requests".into(), here: "3 个请求".into() });
    }

    #[test]
    fn the_macros_fill_variables_in_the_chosen_language() {
        assert_eq!(crate::t_in!(Lang::En, "requests-count", count = 2), "2 requests");
        assert_eq!(crate::t_in!(Lang::ZhCn, "requests-count", count = 2), "2 个请求");
        assert_eq!(crate::t_in!(Lang::ZhCn, "service-codex"), "Codex");
    }
}
