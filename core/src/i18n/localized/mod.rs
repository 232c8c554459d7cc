//! Core's typed errors in the language being spoken.
//!
//! `Display` stays English: logs, `--json` error fields and the log
//! contract read it, and they must not change with the reader's locale.
//! People read [`Localized::localized`] instead (`ch`'s error line, the
//! window's error messages), from `core/i18n/<lang>/errors.ftl`. In
//! English it says exactly what `Display` says (the tests compare every
//! sample), so English output is the same whichever of the two an adapter
//! prints.
//!
//! The impls are exhaustive `match`es without `_ =>`: a new variant does
//! not compile until it has its message here.

mod files;
mod running;

use std::error::Error;

/// An error as the person reading it should see it: what is wrong and how
/// to fix it, in [`super::lang`]'s language.
pub trait Localized {
    fn localized(&self) -> String;
}

/// The localized text of `err` when it is one of core's user-facing
/// errors: for adapters that hold a `dyn Error` (an `anyhow` chain).
pub fn localize_error(err: &(dyn Error + 'static)) -> Option<String> {
    macro_rules! first_of {
        ($($ty:ty),+ $(,)?) => {
            $( if let Some(e) = err.downcast_ref::<$ty>() { return Some(e.localized()); } )+
        };
    }
    use crate::*;
    first_of!(
        config::ConfigError,
        config_edit::ConfigsError,
        switch::SwitchError,
        bootstrap::BootstrapError,
        undo::UndoError,
        usage::ProvidersError,
        sessions::SessionError,
        import::ImportError,
        backup::BackupError,
        filter::FilterError,
        filter::edit::FilterEditError,
        supervisor::BindError,
        supervisor::SupervisorError,
        runtime::StartError,
        status::StatusError,
        control::ControlError,
        control::TokenError,
        autostart_offer::OfferError,
        autostart::AutostartError,
        paths::NoHome,
        tasks::NoRuntime,
        i18n::lang::UnknownLang,
        service::UnknownService,
        logs::TailError,
        proxy::client::BuildError,
    );
    None
}

/// `err` in English (for `--json` and logs) and in the language being
/// spoken (for people), as reports that carry both want it (`ch doctor`).
pub fn both<E: Localized + std::fmt::Display + ?Sized>(err: &E) -> super::Both {
    super::Both { en: err.to_string(), here: err.localized() }
}

#[cfg(test)]
pub(crate) mod samples;

#[cfg(test)]
mod tests {
    use super::samples::{samples, Sample};
    use super::*;
    use crate::i18n::{with_lang, Lang};

    #[test]
    fn in_english_every_sample_says_exactly_what_display_says() {
        for Sample { name, err, .. } in with_lang(Lang::En, samples) {
            let en = with_lang(Lang::En, || localize_error(err.as_ref()));
            assert_eq!(en.as_deref(), Some(err.to_string().as_str()), "{name}: en.ftl differs from Display");
        }
    }

    #[test]
    fn in_chinese_every_sample_is_chinese_and_keeps_its_details() {
        // Made in Chinese: messages built at the error's making (a refused
        // URL's) say it in the language being spoken then.
        for Sample { name, err, neutral, keep } in with_lang(Lang::ZhCn, samples) {
            let zh = with_lang(Lang::ZhCn, || localize_error(err.as_ref())).unwrap_or_default();
            assert!(!zh.is_empty(), "{name}: no zh-CN message");
            for k in keep {
                assert!(zh.contains(k), "{name}: the Chinese message lost `{k}`: {zh}");
            }
            // Only the caller's own words (at most Chinese punctuation
            // around them): nothing to translate.
            if !neutral {
                assert_ne!(zh, err.to_string(), "{name}: still English under zh-CN");
                assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{name}: no Chinese: {zh}");
            }
        }
    }

    #[test]
    fn a_word_picked_by_a_variable_reads_as_the_old_english_did() {
        for (kind, en) in
            [("boolean", "a boolean"), ("number", "a number"), ("list", "a list"), ("object", "an object")]
        {
            let both = crate::t_both!("err-bootstrap-key-kind", kind = kind);
            assert_eq!(both.en, format!("is {en}, not a string"));
        }
    }

    #[test]
    fn errors_that_are_not_cores_are_left_to_the_caller() {
        let io = std::io::Error::other("disk on fire");
        assert_eq!(localize_error(&io), None);
    }
}
