//! Editing `filter.json` as the window does: its rules as rows
//! ([`RuleRow`]), checked and written back atomically ([`save_rules`]), and
//! a "try it" preview ([`preview`]) that runs the very code the proxy
//! applies to request bodies.
//!
//! A save writes the rules as a plain JSON array (the object form
//! `{"rules": [...]}` and unknown keys such as a rule's `comment` are not
//! kept: the form shows every field a rule has). A running proxy picks the
//! file up on its next poll.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{FilterError, FilterRule, FilterSet};
use crate::fsutil;

/// What a rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RuleOp {
    Replace,
    Remove,
}

/// One rule as a form row (and as written in the file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RuleRow {
    pub op: RuleOp,
    /// The literal text to match.
    pub source: String,
    /// What it becomes (`replace` only; ignored for `remove`).
    #[serde(default)]
    pub target: String,
}

impl RuleRow {
    fn of(rule: &FilterRule) -> RuleRow {
        match rule {
            FilterRule::Replace { source, target } => {
                RuleRow { op: RuleOp::Replace, source: source.clone(), target: target.clone() }
            }
            FilterRule::Remove { source } => {
                RuleRow { op: RuleOp::Remove, source: source.clone(), target: String::new() }
            }
        }
    }

    fn rule(&self) -> FilterRule {
        match self.op {
            RuleOp::Replace => FilterRule::Replace { source: self.source.clone(), target: self.target.clone() },
            RuleOp::Remove => FilterRule::Remove { source: self.source.clone() },
        }
    }
}

/// Why rules were not saved (or previewed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilterEditError {
    /// Rule `index` (0-based) is unusable; `field` is the form's field.
    #[error("rule {} ({field}): {}", index + 1, .message.en)]
    Rule { index: usize, field: &'static str, message: crate::i18n::Both },
    /// The file on disk cannot be read as rules (edit it by hand, or
    /// save rules to replace it).
    #[error(transparent)]
    File(#[from] FilterError),
    #[error("{}: cannot write: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// The rules in `path`, in the order they apply; none when it is missing
/// or empty.
pub fn read_rules(path: &Path) -> Result<Vec<RuleRow>, FilterEditError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(FilterError::Io { path: path.to_path_buf(), source }.into()),
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(FilterSet::parse(&text, path)?.rules().map(RuleRow::of).collect())
}

/// Checks every row as the file's loader would, naming the first bad one.
pub fn check_rules(rules: &[RuleRow]) -> Result<(), FilterEditError> {
    for (index, row) in rules.iter().enumerate() {
        let bad = |field, message| Err(FilterEditError::Rule { index, field, message });
        if row.source.is_empty() {
            return bad("source", crate::t_both!("err-filter-rule-empty-source"));
        }
        if row.op == RuleOp::Replace && row.target.contains(&row.source) {
            return bad("target", crate::t_both!("err-filter-rule-target-keeps-source"));
        }
    }
    Ok(())
}

/// Writes `rules` to `path` (0600: the sources are what the user wants
/// kept from relays), after [`check_rules`].
pub fn save_rules(path: &Path, rules: &[RuleRow]) -> Result<(), FilterEditError> {
    check_rules(rules)?;
    let written: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| match r.op {
            RuleOp::Replace => serde_json::json!({ "op": "replace", "source": r.source, "target": r.target }),
            RuleOp::Remove => serde_json::json!({ "op": "remove", "source": r.source }),
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&written).expect("plain JSON values");
    bytes.push(b'\n');
    let write_err = |source| FilterEditError::Write { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent() {
        fsutil::ensure_private_dir(dir).map_err(write_err)?;
    }
    // Through the history, so a save from the window can be undone.
    crate::history::write_kept(path, &bytes, 0o600).map_err(write_err)
}

/// A sample text before and after the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FilterPreview {
    pub before: String,
    pub after: String,
    /// Some rule matched.
    pub changed: bool,
}

/// What the proxy would send for `sample` under `rules` (checked first).
pub fn preview(rules: &[RuleRow], sample: &str) -> Result<FilterPreview, FilterEditError> {
    check_rules(rules)?;
    let set = FilterSet::from_rules(rules.iter().map(RuleRow::rule).collect());
    let after = match set.apply(sample.as_bytes()) {
        // Literal rules on valid UTF-8 with UTF-8 sources and targets keep
        // it valid; lossy only as a guard.
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => sample.to_string(),
    };
    Ok(FilterPreview { changed: after != sample, before: sample.to_string(), after })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(op: RuleOp, source: &str, target: &str) -> RuleRow {
        RuleRow { op, source: source.into(), target: target.into() }
    }

    #[test]
    fn saved_rules_read_back_in_order_and_the_proxy_loads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".codex-helper/filter.json");
        assert_eq!(read_rules(&path).unwrap(), vec![], "missing: no rules");
        let rules = vec![row(RuleOp::Replace, "acme.com", "[DOMAIN]"), row(RuleOp::Remove, "tok-123", "ignored")];
        save_rules(&path, &rules).unwrap();
        let back = read_rules(&path).unwrap();
        assert_eq!(back, vec![rules[0].clone(), row(RuleOp::Remove, "tok-123", "")]);
        // What the proxy's own loader makes of the file.
        let set = FilterSet::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
        assert_eq!(set.apply(b"mail me@acme.com tok-123").unwrap(), b"mail me@[DOMAIN] ");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_save_keeps_the_previous_rules_in_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("filter.json");
        save_rules(&path, &[row(RuleOp::Remove, "first", "")]).unwrap();
        let before = std::fs::read(&path).unwrap();
        save_rules(&path, &[row(RuleOp::Remove, "second", "")]).unwrap();
        crate::history::undo(dir.path(), Some("filter.json")).unwrap().expect("a kept version");
        assert_eq!(std::fs::read(&path).unwrap(), before, "undo puts the first rules back");
    }

    #[test]
    fn a_bad_row_is_refused_at_its_field_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("filter.json");
        std::fs::write(&path, r#"[{"op":"remove","source":"x"}]"#).unwrap();
        let rules = vec![row(RuleOp::Remove, "a", ""), row(RuleOp::Replace, "", "b")];
        match save_rules(&path, &rules).unwrap_err() {
            FilterEditError::Rule { index: 1, field: "source", message } => assert!(message.en.contains("empty")),
            other => panic!("{other:?}"),
        }
        let leaky = vec![row(RuleOp::Replace, "secret", "my-secret")];
        let err = save_rules(&path, &leaky).unwrap_err();
        assert!(matches!(err, FilterEditError::Rule { index: 0, field: "target", .. }), "{err}");
        assert_eq!(err.to_string().split(':').next(), Some("rule 1 (target)"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), r#"[{"op":"remove","source":"x"}]"#);
    }

    #[test]
    fn preview_shows_the_text_before_and_after_the_rules_in_order() {
        let rules = vec![row(RuleOp::Replace, "alice", "bob"), row(RuleOp::Replace, "bob", "[NAME]")];
        let p = preview(&rules, "alice and bob").unwrap();
        assert_eq!((p.before.as_str(), p.after.as_str(), p.changed), ("alice and bob", "[NAME] and [NAME]", true));
        let p = preview(&rules, "nobody").unwrap();
        assert_eq!((p.after.as_str(), p.changed), ("nobody", false));
        assert!(preview(&[row(RuleOp::Remove, "", "")], "x").is_err());
    }

    #[test]
    fn a_broken_file_is_reported_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("filter.json");
        std::fs::write(&path, "[{\"op\": \"swap\", \"source\": \"x\"}]").unwrap();
        let err = read_rules(&path).unwrap_err();
        assert!(err.to_string().contains("unknown op `swap`"), "{err}");
    }
}
