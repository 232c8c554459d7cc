//! Where a dotted key (`proxy.connect_timeout_ms`,
//! `codex.configs.main.upstreams[0].base_url`) is written in a JSON file,
//! as line and column, so a value that parsed but is out of range is
//! placed as precisely as a syntax error (serde only knows positions while
//! it parses; validation runs on the parsed value, so the key is looked up
//! again in the text).
//!
//! A small scanner, not a parser: the text already parsed, so it only has
//! to skip values and compare keys. A key that is not in the file (a
//! default broke a rule together with a written value) has no position.

/// 1-based line and column of `dotted`'s key in `text` (an array element:
/// the element itself), or `None` when it is not written there.
pub fn key_position(text: &[u8], dotted: &str) -> Option<(usize, usize)> {
    let segments = segments(dotted)?;
    let text = std::str::from_utf8(text).ok()?;
    // Editors do not count a byte-order mark as a column.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut scan = Scan { b: text.as_bytes(), i: 0 };
    let offset = scan.find(&segments)?;
    Some(crate::switch::line_col(text, offset))
}

#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[2].c` → `a`, `b`, `[2]`, `c`; a key holding dots or brackets is
/// written quoted: `prices."gpt-5.1".input` (see [`quoted`]).
fn segments(dotted: &str) -> Option<Vec<Segment<'_>>> {
    let mut out = Vec::new();
    let mut rest = dotted;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let end = after.find('"')?;
            out.push(Segment::Key(&after[..end]));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let (index, after) = after.split_once(']')?;
            out.push(Segment::Index(index.parse().ok()?));
            rest = after;
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end > 0 {
                out.push(Segment::Key(&rest[..end]));
            }
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    (!out.is_empty()).then_some(out)
}

/// A key as one segment of a dotted key: as it is, or quoted when it holds
/// a dot, bracket or quote (a model name like `gpt-5.1`).
pub fn quoted(key: &str) -> String {
    if key.contains(['.', '[', ']', '"']) {
        format!("\"{}\"", key.replace('"', ""))
    } else {
        key.to_string()
    }
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    /// The offset of the key (or element) `segments` names, starting at
    /// the value under the cursor.
    fn find(&mut self, segments: &[Segment<'_>]) -> Option<usize> {
        let (first, rest) = segments.split_first()?;
        match first {
            Segment::Key(want) => {
                self.eat(b'{')?;
                loop {
                    if self.peek()? == b'}' {
                        return None;
                    }
                    self.ws();
                    let at = self.i;
                    let key = self.string()?;
                    self.eat(b':')?;
                    if key == *want {
                        return if rest.is_empty() { Some(at) } else { self.find(rest) };
                    }
                    self.skip_value()?;
                    self.eat(b',')?;
                }
            }
            Segment::Index(want) => {
                self.eat(b'[')?;
                for index in 0.. {
                    if self.peek()? == b']' {
                        return None;
                    }
                    if index == *want {
                        return if rest.is_empty() { Some(self.i) } else { self.find(rest) };
                    }
                    self.skip_value()?;
                    self.eat(b',')?;
                }
                None
            }
        }
    }

    /// A string under the cursor, unescaped.
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.skip_string()?;
        serde_json::from_slice(&self.b[start..self.i]).ok()
    }

    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            match self.b.get(self.i)? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                _ => self.i += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                loop {
                    match self.peek()? {
                        c if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' | b':' => self.i += 1,
                        _ => self.skip_value()?,
                    }
                }
            }
            _ => {
                // A number, true, false or null: up to the next delimiter.
                while self.b.get(self.i).is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace()) {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_array_elements() {
        let text = "{\n  \"proxy\": {\"a\": [1, {\"x\": \"}\"}], \"connect_timeout_ms\": 0},\n  \"codex\": {\"configs\": {\"m\": {\"upstreams\": [{}, {\"base_url\": \"ftp://x\"}]}}}\n}\n";
        assert_eq!(key_position(text.as_bytes(), "proxy.connect_timeout_ms"), Some((2, 35)));
        assert_eq!(key_position(text.as_bytes(), "codex.configs.m.upstreams[1].base_url"), Some((3, 50)));
        assert_eq!(key_position(text.as_bytes(), "codex.configs.m.upstreams[1]"), Some((3, 49)));
        assert_eq!(key_position(text.as_bytes(), "proxy.missing"), None);
        assert_eq!(key_position(text.as_bytes(), "codex.configs.m.upstreams[5]"), None);
    }

    #[test]
    fn quoted_segments_hold_dots() {
        let text = "{\"prices\": {\"gpt-5\": {}, \"gpt-5.1\": {\"input\": -1}}}";
        let key = format!("prices.{}.input", quoted("gpt-5.1"));
        assert_eq!(key, "prices.\"gpt-5.1\".input");
        assert_eq!(key_position(text.as_bytes(), &key), Some((1, 38)));
        assert_eq!(quoted("gpt-5"), "gpt-5");
        assert_eq!(key_position(text.as_bytes(), "prices.gpt-5"), Some((1, 13)));
    }

    #[test]
    fn escaped_keys_bom_and_non_ascii_columns() {
        let text = "\u{feff}{\"n\\u00e4me\": \"ü\", \"lb\": {\"cooldown_ms\": 5}}";
        assert_eq!(key_position(text.as_bytes(), "lb.cooldown_ms"), Some((1, 27)));
        assert_eq!(key_position(text.as_bytes(), "näme"), Some((1, 2)));
    }
}
