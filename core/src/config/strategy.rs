//! How a config spreads requests over its upstreams.
//!
//! Stored as an optional `strategy` field of the config: absent means
//! [`Strategy::Priority`] (the original tool's ordered failover), so its
//! files keep their meaning, and the field is only written when set to
//! another strategy.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The first usable upstream in config order; traffic returns to an
    /// earlier one as soon as it recovers.
    #[default]
    Priority,
    /// Each request (each new session) goes to the next usable upstream in
    /// turn, so every healthy key carries a share.
    RoundRobin,
    /// Stay on one upstream until it fails or runs out of quota, then move
    /// to the next and stay there (no return to the first on recovery).
    FillFirst,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Strategy::Priority, Strategy::RoundRobin, Strategy::FillFirst];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Priority => "priority",
            Strategy::RoundRobin => "round-robin",
            Strategy::FillFirst => "fill-first",
        }
    }

    /// `priority` / `round-robin` / `fill-first`, as `ch config strategy`
    /// takes it.
    pub fn parse(text: &str) -> Result<Strategy, String> {
        Strategy::ALL.into_iter().find(|s| s.as_str() == text.trim()).ok_or_else(|| {
            format!("`{text}` is not a strategy; use one of priority (ordered failover, the default), round-robin (spread over every healthy upstream) or fill-first (stay on one until it fails or runs out)")
        })
    }

    /// Whether it is the default (not written to the file).
    pub fn is_default(s: &Option<Strategy>) -> bool {
        s.is_none_or(|s| s == Strategy::Priority)
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_its_names_and_names_them_on_error() {
        for s in Strategy::ALL {
            assert_eq!(Strategy::parse(s.as_str()), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        let err = Strategy::parse("random").unwrap_err();
        assert!(err.contains("round-robin") && err.contains("`random`"), "{err}");
    }
}
