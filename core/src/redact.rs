//! Keys never shown: one masking rule (`sk-…abcd`) and one scrubber for
//! every text we log, print or show.
//!
//! Upstreams echo keys back ("Incorrect API key provided: sk-proj-…"), so
//! text that came from them is scrubbed where it enters (the proxy's error
//! snippets) and again at the sinks (request log, status, health, the
//! CLI's stderr), because a missed entry point must not become a leak.
//!
//! Two kinds of secret are masked: every key of every config seen in this
//! process (remembered, never forgotten: a key removed from the config is
//! still a secret), and anything shaped like one (`Bearer …`, `sk-…`, a
//! long letters-and-digits run right after the word "key" or "token").
//! Shapes are deliberately narrow so ordinary text is left alone.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use crate::config::ConfigFile;
use crate::Service;

/// Keys shorter than this are not searched for: replacing a 4-letter
/// "key" everywhere would mangle ordinary words, and such a key is no
/// secret worth the name. (Shape rules still catch long look-alikes.)
const MIN_KNOWN_KEY: usize = 8;
/// A token after `Bearer`.
const MIN_BEARER: usize = 8;
/// An `sk-…` word.
const MIN_SK: usize = 16;
/// A token right after "key"/"token": long, and letters mixed with digits.
const MIN_AFTER_KEYWORD: usize = 20;

/// A secret shortened for display: `sk-…abcd`. Keeps a recognisable prefix
/// up to the first `-` (at most 3 characters before it) and the last 4
/// characters; secrets of 8 characters or fewer are fully hidden as `****`,
/// since showing 4 of them would reveal too much.
pub fn mask_secret(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "****".to_string();
    }
    let prefix: String = match chars.iter().position(|&c| c == '-') {
        Some(dash) if dash <= 3 => chars[..=dash].iter().collect(),
        _ => String::new(),
    };
    let suffix: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{suffix}")
}

/// Every key this process has seen in a config, longest first (so a key
/// that contains another is replaced whole).
static KNOWN: RwLock<Vec<Arc<str>>> = RwLock::new(Vec::new());

/// Remember every key of every upstream of both services of `file`.
/// Called wherever a config is loaded, so every sink knows them.
pub fn remember_keys(file: &ConfigFile) {
    let mut found: Vec<&str> = Vec::new();
    for service in [Service::Codex, Service::Claude] {
        for cfg in file.service(service).configs.values() {
            for up in &cfg.upstreams {
                let auth = &up.auth;
                found.extend(auth.auth_token.as_deref());
                found.extend(auth.api_key.as_deref());
                // Unknown auth fields may be secrets too.
                found.extend(auth.extra.values().filter_map(|v| v.as_str()));
            }
        }
    }
    remember(found);
}

/// Remember the keys in `paths`' config.json, for a command that shows
/// text (an old log line, say) without otherwise reading the config. A
/// config that cannot be read teaches nothing; the shape rules still apply.
pub fn remember_configured(paths: &crate::Paths) {
    if let Err(err) = crate::config::ConfigStore::new(paths).load() {
        tracing::debug!("config keys not known to the scrubber: {err}");
    }
}

/// Remember these strings as secrets (keys from elsewhere, e.g. a client's
/// own login being imported).
pub fn remember<'a>(keys: impl IntoIterator<Item = &'a str>) {
    let new: Vec<&str> = keys.into_iter().map(str::trim).filter(|k| k.chars().count() >= MIN_KNOWN_KEY).collect();
    if new.is_empty() {
        return;
    }
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    let mut changed = false;
    for key in new {
        if !known.iter().any(|k| &**k == key) {
            known.push(Arc::from(key));
            changed = true;
        }
    }
    if changed {
        known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    }
}

/// `text` with every known key and every key-shaped string masked.
/// Borrowed (no allocation) when there is nothing to mask.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    {
        let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
        for key in known.iter() {
            if out.contains(&**key) {
                out = Cow::Owned(out.replace(&**key, &mask_secret(key)));
            }
        }
    }
    match scrub_shapes(&out) {
        Cow::Borrowed(_) => out,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// [`scrub`] into an owned string, for fields.
pub fn scrub_owned(text: String) -> String {
    match scrub(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => s,
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The end of the token run starting at `start`, with trailing sentence
/// punctuation (`.`, `=` padding stays) given back.
fn token_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && is_token_byte(bytes[end]) {
        end += 1;
    }
    while end > start && matches!(bytes[end - 1], b'.' | b'/' | b'+') {
        end -= 1;
    }
    end
}

fn starts_with_ci(bytes: &[u8], at: usize, word: &[u8]) -> bool {
    bytes.len() >= at + word.len() && bytes[at..at + word.len()].eq_ignore_ascii_case(word)
}

/// Mask the key-shaped strings in `text` (see the module header).
fn scrub_shapes(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !is_word_byte(bytes[i - 1]);
        if at_word_start && starts_with_ci(bytes, i, b"bearer") {
            let mut j = i + 6;
            let spaces = j;
            while j < bytes.len() && bytes[j] == b' ' {
                j += 1;
            }
            let end = token_end(bytes, j);
            if j > spaces && end - j >= MIN_BEARER {
                spans.push((j, end));
                i = end;
                continue;
            }
        }
        if at_word_start && starts_with_ci(bytes, i, b"sk-") {
            let end = token_end(bytes, i);
            if end - i >= MIN_SK {
                spans.push((i, end));
                i = end;
                continue;
            }
        }
        if let Some(after) = keyword_end(bytes, i) {
            if let Some((start, end)) = token_after_keyword(bytes, after) {
                spans.push((start, end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in spans {
        out.push_str(&text[last..start]);
        out.push_str(&mask_secret(&text[start..end]));
        last = end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// If a word ending in "key" or "token" (`api_key`, `x-api-key`,
/// `access_token`, `Token`) ends at `i + len`, where it ends.
fn keyword_end(bytes: &[u8], i: usize) -> Option<usize> {
    for word in [&b"key"[..], b"token"] {
        if starts_with_ci(bytes, i, word) {
            let end = i + word.len();
            if end == bytes.len() || !bytes[end].is_ascii_alphanumeric() {
                return Some(end);
            }
        }
    }
    None
}

/// After a keyword: separators (`: = " '`) and at most two short words
/// ("provided", "is"), then a long run of letters mixed with digits.
fn token_after_keyword(bytes: &[u8], mut j: usize) -> Option<(usize, usize)> {
    let mut words = 0;
    loop {
        while j < bytes.len() && matches!(bytes[j], b' ' | b':' | b'=' | b'"' | b'\'' | b'`') {
            j += 1;
        }
        let end = token_end(bytes, j);
        let run = &bytes[j..end];
        if run.len() >= MIN_AFTER_KEYWORD
            && run.iter().any(u8::is_ascii_digit)
            && run.iter().any(u8::is_ascii_alphabetic)
        {
            return Some((j, end));
        }
        let short_word = !run.is_empty() && run.len() <= 10 && run.iter().all(u8::is_ascii_alphabetic);
        if !short_word || words == 2 {
            return None;
        }
        words += 1;
        j = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_secret_shapes() {
        assert_eq!(mask_secret("sk-proj-abcdefgh1234"), "sk-…1234");
        assert_eq!(mask_secret("cr-0123456789abcd"), "cr-…abcd");
        assert_eq!(mask_secret("abcdefghijkl"), "…ijkl");
        assert_eq!(mask_secret("longprefix-abcdefgh"), "…efgh");
        assert_eq!(mask_secret("12345678"), "****");
        assert_eq!(mask_secret(""), "****");
        assert_eq!(mask_secret("ключ-секретный-длинный"), "…нный");
    }

    #[test]
    fn known_keys_are_masked_wherever_they_appear() {
        remember(["zz-known-secret-for-redact-test-77", "short"]);
        let text = "relay said: bad credential zz-known-secret-for-redact-test-77 (check it)";
        assert_eq!(scrub(text), "relay said: bad credential zz-…t-77 (check it)");
        assert_eq!(scrub("a short word stays"), "a short word stays", "keys under 8 chars are not searched");
    }

    #[test]
    fn key_shapes_are_masked() {
        let cases = [
            (
                "Incorrect API key provided: sk-proj-abcdefghijklmnop1234. You can find your API key at …",
                "Incorrect API key provided: sk-…1234. You can find your API key at …",
            ),
            ("Authorization: Bearer abcdefghij123456", "Authorization: Bearer …3456"),
            ("invalid x-api-key sk-ant-api03-AAAAbbbbCCCCdddd9999", "invalid x-api-key sk-…9999"),
            ("{\"api_key\": \"Q2xhdWRlU2VjcmV0MTIzNDU2Nzg5\"}", "{\"api_key\": \"…Nzg5\"}"),
            ("token=abcdef0123456789abcdef0123", "token=…0123"),
        ];
        for (input, want) in cases {
            assert_eq!(scrub(input), want, "{input}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "upstream a is overloaded",
            "the token limit was exceeded; max_tokens is 4096",
            "Your API key is invalid. Please check it at https://platform.example/account/api-keys.",
            "key rotation happens every 30 days",
            "skip-this: sk-short",
            "503 Service Unavailable: <html><body>bad gateway</body></html>",
            "task-1234567890abcdefghij finished",
        ] {
            assert!(matches!(scrub(text), Cow::Borrowed(_)), "{text} → {}", scrub(text));
        }
    }
}
