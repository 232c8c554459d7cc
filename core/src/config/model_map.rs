//! Per upstream, the client's model name → the upstream's: Codex asks for
//! `gpt-5-codex`, a DeepSeek relay knows it as `deepseek-chat`. A key `*`
//! catches every model without an entry of its own.
//!
//! Stored as an optional `model_map` object on the upstream, omitted when
//! empty, so files of the original tool (which has no such field) keep their
//! bytes and meaning. The request-path rewrite is [`crate::proxy::model_map`].

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::i18n::Both;

/// The key that maps every model without an entry of its own.
pub const CATCH_ALL: &str = "*";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModelMap(pub IndexMap<String, String>);

impl ModelMap {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The name to send for the client's `model`: its own entry, else the
    /// catch-all. `None` when nothing maps it, or it maps to itself: the
    /// request then goes as it is.
    pub fn target(&self, model: &str) -> Option<&str> {
        let to = self.0.get(model).or_else(|| self.0.get(CATCH_ALL))?;
        (to != model).then_some(to.as_str())
    }

    /// `FROM=TO` (as `--model-map` takes it) → `(FROM, TO)`, both trimmed
    /// and non-empty; `*=TO` is the catch-all.
    pub fn parse_pair(text: &str) -> Result<(String, String), Both> {
        let usage = crate::t_both!("err-model-map-usage");
        let Some((from, to)) = text.split_once('=') else {
            return Err(
                usage.within(|lang, usage| crate::t_in!(lang, "err-model-map-no-equals", text = text, usage = usage))
            );
        };
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() {
            return Err(
                usage.within(|lang, usage| crate::t_in!(lang, "err-model-map-no-from", text = text, usage = usage))
            );
        }
        if to.is_empty() {
            return Err(
                usage.within(|lang, usage| crate::t_in!(lang, "err-model-map-no-to", text = text, usage = usage))
            );
        }
        Ok((from.to_string(), to.to_string()))
    }

    /// Why an entry is unusable (an empty name on either side), as
    /// `(key, message)` for the file's error.
    pub fn problem(&self) -> Option<(String, Both)> {
        self.0.iter().find_map(|(from, to)| {
            if from.trim().is_empty() {
                Some((from.clone(), crate::t_both!("err-model-map-empty-key")))
            } else if to.trim().is_empty() {
                Some((from.clone(), crate::t_both!("err-model-map-empty-target", from = from.as_str())))
            } else {
                None
            }
        })
    }

    /// `gpt-5-codex→deepseek-chat, *→deepseek-chat`, for one-line displays.
    pub fn summary(&self) -> String {
        self.0.iter().map(|(from, to)| format!("{from}→{to}")).collect::<Vec<_>>().join(", ")
    }
}

impl FromIterator<(String, String)> for ModelMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        ModelMap(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ModelMap {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn exact_entry_wins_over_the_catch_all() {
        let m = map(&[("gpt-5-codex", "deepseek-chat"), ("*", "deepseek-reasoner")]);
        assert_eq!(m.target("gpt-5-codex"), Some("deepseek-chat"));
        assert_eq!(m.target("gpt-5"), Some("deepseek-reasoner"));
        assert_eq!(map(&[("gpt-5", "x")]).target("gpt-5-codex"), None, "no entry, no catch-all");
        assert_eq!(map(&[("*", "same")]).target("same"), None, "mapping to itself changes nothing");
        assert_eq!(ModelMap::default().target("gpt-5"), None);
    }

    #[test]
    fn parses_pairs_and_says_what_is_wrong() {
        assert_eq!(ModelMap::parse_pair(" gpt-5 = kimi-k2 "), Ok(("gpt-5".into(), "kimi-k2".into())));
        assert_eq!(ModelMap::parse_pair("*=a=b"), Ok(("*".into(), "a=b".into())));
        assert!(ModelMap::parse_pair("gpt-5").unwrap_err().en.contains("has no `=`"));
        assert!(ModelMap::parse_pair("=x").unwrap_err().en.contains("no client model"));
        assert!(ModelMap::parse_pair("x=").unwrap_err().en.contains("no upstream model"));
    }

    #[test]
    fn round_trips_as_a_plain_object_in_order() {
        let m = map(&[("b", "1"), ("a", "2")]);
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text, r#"{"b":"1","a":"2"}"#);
        assert_eq!(serde_json::from_str::<ModelMap>(&text).unwrap(), m);
        assert_eq!(m.summary(), "b→1, a→2");
        assert_eq!(map(&[("a", " ")]).problem().unwrap().0, "a");
    }
}
