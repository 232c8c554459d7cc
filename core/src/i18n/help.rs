//! `ch --help` in languages other than English: the about and help texts
//! of commands and flags, from `core/i18n/<lang>/help.ftl`.
//!
//! English has no file: it is what clap derives from the doc comments in
//! `cli/src/args.rs`, and a copy would drift from them. So this area is not
//! in [`super::catalogue`]'s list (whose tests want every id in every
//! language); instead the CLI's tests walk every command and flag and fail
//! when one has no text here, or when a text here names none.
//!
//! One message per command, `help-<path>` (`help-ch` for `ch` itself,
//! `help-config-set-active`): its value is the about, its attributes the
//! long about (`.long`) and the flags' help (`.arg-<id>`, `.arg-<id>-long`).
//! `help-common` holds the flags many commands share (`.json`, `.codex`).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::FluentResource;

use super::lang::Lang;

type Bundle = FluentBundle<FluentResource>;

const ZH_CN: &str = include_str!("../../i18n/zh-CN/help.ftl");

fn zh_cn() -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let mut bundle = FluentBundle::new_concurrent(vec![Lang::ZhCn.tag().parse().expect("our tags are valid")]);
        bundle.set_use_isolating(false);
        // The tests parse the file without errors; in a build that skipped
        // them, what parsed is still used and the rest stays English.
        let resource = FluentResource::try_new(ZH_CN.to_string()).unwrap_or_else(|(r, _)| r);
        let _ = bundle.add_resource(resource);
        bundle
    })
}

/// The text of `id` (with `attr`, one of its attributes) for `lang`'s
/// `--help`; `None` in English, or when there is none (clap's English then).
pub fn help_text(lang: Lang, id: &str, attr: Option<&str>) -> Option<String> {
    let bundle = match lang {
        Lang::En => return None,
        Lang::ZhCn => zh_cn(),
    };
    let message = bundle.get_message(id)?;
    let pattern = match attr {
        None => message.value()?,
        Some(attr) => message.get_attribute(attr)?.value(),
    };
    let mut errors = Vec::new();
    Some(bundle.format_pattern(pattern, None, &mut errors).into_owned())
}

/// Every `(id, attribute)` `lang` has texts for (`None`: the value), for
/// the test that each still names a real command or flag.
pub fn help_entries(lang: Lang) -> Vec<(String, Option<String>)> {
    let source = match lang {
        Lang::En => return Vec::new(),
        Lang::ZhCn => ZH_CN,
    };
    let Ok(res) = fluent_syntax::parser::parse(source) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in res.body {
        if let fluent_syntax::ast::Entry::Message(m) = entry {
            if m.value.is_some() {
                out.push((m.id.name.to_string(), None));
            }
            for a in m.attributes {
                out.push((m.id.name.to_string(), Some(a.id.name.to_string())));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chinese_help_parses_and_english_has_none() {
        if let Err((_, errors)) = fluent_syntax::parser::parse(ZH_CN) {
            panic!("core/i18n/zh-CN/help.ftl does not parse: {errors:?}");
        }
        assert!(help_text(Lang::ZhCn, "help-ch", None).is_some_and(|t| !t.is_empty()));
        assert!(help_text(Lang::ZhCn, "help-common", Some("json")).is_some());
        assert_eq!(help_text(Lang::En, "help-ch", None), None);
        assert_eq!(help_text(Lang::ZhCn, "help-no-such-command", None), None);
        assert!(!help_entries(Lang::ZhCn).is_empty());
    }
}
