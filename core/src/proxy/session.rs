//! Which client session a request belongs to, for session affinity and the
//! request log.
//!
//! Codex sends its thread id as a `session_id` / `session-id` header and as
//! `prompt_cache_key` in the body; Claude Code sends a session header in new
//! versions and always `metadata.user_id` (which embeds the session) in the
//! body. Headers are checked first; the body is only scanned, never parsed.

use http::HeaderMap;
use memchr::memmem;

use crate::Service;

const CODEX_HEADERS: [&str; 3] = ["session_id", "session-id", "conversation_id"];
const CLAUDE_HEADERS: [&str; 1] = ["x-claude-code-session-id"];

/// Session ids longer than this are cut (they become map keys).
const MAX_LEN: usize = 200;

pub fn session_id(service: Service, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let (names, body_key): (&[&str], &[u8]) = match service {
        Service::Codex => (&CODEX_HEADERS, b"\"prompt_cache_key\""),
        Service::Claude => (&CLAUDE_HEADERS, b"\"user_id\""),
    };
    let from_header =
        names.iter().find_map(|name| headers.get(*name)?.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let id = match from_header {
        Some(v) => v,
        // Some Claude Code versions put a JSON object (with `session_id`)
        // into `user_id` as an escaped string; look for the inner id first.
        None => match service {
            Service::Claude => escaped_field(body, b"session_id").or_else(|| string_field(body, body_key))?,
            Service::Codex => string_field(body, body_key)?,
        },
    };
    Some(id.chars().take(MAX_LEN).collect())
}

/// The string value after the first `"key"` in a JSON text: `"key": "v"`.
/// Escapes end the value early, which is fine for an affinity key.
fn string_field<'a>(body: &'a [u8], key: &[u8]) -> Option<&'a str> {
    let at = memmem::find(body, key)? + key.len();
    let rest = skip_ws(&body[at..]).strip_prefix(b":")?;
    let rest = skip_ws(rest).strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    let value = std::str::from_utf8(&rest[..end]).ok()?;
    (!value.is_empty()).then_some(value)
}

/// `\"key\":\"value\"` inside an escaped JSON string.
fn escaped_field<'a>(body: &'a [u8], key: &[u8]) -> Option<&'a str> {
    let mut needle = b"\\\"".to_vec();
    needle.extend_from_slice(key);
    needle.extend_from_slice(b"\\\"");
    let at = memmem::find(body, &needle)? + needle.len();
    let rest = skip_ws(&body[at..]).strip_prefix(b":")?;
    let rest = skip_ws(rest).strip_prefix(b"\\\"")?;
    let end = rest.iter().position(|&b| b == b'\\' || b == b'"')?;
    let value = std::str::from_utf8(&rest[..end]).ok()?;
    (!value.is_empty()).then_some(value)
}

fn skip_ws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_header_then_prompt_cache_key() {
        let mut h = HeaderMap::new();
        let body = br#"{"model":"gpt-5","prompt_cache_key": "thread-9","input":[]}"#;
        assert_eq!(session_id(Service::Codex, &h, body).as_deref(), Some("thread-9"));
        h.insert("session-id", "abc".parse().unwrap());
        assert_eq!(session_id(Service::Codex, &h, body).as_deref(), Some("abc"));
        assert_eq!(session_id(Service::Codex, &HeaderMap::new(), b"{}"), None);
    }

    #[test]
    fn claude_session_inside_an_escaped_user_id() {
        let body = br#"{"metadata":{"user_id":"{\"device_id\":\"d1\",\"session_id\":\"s-42\"}"}}"#;
        assert_eq!(session_id(Service::Claude, &HeaderMap::new(), body).as_deref(), Some("s-42"));
    }

    #[test]
    fn claude_metadata_user_id() {
        let body = br#"{"metadata":{"user_id":"user_x_account__session_1234"},"messages":[]}"#;
        assert_eq!(
            session_id(Service::Claude, &HeaderMap::new(), body).as_deref(),
            Some("user_x_account__session_1234")
        );
    }
}
