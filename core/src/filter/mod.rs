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

pub mod edit;
mod file;

use std::borrow::Cow;
use std::io;
use std::path::{Path, PathBuf};

use memchr::memmem::Finder;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

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
    /// One rule is unusable: where in the file (`line`, `column`, the
    /// dotted `key` such as `[1].op`), and which rule (`index`, 0-based).
    #[error("{}:{line}:{column}: {key}: {message}", path.display())]
    Rule { path: PathBuf, index: usize, line: usize, column: usize, key: String, message: String },
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
    let mut de = serde_json::Deserializer::from_str(text);
    let RuleFile(rules) = serde_path_to_error::deserialize(&mut de).map_err(|e| located(path, e))?;
    // Trailing garbage such as a second array pasted after the first.
    de.end().map_err(|e| FilterError::Parse {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    Ok(rules)
}

/// Sort a serde error into syntax (bad JSON), shape (not a list of rules)
/// or one rule's problem, keeping serde_json's line and column either way.
fn located(path: &Path, e: serde_path_to_error::Error<serde_json::Error>) -> FilterError {
    use serde_path_to_error::Segment;
    let key = e.path().to_string();
    let index = e.path().iter().find_map(|s| match s {
        Segment::Seq { index } => Some(*index),
        _ => None,
    });
    let inner = e.into_inner();
    let (line, column) = (inner.line(), inner.column());
    let message = strip_position(&inner.to_string());
    let path = path.to_path_buf();
    match (inner.classify(), index) {
        (serde_json::error::Category::Data, Some(index)) => {
            let key = key.trim_start_matches('.').to_string();
            FilterError::Rule { path, index, line, column, key, message }
        }
        (serde_json::error::Category::Data, None) => FilterError::Shape { path, message },
        _ => FilterError::Parse { path, line, column, message },
    }
}

/// The whole file: an array of rules, or `{"rules": [...]}`.
struct RuleFile(Vec<FilterRule>);

/// An array of rules (the value of `rules`).
struct RuleList(Vec<FilterRule>);

/// One rule, checked as it is read so errors point at the bad value.
struct RuleDe(FilterRule);

/// `op`, case-insensitive.
enum Op {
    Replace,
    Remove,
}

const SHAPE: &str = "an array of rules, or an object with a `rules` array";

impl<'de> Deserialize<'de> for RuleFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RuleFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(SHAPE)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RuleFile, A::Error> {
                RuleList::from_seq(seq).map(|l| RuleFile(l.0))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RuleFile, A::Error> {
                let mut rules = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "rules" {
                        rules = Some(map.next_value::<RuleList>()?.0);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                rules.map(RuleFile).ok_or_else(|| de::Error::custom(format!("expected {SHAPE}")))
            }
        }
        d.deserialize_any(V)
    }
}

impl RuleList {
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<RuleList, A::Error> {
        let mut rules = Vec::new();
        while let Some(RuleDe(rule)) = seq.next_element()? {
            rules.push(rule);
        }
        Ok(RuleList(rules))
    }
}

impl<'de> Deserialize<'de> for RuleList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RuleList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`rules` to be an array of rules")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RuleList, A::Error> {
                RuleList::from_seq(seq)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let op = String::deserialize(d)?;
        match op.trim().to_ascii_lowercase().as_str() {
            "replace" => Ok(Op::Replace),
            "remove" => Ok(Op::Remove),
            other => Err(de::Error::custom(format!("unknown op `{other}`; use \"replace\" or \"remove\""))),
        }
    }
}

impl<'de> Deserialize<'de> for RuleDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RuleDe;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"a rule, an object like {"op": "replace", "source": "...", "target": "..."}"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RuleDe, A::Error> {
                let (mut op, mut source, mut target) = (None, None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "op" => op = map.next_value::<Option<Op>>()?,
                        "source" => source = map.next_value::<Option<String>>()?,
                        "target" => target = map.next_value::<Option<String>>()?,
                        // Unknown keys (e.g. a "comment") are ignored on purpose.
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let source = match source {
                    Some(s) if !s.is_empty() => s,
                    _ => {
                        return Err(de::Error::custom(
                            "`source` is missing or empty; set it to the literal text to match",
                        ))
                    }
                };
                match op {
                    Some(Op::Replace) => Ok(RuleDe(FilterRule::Replace { source, target: target.unwrap_or_default() })),
                    Some(Op::Remove) => Ok(RuleDe(FilterRule::Remove { source })),
                    None => Err(de::Error::custom("`op` is missing; use \"replace\" or \"remove\"")),
                }
            }
        }
        d.deserialize_any(V)
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
        assert!(msg.contains("/h/filter.json:1:") && msg.contains("[1].op") && msg.contains("`swap`"), "{msg}");

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

    /// Regression (issue 9, left open): a valid-JSON filter.json with a bad
    /// rule was reported as "rule #N"; it now says file:line:column and the
    /// key, like every other file of ours.
    #[test]
    fn a_bad_rule_is_reported_at_its_line_and_column() {
        let p = Path::new("/h/filter.json");
        let text = "[\n  {\"op\": \"remove\", \"source\": \"a\"},\n  {\"op\": \"swap\", \"source\": \"b\"}\n]";
        let e = FilterSet::parse(text, p).unwrap_err();
        let FilterError::Rule { line, column, key, index, .. } = &e else { panic!("{e:?}") };
        assert_eq!((*line, key.as_str(), *index), (3, "[1].op", 1), "{e}");
        // At the bad value (serde_json points just past `"swap"` on line 3),
        // not at the rule's start.
        assert_eq!(*column, 15, "{e}");
        assert!(e.to_string().starts_with("/h/filter.json:3:15: [1].op: unknown op `swap`"), "{e}");

        let text = "{\"rules\": [\n {\"op\": \"replace\",\n  \"source\": 3}]}";
        let e = FilterSet::parse(text, p).unwrap_err();
        assert!(matches!(&e, FilterError::Rule { line: 3, index: 0, .. }), "{e:?}");
        assert!(e.to_string().starts_with("/h/filter.json:3:"), "{e}");
        assert!(e.to_string().contains("rules[0].source: invalid type: integer `3`"), "{e}");
        let e = FilterSet::parse("[\n {\"op\": \"remove\"}\n]", p).unwrap_err();
        assert!(matches!(&e, FilterError::Rule { line: 2, .. }), "{e:?}");
        assert!(e.to_string().contains(": [0]: `source` is missing or empty"), "{e}");
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
