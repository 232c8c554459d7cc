//! The members of a JSON object, each key with the exact bytes of its
//! value, found without parsing the values nobody reads.
//!
//! The usage observer reads five numbers and a model name out of every
//! JSON answer and event; the rest (an answer's whole output text, a long
//! `response` object) only has to be stepped over. serde, even deserializing
//! into nothing, walked it at ~28 instructions a byte (a twelfth of a small
//! proxied request, callgrind); this skims strings with `memchr` and
//! containers by counting brackets outside strings, a few instructions a
//! byte. It checks the structure only as far as it walks it (brackets,
//! quotes, colons, commas, nothing after the object); callers that need a
//! verdict on anything else parse the value they want with serde.

use std::borrow::Cow;

/// Calls `each(raw_key, value)` for every member of the object `json`
/// holds, in order. `raw_key` is the key as written between its quotes
/// (escapes not decoded; see [`key`]), `value` the value's bytes,
/// which the caller may parse on its own. `None` when `json` is not a
/// single object this skim can walk (the caller falls back on a full
/// parse, which gives the error).
pub fn members<'a>(json: &'a [u8], mut each: impl FnMut(&'a [u8], &'a [u8])) -> Option<()> {
    let b = json;
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(());
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = skip_string(b, i)?;
        let key = &b[i + 1..key_end - 1];
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let end = skip_value(b, start)?;
        each(key, &b[start..end]);
        i = skip_ws(b, end);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    (skip_ws(b, i + 1) == b.len()).then_some(())
}

/// A raw key's text: its bytes, unless it carries an escape (rare), which
/// is then decoded (to nothing when it is not a valid one).
pub fn key(raw: &[u8]) -> Cow<'_, [u8]> {
    // Keys are short: a plain scan, not memchr (whose setup costs more).
    if !raw.contains(&b'\\') {
        return Cow::Borrowed(raw);
    }
    let quoted = [b"\"".as_slice(), raw, b"\""].concat();
    Cow::Owned(serde_json::from_slice::<String>(&quoted).map(String::into_bytes).unwrap_or_default())
}

/// A value's text when it is a string (`Value::as_str`), else `None`.
pub fn string(value: &[u8]) -> Option<String> {
    let inner = value.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if memchr::memchr(b'\\', inner).is_none() {
        return std::str::from_utf8(inner).ok().map(str::to_string);
    }
    serde_json::from_slice::<String>(value).ok()
}

/// A value's number when it is an unsigned integer that fits (what
/// `Value::as_u64` gives), else `None`.
pub fn count(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// `b[i]` is a value's first byte; returns the index just past the value.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => skip_container(b, i),
        b'}' | b']' | b',' | b':' => None,
        _ => {
            // A number or a literal: up to the next delimiter.
            let len = b[i..].iter().position(|&c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'));
            Some(i + len.unwrap_or(b.len() - i))
        }
    }
}

/// `b[i]` is an opening quote; returns the index just past the closing one.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    // Most strings are short (ids, types, keys): a plain loop beats
    // memchr's setup for them; long ones (text) go to memchr.
    let short = b.len().min(j + 16);
    while j < short {
        match b[j] {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    loop {
        let k = j + memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        if b[k] == b'\\' {
            // The escaped byte is never the closing quote.
            j = k + 2;
        } else {
            return Some(k + 1);
        }
    }
}

/// The bytes [`skip_container`] stops at: quotes and brackets.
static STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'"' as usize] = true;
    table[b'{' as usize] = true;
    table[b'}' as usize] = true;
    table[b'[' as usize] = true;
    table[b']' as usize] = true;
    table
};

/// `b[i]` is `{` or `[`; returns the index just past its matching bracket.
fn skip_container(b: &[u8], i: usize) -> Option<usize> {
    let mut stack: u64 = 0; // one bit per open container: 1 = object
    let mut depth = 0u32;
    let mut j = i;
    loop {
        // Step over ordinary bytes in a tight loop.
        while j < b.len() && !STRUCTURAL[usize::from(b[j])] {
            j += 1;
        }
        match *b.get(j)? {
            b'"' => {
                j = skip_string(b, j)?;
                continue;
            }
            open @ (b'{' | b'[') => {
                // Deeper than 64 levels: let the full parse judge it.
                if depth == 64 {
                    return None;
                }
                stack = (stack << 1) | u64::from(open == b'{');
                depth += 1;
            }
            close @ (b'}' | b']') => {
                if depth == 0 || (stack & 1 == 1) != (close == b'}') {
                    return None;
                }
                stack >>= 1;
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(json: &str) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        members(json.as_bytes(), |k, v| {
            out.push((String::from_utf8(k.to_vec()).unwrap(), String::from_utf8(v.to_vec()).unwrap()))
        })?;
        Some(out)
    }

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn every_member_with_its_exact_value() {
        assert_eq!(
            all(r#" { "a" : 1 , "b":"x\"}{[" ,"c":{"d":[1,{"e":"]"}],"f":null}, "g": [ ], "h":true,"i":-2.5e3 } "#),
            pairs(&[
                ("a", "1"),
                ("b", r#""x\"}{[""#),
                ("c", r#"{"d":[1,{"e":"]"}],"f":null}"#),
                ("g", "[ ]"),
                ("h", "true"),
                ("i", "-2.5e3"),
            ])
        );
        assert_eq!(all("{}"), pairs(&[]));
        assert_eq!(all(r#"{"k\"ey":"\\"}"#), pairs(&[(r#"k\"ey"#, r#""\\""#)]));
        assert_eq!(&*key(br#"k\"ey"#), br#"k"ey"#);
        assert!(matches!(key(b"key"), Cow::Borrowed(k) if k == b"key"));
        assert_eq!(&*key(br#"bad\x"#), b"");
        assert_eq!(string(br#""a\u00e9\"""#).as_deref(), Some("a\u{e9}\""));
        assert_eq!(string(br#""plain""#).as_deref(), Some("plain"));
        assert_eq!(string(b"12"), None);
        assert_eq!(count(b"18446744073709551615"), Some(u64::MAX));
        for not_a_count in ["18446744073709551616", "-1", "2.5", "1e3", "\"7\"", "", "null"] {
            assert_eq!(count(not_a_count.as_bytes()), None, "{not_a_count}");
        }
    }

    #[test]
    fn what_it_cannot_walk_is_left_to_a_full_parse() {
        for bad in [
            "",
            "[1]",
            "\"usage\"",
            "12",
            r#"{"usage": {"#,
            "{} trailing",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":}"#,
            r#"{"a":[1}"#,
            r#"{"a":{"b":1]}"#,
            r#"{"a":"open}"#,
            r#"{"a":1 "b":2}"#,
            r#"{a:1}"#,
        ] {
            assert_eq!(all(bad), None, "{bad:?}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(70), "]".repeat(70));
        assert_eq!(all(&deep), None, "deeper than 64 levels");
        let fine = format!("{{\"a\":{}{}}}", "[".repeat(64), "]".repeat(64));
        assert_eq!(all(&fine).map(|m| m.len()), Some(1));
    }
}
