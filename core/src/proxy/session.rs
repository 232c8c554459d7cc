//! Which client session a request belongs to, for session affinity and the
//! request log.
//!
//! Codex sends its thread id as a `session_id` / `session-id` header and as
//! `prompt_cache_key` in the body; Claude Code sends a session header in new
//! versions and always `metadata.user_id` (which embeds the session) in the
//! body. Headers are checked first; the body is only scanned, never parsed.

use std::sync::LazyLock;

use http::{HeaderMap, HeaderName, HeaderValue};
use memchr::memmem;

use crate::Service;

// Names and finders made once: looking a header up by `&str` parses the
// name on every request, and `memmem::find` builds its searcher each call.
/// Every service's session headers, read in one pass over the client's
/// headers (see [`super::client_facts`]): Codex's first, in the order they
/// are preferred, then Claude Code's.
pub(super) static SESSION_HEADERS: [HeaderName; SESSION_HEADER_COUNT] = [
    HeaderName::from_static("session_id"),
    HeaderName::from_static("session-id"),
    HeaderName::from_static("conversation_id"),
    HeaderName::from_static("x-claude-code-session-id"),
];
pub(super) const SESSION_HEADER_COUNT: usize = 4;
/// Which of [`SESSION_HEADERS`] each service reads.
const CODEX_HEADERS: std::ops::Range<usize> = 0..3;
const CLAUDE_HEADERS: std::ops::Range<usize> = 3..4;
static PROMPT_CACHE_KEY: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"\"prompt_cache_key\""));
/// Codex (and the SDKs) write `prompt_cache_key` after `input`, the whole
/// history: found from the end it is a few bytes away instead of the
/// request's length (a memmem scan of 200 KB on every turn).
static PROMPT_CACHE_KEY_REV: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new(b"\"prompt_cache_key\""));
static USER_ID: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"\"user_id\""));

/// Session ids longer than this are cut (they become map keys).
const MAX_LEN: usize = 200;

pub fn session_id(service: Service, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    session_of(service, &super::client_facts::ClientFacts::scan(headers).session, body)
}

/// [`session_id`] from the session headers a scan found (`found[i]` is the
/// first value of `SESSION_HEADERS[i]`).
pub(super) fn session_of(
    service: Service,
    found: &[Option<&HeaderValue>; SESSION_HEADER_COUNT],
    body: &[u8],
) -> Option<String> {
    let (names, body_key): (std::ops::Range<usize>, &memmem::Finder<'static>) = match service {
        Service::Codex => (CODEX_HEADERS, &PROMPT_CACHE_KEY),
        Service::Claude => (CLAUDE_HEADERS, &USER_ID),
    };
    let from_header = found[names].iter().find_map(|v| (*v)?.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let id = match from_header {
        Some(v) => v,
        // Some Claude Code versions put a JSON object (with `session_id`)
        // into `user_id` as an escaped string; look for the inner id first.
        None => match service {
            Service::Claude => escaped_field(body, b"session_id").or_else(|| string_field(body, body_key))?,
            Service::Codex => {
                // None at all: one scan, not a second from the start.
                let last = PROMPT_CACHE_KEY_REV.rfind(body)? + PROMPT_CACHE_KEY_REV.needle().len();
                // The first one, as before, when the last is not a string.
                value_after(body, last).or_else(|| string_field(body, body_key))?
            }
        },
    };
    // The first MAX_LEN characters, cut at a character boundary (not
    // collected char by char: this runs on every request).
    let end = id.char_indices().nth(MAX_LEN).map_or(id.len(), |(at, _)| at);
    Some(id[..end].to_owned())
}

/// The string value after the first `"key"` in a JSON text: `"key": "v"`.
/// Escapes end the value early, which is fine for an affinity key.
fn string_field<'a>(body: &'a [u8], key: &memmem::Finder<'_>) -> Option<&'a str> {
    value_after(body, key.find(body)? + key.needle().len())
}

/// The string value of the key that ends at `at`: `: "v"`.
fn value_after(body: &[u8], at: usize) -> Option<&str> {
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
    fn codex_prompt_cache_key_after_a_long_history() {
        // Where Codex puts it: after `input`, whose text may quote the key
        // (escaped, so it is not a key) and hold an object that has one
        // that is no string.
        let history =
            r#"{"type":"message","content":[{"type":"input_text","text":"say \"prompt_cache_key\": \"no\""}]},"#
                .repeat(200);
        let body = format!(
            r#"{{"model":"gpt-5","tools":[{{"parameters":{{"prompt_cache_key":{{"type":"string"}}}}}}],"input":[{history}{{}}],"prompt_cache_key":"thread-7","stream":true}}"#
        );
        assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok(), "the fixture is JSON, its quotes escaped");
        assert_eq!(session_id(Service::Codex, &HeaderMap::new(), body.as_bytes()).as_deref(), Some("thread-7"));
        // A last one that is no string: the first string one, as before.
        let odd = r#"{"prompt_cache_key":"first","x":{"prompt_cache_key":1}}"#;
        assert_eq!(session_id(Service::Codex, &HeaderMap::new(), odd.as_bytes()).as_deref(), Some("first"));
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

    #[test]
    fn long_ids_are_cut_at_200_characters() {
        // Characters, not bytes: a multi-byte one is never split.
        let long = "é".repeat(150) + &"x".repeat(100);
        let body = format!(r#"{{"prompt_cache_key":"{long}"}}"#);
        let id = session_id(Service::Codex, &HeaderMap::new(), body.as_bytes()).unwrap();
        assert_eq!(id.chars().count(), 200);
        assert_eq!(id, "é".repeat(150) + &"x".repeat(50));
        let mut h = HeaderMap::new();
        let short = "s".repeat(200);
        h.insert("session_id", short.parse().unwrap());
        assert_eq!(session_id(Service::Codex, &h, b"{}").unwrap(), short);
    }
}
