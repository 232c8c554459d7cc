//! The message catalogues: Fluent (`.ftl`) files under `core/i18n/<lang>/`,
//! one per area, compiled into the binary.
//!
//! Why Fluent (`fluent-bundle`, Mozilla's reference implementation, the
//! format translation tools such as Pontoon and Weblate read): a message is
//! a whole sentence with named variables, so a translator can reorder it,
//! and plurals are selected per language (English "1 request" / "2
//! requests", Chinese has one form) without code knowing the rules. It is
//! small (no proc macros, parsed once at first use) and the files are plain
//! text a reviewer can read.
//!
//! Use [`crate::t!`]: `t!("status-serving", port = 3211)`. A missing id is
//! a bug the tests below catch (every `t!` id in the sources exists in every
//! language with the same variables); at run time it shows the id itself
//! rather than panic.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use super::lang::Lang;

/// One area's file, in every language (same order as [`Lang::ALL`]).
struct Area {
    name: &'static str,
    en: &'static str,
    zh_cn: &'static str,
}

macro_rules! area {
    ($name:literal) => {
        Area {
            name: $name,
            en: include_str!(concat!("../../i18n/en/", $name, ".ftl")),
            zh_cn: include_str!(concat!("../../i18n/zh-CN/", $name, ".ftl")),
        }
    };
}

/// Every catalogue file. A new area: add `core/i18n/{en,zh-CN}/<name>.ftl`
/// and a line here.
const AREAS: &[Area] = &[
    area!("common"),
    area!("firstrun"),
    area!("tray"),
    area!("notify"),
    area!("cli"),
    area!("doctor"),
    area!("errors"),
];

impl Area {
    fn source(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::ZhCn => self.zh_cn,
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static EN: OnceLock<Bundle> = OnceLock::new();
    static ZH_CN: OnceLock<Bundle> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    };
    cell.get_or_init(|| build(lang))
}

fn build(lang: Lang) -> Bundle {
    let id: unic_langid::LanguageIdentifier = lang.tag().parse().expect("our tags are valid");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around variables: terminals and
    // notification daemons print them as stray characters.
    bundle.set_use_isolating(false);
    for area in AREAS {
        // The tests parse every file without errors; a broken file in a
        // build that skipped them keeps the messages that did parse.
        let resource = match FluentResource::try_new(area.source(lang).to_string()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(area = area.name, lang = %lang, ?errors, "catalogue has syntax errors");
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(area = area.name, lang = %lang, ?errors, "catalogue repeats an id");
        }
    }
    bundle
}

/// The message `id` in `lang`, its variables filled from `args`.
/// An id that is not in the catalogue comes back as itself.
pub fn message(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::warn!(id, lang = %lang, "message missing from the catalogue");
        return id.to_string();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(id, lang = %lang, ?errors, "message formatted with errors");
    }
    text.into_owned()
}

/// Whether `id` exists in `lang`'s catalogue.
pub fn has(lang: Lang, id: &str) -> bool {
    bundle(lang).has_message(id)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use fluent_syntax::ast;

    use super::*;

    /// id → the variables its value and attributes use, for one language.
    fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for area in AREAS {
            let res = fluent_syntax::parser::parse(area.source(lang))
                .unwrap_or_else(|(_, errs)| panic!("core/i18n/{}/{}.ftl does not parse: {errs:?}", lang, area.name));
            for entry in res.body {
                if let ast::Entry::Message(m) = entry {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut vars);
                    }
                    for a in &m.attributes {
                        pattern_vars(&a.value, &mut vars);
                    }
                    let id = m.id.name.to_string();
                    assert!(out.insert(id.clone(), vars).is_none(), "{id} is defined twice in the {lang} catalogue");
                }
            }
        }
        out
    }

    fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        for el in &p.elements {
            if let ast::PatternElement::Placeable { expression } = el {
                expr_vars(expression, vars);
            }
        }
    }

    fn expr_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Select { selector, variants } => {
                inline_vars(selector, vars);
                for v in variants {
                    pattern_vars(&v.value, vars);
                }
            }
            ast::Expression::Inline(i) => inline_vars(i, vars),
        }
    }

    fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                vars.insert(id.name.to_string());
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline_vars(a, vars);
                }
            }
            ast::InlineExpression::Placeable { expression } => expr_vars(expression, vars),
            _ => {}
        }
    }

    /// Every `t!("id"` in the Rust sources of the crates that speak to people.
    fn used_ids() -> BTreeMap<String, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut out = BTreeMap::new();
        for dir in ["core/src", "cli/src", "agent/src", "src-tauri/src"] {
            walk(&root.join(dir), &mut |file, text| {
                // These files' own docs and tests are examples (the
                // `localized/` impls under i18n are real uses).
                if ["/i18n/mod.rs", "/i18n/catalogue.rs", "/i18n/lang.rs"].iter().any(|f| file.ends_with(f)) {
                    return;
                }
                for id in ids_in(text) {
                    out.entry(id).or_insert_with(|| file.to_string());
                }
            });
        }
        out
    }

    /// The literal ids of `t!("id"…)`, `t_both!("id"…)` and `t_in!(lang, "id"…)` in `text`
    /// (not `print!(`, `format!(`: the macro name must start a word).
    fn ids_in(text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for mac in ["t!(", "t_in!(", "t_both!("] {
            for (at, _) in text.match_indices(mac) {
                let word_start = text[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                if !word_start {
                    continue;
                }
                let args = &text[at + mac.len()..];
                let args = if mac == "t_in!(" { args.split_once(',').map_or("", |(_, rest)| rest) } else { args };
                let args = args.trim_start();
                if let Some(lit) = args.strip_prefix('"') {
                    if let Some(end) = lit.find('"') {
                        ids.push(lit[..end].to_string());
                    }
                }
            }
        }
        ids
    }

    #[test]
    fn the_source_scan_finds_both_macros_and_skips_lookalikes() {
        let text = r#"t!("a-b") x t!("c", n = 1) format!("no") print!("no") t_in!(Lang::En, "d") t_both!("e")"#;
        assert_eq!(ids_in(text), ["a-b", "c", "d", "e"]);
    }

    fn walk(dir: &Path, f: &mut dyn FnMut(&str, &str)) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, f);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                f(&path.display().to_string(), &text);
            }
        }
    }

    #[test]
    fn every_language_has_the_same_messages_with_the_same_variables() {
        let en = messages(Lang::En);
        let zh = messages(Lang::ZhCn);
        let missing_zh: Vec<_> = en.keys().filter(|id| !zh.contains_key(*id)).collect();
        let missing_en: Vec<_> = zh.keys().filter(|id| !en.contains_key(*id)).collect();
        assert!(missing_zh.is_empty(), "missing in core/i18n/zh-CN: {missing_zh:?}");
        assert!(missing_en.is_empty(), "missing in core/i18n/en: {missing_en:?}");
        for (id, vars) in &en {
            assert_eq!(vars, &zh[id], "{id}: the variables differ between en and zh-CN");
        }
    }

    #[test]
    fn every_id_the_code_uses_is_in_the_catalogue_and_every_message_is_used() {
        let en = messages(Lang::En);
        let used = used_ids();
        let unknown: Vec<_> = used.iter().filter(|(id, _)| !en.contains_key(*id)).collect();
        assert!(unknown.is_empty(), "t!() ids not in core/i18n/en/*.ftl (id, first file): {unknown:?}");
        // `common` is shared vocabulary; every other area's message must be used.
        let common: BTreeSet<String> = {
            let res = fluent_syntax::parser::parse(AREAS[0].en).unwrap();
            res.body
                .iter()
                .filter_map(|e| if let ast::Entry::Message(m) = e { Some(m.id.name.to_string()) } else { None })
                .collect()
        };
        let unused: Vec<_> = en.keys().filter(|id| !used.contains_key(*id) && !common.contains(*id)).collect();
        assert!(unused.is_empty(), "messages no code uses (remove them or use them): {unused:?}");
    }

    #[test]
    fn messages_format_in_each_language_with_their_variables() {
        assert_eq!(message(Lang::En, "service-codex", None), "Codex");
        assert_eq!(message(Lang::ZhCn, "service-claude", None), "Claude");
        assert!(has(Lang::ZhCn, "service-codex"));
        let mut args = FluentArgs::new();
        args.set("count", 1);
        assert_eq!(message(Lang::En, "requests-count", Some(&args)), "1 request");
        args.set("count", 1234);
        assert_eq!(message(Lang::En, "requests-count", Some(&args)), "1234 requests");
        assert_eq!(message(Lang::ZhCn, "requests-count", Some(&args)), "1234 个请求");
        // A missing id shows itself instead of panicking.
        assert_eq!(message(Lang::En, "no-such-message", None), "no-such-message");
    }
}
