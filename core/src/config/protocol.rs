//! Which API an upstream speaks. A client speaks its own (Codex the OpenAI
//! Responses API, Claude Code Anthropic Messages); an upstream that speaks
//! another one is reached through a bridge (see [`crate::bridge`]).
//!
//! Stored as an optional `protocol` field on the upstream: absent means the
//! client's own protocol, so files written by the original tool (which has
//! no such field) keep their meaning, and the field is only written when set.

use serde::{Deserialize, Serialize};

use crate::Service;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// OpenAI Responses API (`POST /v1/responses`): Codex's own.
    Responses,
    /// Anthropic Messages (`POST /v1/messages`): Claude Code's own.
    Anthropic,
    /// OpenAI Chat Completions (`POST /v1/chat/completions`).
    Chat,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Responses, Protocol::Anthropic, Protocol::Chat];

    /// The protocol `service`'s client speaks itself.
    pub fn native(service: Service) -> Protocol {
        match service {
            Service::Codex => Protocol::Responses,
            Service::Claude => Protocol::Anthropic,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Responses => "responses",
            Protocol::Anthropic => "anthropic",
            Protocol::Chat => "chat",
        }
    }

    /// `responses` / `anthropic` / `chat`, as `--protocol` takes it.
    pub fn parse(text: &str) -> Result<Protocol, String> {
        Protocol::ALL.into_iter().find(|p| p.as_str() == text.trim()).ok_or_else(|| {
            format!("`{text}` is not a protocol; use one of responses (OpenAI Responses API), anthropic (Anthropic Messages) or chat (OpenAI Chat Completions)")
        })
    }

    /// Whether `service`'s clients can use an upstream speaking this
    /// protocol: their own, or one a bridge translates to. The error says
    /// what to use instead.
    pub fn usable_by(self, service: Service) -> Result<(), crate::i18n::Both> {
        match (service, self) {
            (Service::Codex, Protocol::Responses | Protocol::Chat) => Ok(()),
            (Service::Claude, Protocol::Anthropic | Protocol::Chat) => Ok(()),
            (Service::Codex, Protocol::Anthropic) => Err(crate::t_both!("err-protocol-codex-anthropic")),
            (Service::Claude, Protocol::Responses) => Err(crate::t_both!("err-protocol-claude-responses")),
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_prints() {
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.as_str()), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        let err = Protocol::parse("gemini").unwrap_err();
        assert!(err.contains("responses") && err.contains("chat"), "{err}");
    }

    #[test]
    fn both_clients_take_chat_but_not_each_others_protocol() {
        assert!(Protocol::Chat.usable_by(Service::Codex).is_ok());
        assert!(Protocol::Chat.usable_by(Service::Claude).is_ok());
        assert!(Protocol::native(Service::Claude).usable_by(Service::Claude).is_ok());
        let err = Protocol::Anthropic.usable_by(Service::Codex).unwrap_err().en;
        assert!(err.contains("`chat`"), "{err}");
        let err = Protocol::Responses.usable_by(Service::Claude).unwrap_err().en;
        assert!(err.contains("`chat`"), "{err}");
    }
}
