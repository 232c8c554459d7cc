//! `~/.codex-helper/filter.json`: literal replace/remove rules applied to
//! request bodies before they go upstream.
//!
//! The file is a JSON array of rules (or an object `{"rules": [...]}`):
//!
//! ```json
//! [ { "op": "replace", "source": "your-company.com", "target": "[REDACTED_DOMAIN]" },
//!   { "op": "remove",  "source": "super-secret-token" } ]
//! ```
//!
//! Matching is literal (not regex) on the raw body bytes, and rules apply in
//! order, each to the output of the previous one. The file is re-read when it
//! changes on disk ([`FilterFile::current`]); a broken edit never drops the
//! rules that were working, because silently forwarding unredacted bodies is
//! worse than forwarding with slightly stale rules.
//!
//! A file that exists but cannot be used (bad JSON, a bad rule, empty or
//! truncated: all broken edits) with no good rules to fall back on — broken
//! since start-up, or the first version of a new file — *blocks*: requests
//! are refused ([`FilterFile::rules`]) until it is fixed, because redaction
//! the user asked for must never be silently skipped.

mod file;

use std::borrow::Cow;
use std::io;
use std::path::{Path, PathBuf};

use memchr::memmem::Finder;
use serde_json::Value;

pub use file::{FilterBlocked, FilterFile};

/// One rule as written in `filter.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterRule {
    /// Replace every occurrence of `source` with `target`.
    Replace { source: String, target: String },
    /// Delete every occurrence of `source`.
    Remove { source: String },
}

impl FilterRule {
    pub fn source(&self) -> &str {
        match self {
            FilterRule::Replace { source, .. } | FilterRule::Remove { source } => source,
        }
    }

    /// What an occurrence becomes (empty for `remove`).
    pub fn target(&self) -> &str {
        match self {
            FilterRule::Replace { target, .. } => target,
            FilterRule::Remove { .. } => "",
        }
    }
}

/// Why `filter.json` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    Parse { path: PathBuf, line: usize, column: usize, message: String },
    /// The JSON is valid but is neither an array nor `{"rules": [...]}`.
    #[error("{}: {message}", path.display())]
    Shape { path: PathBuf, message: String },
    /// `index` is 0-based; the message counts from 1 like people do.
    #[error("{}: rule #{} (index {index}): {message}", path.display(), index + 1)]
    Rule { path: PathBuf, index: usize, message: String },
}

#[derive(Debug)]
struct Compiled {
    rule: FilterRule,
    // Built once per load so each request only pays for the search itself.
    finder: Finder<'static>,
}

/// A compiled, immutable list of rules. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct FilterSet {
    rules: Vec<Compiled>,
}

impl FilterSet {
    pub fn empty() -> Self {
        FilterSet::default()
    }

    /// Compiles rules as given. Rules with an empty `source` are skipped:
    /// an empty needle matches between every byte, which is never meant.
    /// ([`FilterSet::parse`] rejects them with an error instead.)
    pub fn from_rules(rules: Vec<FilterRule>) -> Self {
        let rules = rules
            .into_iter()
            .filter(|r| !r.source().is_empty())
            .map(|rule| Compiled { finder: Finder::new(rule.source().as_bytes()).into_owned(), rule })
            .collect();
        FilterSet { rules }
    }

    /// Parses the text of a `filter.json`; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, FilterError> {
        Ok(FilterSet::from_rules(parse_rules(text, path)?))
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The rules, in the order they apply.
    pub fn rules(&self) -> impl Iterator<Item = &FilterRule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// Applies every rule in order. Returns `None` when no rule matched, so
    /// the caller can forward the original bytes without copying them.
    pub fn apply(&self, body: &[u8]) -> Option<Vec<u8>> {
        let mut cur: Cow<'_, [u8]> = Cow::Borrowed(body);
        for c in &self.rules {
            let mut hits = c.finder.find_iter(&cur).peekable();
            if hits.peek().is_none() {
                continue;
            }
            let needle_len = c.finder.needle().len();
            let target = c.rule.target().as_bytes();
            let mut out = Vec::with_capacity(cur.len());
            let mut last = 0;
            for at in hits {
                out.extend_from_slice(&cur[last..at]);
                out.extend_from_slice(target);
                last = at + needle_len;
            }
            out.extend_from_slice(&cur[last..]);
            cur = Cow::Owned(out);
        }
        match cur {
            Cow::Borrowed(_) => None,
            Cow::Owned(v) => Some(v),
        }
    }
}

fn parse_rules(text: &str, path: &Path) -> Result<Vec<FilterRule>, FilterError> {
    let value: Value = serde_json::from_str(text).map_err(|e| FilterError::Parse {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let shape = |message: &str| FilterError::Shape { path: path.to_path_buf(), message: message.to_string() };
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut obj) => match obj.remove("rules") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(shape("`rules` must be an array of rules")),
            None => return Err(shape("expected an array of rules, or an object with a `rules` array")),
        },
        _ => return Err(shape("expected an array of rules, or an object with a `rules` array")),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            parse_rule(item).map_err(|message| FilterError::Rule { path: path.to_path_buf(), index, message })
        })
        .collect()
}

fn parse_rule(item: Value) -> Result<FilterRule, String> {
    let Value::Object(obj) = item else {
        return Err(r#"must be an object like {"op": "replace", "source": "...", "target": "..."}"#.into());
    };
    let string = |key: &str| -> Result<Option<String>, String> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("`{key}` must be a string, not {other}")),
        }
    };
    let source = match string("source")? {
        Some(s) if !s.is_empty() => s,
        _ => return Err("`source` is missing or empty; set it to the literal text to match".into()),
    };
    // Unknown keys (e.g. a "comment") are ignored on purpose.
    match string("op")?.as_deref().map(str::trim).map(str::to_ascii_lowercase).as_deref() {
        Some("replace") => Ok(FilterRule::Replace { source, target: string("target")?.unwrap_or_default() }),
        Some("remove") => Ok(FilterRule::Remove { source }),
        Some(other) => Err(format!("unknown op `{other}`; use \"replace\" or \"remove\"")),
        None => Err("`op` is missing; use \"replace\" or \"remove\"".into()),
    }
}

/// serde_json appends " at line L column C"; we print the position up front.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(json: &str) -> FilterSet {
        FilterSet::parse(json, Path::new("filter.json")).unwrap()
    }

    fn apply(s: &FilterSet, body: &str) -> Option<String> {
        s.apply(body.as_bytes()).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn replace_and_remove_apply_in_order_to_every_occurrence() {
        let s = set(r#"[{"op":"replace","source":"your-company.com","target":"[REDACTED_DOMAIN]"},
                       {"op":"remove","source":"super-secret-token"},
                       {"op":"replace","source":"[REDACTED_DOMAIN]","target":"X"}]"#);
        assert_eq!(s.len(), 3);
        let out = apply(&s, r#"{"a":"api.your-company.com super-secret-token your-company.com"}"#).unwrap();
        assert_eq!(out, r#"{"a":"api.X  X"}"#);
    }

    #[test]
    fn no_match_returns_none() {
        let s = set(r#"[{"op":"remove","source":"secret"}]"#);
        assert_eq!(s.apply(b"nothing to see"), None);
        assert_eq!(FilterSet::empty().apply(b"secret"), None);
        assert_eq!(s.apply(b""), None);
    }

    #[test]
    fn overlapping_and_adjacent_occurrences() {
        let s = set(r#"[{"op":"replace","source":"aa","target":"b"}]"#);
        assert_eq!(apply(&s, "aaaaa").unwrap(), "bba");
    }

    #[test]
    fn utf8_multibyte_sources() {
        let s = set(r#"[{"op":"replace","source":"机密","target":"[隐]"},{"op":"remove","source":"🔑"}]"#);
        assert_eq!(apply(&s, "这是机密🔑数据，机密").unwrap(), "这是[隐]数据，[隐]");
    }

    #[test]
    fn object_form_and_missing_target() {
        let s = set(r#"{"rules":[{"op":"Replace","source":"x","comment":"ok"}]}"#);
        assert_eq!(s.rules().next(), Some(&FilterRule::Replace { source: "x".into(), target: String::new() }));
        assert_eq!(apply(&s, "axb").unwrap(), "ab");
    }

    #[test]
    fn errors_name_file_rule_and_fix() {
        let p = Path::new("/h/filter.json");
        let e = FilterSet::parse(r#"[{"op":"replace","source":"a"},{"op":"swap","source":"b"}]"#, p).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, FilterError::Rule { index: 1, .. }), "{e:?}");
        assert!(msg.contains("/h/filter.json") && msg.contains("rule #2") && msg.contains("`swap`"), "{msg}");

        let e = FilterSet::parse(r#"[{"op":"remove","source":""}]"#, p).unwrap_err();
        assert!(e.to_string().contains("`source` is missing or empty"), "{e}");
        let e = FilterSet::parse(r#"[{"op":"remove"}]"#, p).unwrap_err();
        assert!(matches!(e, FilterError::Rule { index: 0, .. }), "{e:?}");
        let e = FilterSet::parse(r#"{"op":"remove"}"#, p).unwrap_err();
        assert!(matches!(e, FilterError::Shape { .. }), "{e:?}");

        let e = FilterSet::parse("[\n  {\"op\": \"remove\",\n    \"source\" \"x\"}]", p).unwrap_err();
        match &e {
            FilterError::Parse { line, column, .. } => assert_eq!((*line, *column), (3, 14)),
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().starts_with("/h/filter.json:3:14: invalid JSON: expected `:`"), "{e}");
    }

    mod properties {
        //! Property tests of the engine: rules are literal, applied in order,
        //! each to the previous output, leftmost non-overlapping matches.
        use proptest::prelude::*;

        use super::super::*;

        fn rule() -> impl Strategy<Value = FilterRule> {
            prop_oneof![
                (".{0,6}", ".{0,6}").prop_map(|(source, target)| FilterRule::Replace { source, target }),
                ".{0,6}".prop_map(|source| FilterRule::Remove { source }),
            ]
        }

        proptest! {
            /// Any rules, any bytes: no panic, and rules with an empty
            /// source are dropped rather than matching everywhere.
            #[test]
            fn arbitrary_rules_and_bodies_never_panic(rules in prop::collection::vec(rule(), 0..6), body in prop::collection::vec(any::<u8>(), 0..256)) {
                let kept = rules.iter().filter(|r| !r.source().is_empty()).count();
                let set = FilterSet::from_rules(rules);
                prop_assert_eq!(set.len(), kept);
                let _ = set.apply(&body);
            }

            /// Any text in filter.json: an error or a set, never a panic.
            #[test]
            fn arbitrary_filter_files_never_panic(text in ".{0,200}") {
                let _ = FilterSet::parse(&text, Path::new("filter.json"));
            }

            /// No rule matches: the body is forwarded as it was (None means
            /// "send the original bytes").
            #[test]
            fn a_body_without_matches_is_left_byte_identical(
                sources in prop::collection::vec("[a-c]{1,4}", 1..5),
                body in "[d-z{}\":, ]{0,200}",
            ) {
                let rules = sources.into_iter().map(|source| FilterRule::Replace { source, target: "X".into() }).collect();
                prop_assert_eq!(FilterSet::from_rules(rules).apply(body.as_bytes()), None);
            }

            /// Replace rules whose targets share no character with any
            /// source: no source survives in the output. (Remove rules can
            /// join two halves into a new occurrence, and a target made of
            /// source characters can spell one, so neither is claimed.)
            #[test]
            fn redacted_sources_never_survive(
                rules in prop::collection::vec(("[a-c]{1,4}", "[X-Z]{1,3}"), 1..5),
                body in "[a-c ]{0,200}",
            ) {
                let rules: Vec<FilterRule> =
                    rules.into_iter().map(|(source, target)| FilterRule::Replace { source, target }).collect();
                let set = FilterSet::from_rules(rules.clone());
                let out = set.apply(body.as_bytes()).unwrap_or_else(|| body.clone().into_bytes());
                let out = String::from_utf8(out).unwrap();
                for r in &rules {
                    prop_assert!(!out.contains(r.source()), "{:?} survived in {:?}", r.source(), out);
                }
            }
        }
    }
}
