//! The two agents codex-helper fronts, and what differs between them at the
//! level every module needs (names, default ports).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An agent family whose traffic codex-helper proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// OpenAI Codex CLI: `POST /v1/responses`, SSE.
    Codex,
    /// Claude Code: `POST /v1/messages`, SSE.
    Claude,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::Codex, Service::Claude];

    /// The lowercase name used in files, logs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Codex => "codex",
            Service::Claude => "claude",
        }
    }

    /// The loopback port the proxy listens on unless told otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Service::Codex => 3211,
            Service::Claude => 3210,
        }
    }

    /// The client program's name, for messages about its settings.
    pub fn client_name(self) -> &'static str {
        match self {
            Service::Codex => "Codex",
            Service::Claude => "Claude Code",
        }
    }

    /// What to add to a `ch` command line to target this service when it is
    /// not the default (`""` or `" --claude"`), for suggested commands.
    pub fn cli_flag(self) -> &'static str {
        match self {
            Service::Codex => "",
            Service::Claude => " --claude",
        }
    }

    /// A human name for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Service::Codex => "Codex",
            Service::Claude => "Claude",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service name that is neither `codex` nor `claude`.
#[derive(Debug, thiserror::Error)]
#[error("unknown service `{0}`: expected `codex` or `claude`")]
pub struct UnknownService(pub String);

impl FromStr for Service {
    type Err = UnknownService;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "codex" => Ok(Service::Codex),
            "claude" => Ok(Service::Claude),
            _ => Err(UnknownService(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_rejects_others() {
        assert_eq!("codex".parse::<Service>().unwrap(), Service::Codex);
        assert_eq!(" Claude ".parse::<Service>().unwrap(), Service::Claude);
        let err = "gemini".parse::<Service>().unwrap_err();
        assert!(err.to_string().contains("`gemini`"), "{err}");
    }

    #[test]
    fn serde_uses_lowercase() {
        assert_eq!(serde_json::to_string(&Service::Claude).unwrap(), "\"claude\"");
        let s: Service = serde_json::from_str("\"codex\"").unwrap();
        assert_eq!(s, Service::Codex);
    }
}
