//! The language of everything a person reads: the CLI's human output, the
//! tray, the notifications and the window (`--json` and the log contract stay
//! English and stable).
//!
//! [`lang`] decides which language (the `language` setting, overridden for
//! one run by `CODEX_HELPER_LANG`, else the system locale); [`catalogue`]
//! holds the messages. Each process sets its language once at start
//! ([`set_lang`], again when the setting changes) and every [`t!`] speaks it.

pub mod catalogue;
pub mod lang;

use std::sync::atomic::{AtomicU8, Ordering};

pub use fluent_bundle::{FluentArgs, FluentValue};
pub use lang::{Lang, LanguagePref, LANG_ENV};

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// The language this process speaks (English until an adapter sets one).
pub fn lang() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::ZhCn,
        _ => Lang::En,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macros_fill_variables_in_the_chosen_language() {
        assert_eq!(crate::t_in!(Lang::En, "requests-count", count = 2), "2 requests");
        assert_eq!(crate::t_in!(Lang::ZhCn, "requests-count", count = 2), "2 个请求");
        assert_eq!(crate::t_in!(Lang::ZhCn, "service-codex"), "Codex");
    }
}
