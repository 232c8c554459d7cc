//! Server-sent events framing, just enough to forward whole events and to
//! recognise the few event types the proxy cares about.
//!
//! Lines end in `\n` or `\r\n`; an empty line ends an event. Fields other
//! than `event` and `data` are ignored (the client still receives them).
//!
//! Framing is linear: a [`Scanner`] remembers how far it has looked, so a
//! body that arrives in many pieces without an event boundary is searched
//! once, not once per piece (issue 9 #4: that was quadratic).
//!
//! Hand-written rather than an SSE crate's parser on purpose: the proxy
//! passes the upstream's bytes through unchanged, so it needs the byte
//! offsets where each event ends (to forward whole events, and to cut a
//! stream cleanly at a fault), not decoded events that would have to be
//! re-encoded. The crates we looked at (eventsource-stream, sse-stream)
//! only hand out decoded events.

use memchr::memchr;

/// The largest event the proxy holds back waiting for its end. Real events
/// are far smaller (a big tool call's arguments are well under 1 MiB); a
/// body that goes past this without a blank line is not SSE we can forward
/// event by event, and holding more would let one upstream grow our memory
/// without bound.
pub const MAX_EVENT: usize = 8 << 20;

/// Finds event boundaries in a buffer that only grows at its end until its
/// front is consumed; each byte is looked at once.
#[derive(Debug, Default, Clone)]
pub struct Scanner {
    /// Where the current, unfinished line starts.
    line_start: usize,
    /// How far the buffer has been searched for a line end: a long line
    /// arriving in pieces is not searched again from its start.
    scanned: usize,
}

impl Scanner {
    /// The offset just past the last complete event in `buf`, looking only
    /// at bytes not seen by an earlier call. `buf` must be the same buffer
    /// (with bytes appended) since the last [`Scanner::consume`].
    pub fn last_event_end(&mut self, buf: &[u8]) -> Option<usize> {
        let mut end = None;
        let mut from = self.search_start();
        while let Some(nl) = memchr(b'\n', &buf[from..]) {
            let nl = from + nl;
            let line = &buf[self.line_start..nl];
            if line.is_empty() || line == b"\r" {
                end = Some(nl + 1);
            }
            self.line_start = nl + 1;
            from = nl + 1;
        }
        self.scanned = buf.len();
        end
    }

    /// Where the next call starts looking: past every byte already seen.
    fn search_start(&self) -> usize {
        self.scanned.max(self.line_start)
    }

    /// The caller removed the first `n` bytes (up to an event end).
    pub fn consume(&mut self, n: usize) {
        self.line_start = self.line_start.saturating_sub(n);
        self.scanned = self.scanned.saturating_sub(n);
    }

    /// The caller dropped its whole buffer.
    pub fn reset(&mut self) {
        *self = Scanner::default();
    }
}

/// The offset just past the last complete event in `buf`, if any.
pub fn last_event_end(buf: &[u8]) -> Option<usize> {
    Scanner::default().last_event_end(buf)
}

/// One complete event, borrowed from the buffer.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Event<'a> {
    /// The `event:` field, if present.
    pub name: Option<&'a str>,
    /// The `data:` lines; almost always one.
    pub data: Vec<&'a [u8]>,
}

impl Event<'_> {
    /// The event's type: its `event:` name, else the JSON `"type"` of its
    /// data (OpenAI streams sometimes omit `event:`).
    pub fn kind(&self) -> Option<&str> {
        self.name.or_else(|| self.data.first().and_then(|d| json_type(d)))
    }

    /// The data lines joined by `\n`, as the SSE spec says.
    pub fn data_joined(&self) -> Vec<u8> {
        self.data.join(&b'\n')
    }
}

/// Calls `f(event, end_offset)` for each complete event in `buf`, in order.
pub fn for_each_event<'a>(buf: &'a [u8], mut f: impl FnMut(Event<'a>, usize)) {
    let mut pos = 0;
    let mut event = Event::default();
    let mut has_fields = false;
    while let Some(nl) = memchr(b'\n', &buf[pos..]) {
        let line_end = pos + nl;
        let mut line = &buf[pos..line_end];
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        pos = line_end + 1;
        if line.is_empty() {
            if has_fields {
                f(std::mem::take(&mut event), pos);
                has_fields = false;
            } else {
                // A blank line on its own still ends "an event" for framing
                // purposes: forwarding up to here is safe.
                f(Event::default(), pos);
            }
            continue;
        }
        has_fields = true;
        if let Some(value) = field(line, b"data") {
            event.data.push(value);
        } else if let Some(value) = field(line, b"event") {
            event.name = std::str::from_utf8(value).ok();
        }
    }
}

/// `name: value` or `name:value` → value.
fn field<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let rest = line.strip_prefix(name)?.strip_prefix(b":")?;
    Some(rest.strip_prefix(b" ").unwrap_or(rest))
}

/// The top-level `"type"` of a JSON object, without parsing it. Nested
/// `"type"`s (a chat tool call's `"type":"function"`, a response's output
/// items) are skipped: taking the first one anywhere misread data-only
/// streams. Cheap: one pass, no allocation.
pub fn json_type(data: &[u8]) -> Option<&str> {
    top_level_key(data, b"type").and_then(|v| {
        let v = v.strip_prefix(b"\"")?;
        let end = memchr(b'"', v)?;
        std::str::from_utf8(&v[..end]).ok()
    })
}

/// Whether a JSON object has this key at its top level.
pub fn has_top_level_key(data: &[u8], key: &[u8]) -> bool {
    top_level_key(data, key).is_some()
}

/// The text right after `"key":` (whitespace skipped) for a key of the
/// outermost object.
fn top_level_key<'a>(data: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'"' => {
                let start = i + 1;
                let end = string_end(data, start)?;
                i = end + 1;
                if depth == 1 && &data[start..end] == key {
                    let rest = trim_start(&data[i..]);
                    if let Some(value) = rest.strip_prefix(b":") {
                        return Some(trim_start(value));
                    }
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote that closes a JSON string starting at `start`.
fn string_end(data: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let off = memchr::memchr2(b'"', b'\\', &data[at..])?;
        at += off;
        if data[at] == b'\\' {
            at += 2;
            if at > data.len() {
                return None;
            }
        } else {
            return Some(at);
        }
    }
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(buf: &[u8]) -> Vec<(Option<String>, String, usize)> {
        let mut out = vec![];
        for_each_event(buf, |e, end| {
            if e.name.is_some() || !e.data.is_empty() {
                out.push((e.name.map(str::to_string), String::from_utf8(e.data_joined()).unwrap(), end));
            }
        });
        out
    }

    #[test]
    fn splits_complete_events_and_leaves_the_tail() {
        let buf = b"event: a\ndata: {\"x\":1}\n\nevent: b\r\ndata:2\r\n\r\nevent: c\ndata: par";
        let events = collect(buf);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].0.as_deref(), Some("a"));
        assert_eq!(events[0].1, "{\"x\":1}");
        assert_eq!(events[1].1, "2");
        assert_eq!(last_event_end(buf), Some(events[1].2));
        assert_eq!(&buf[events[1].2..], b"event: c\ndata: par");
    }

    #[test]
    fn no_boundary_means_nothing_complete() {
        assert_eq!(last_event_end(b"data: {\"a\":"), None);
        assert_eq!(last_event_end(b""), None);
    }

    #[test]
    fn multi_line_data_is_joined() {
        let events = collect(b"data: one\ndata: two\n\n");
        assert_eq!(events[0].1, "one\ntwo");
    }

    #[test]
    fn kind_falls_back_to_json_type() {
        let mut seen = vec![];
        for_each_event(b"data: {\"type\": \"response.completed\",\"x\":1}\n\n", |e, _| {
            seen.push(e.kind().map(str::to_string))
        });
        assert_eq!(seen, vec![Some("response.completed".to_string())]);
        assert_eq!(json_type(b"{\"a\":{\"type\":\"inner\"}}"), None, "nested types are not the event's");
        assert_eq!(json_type(br#"{"a":"\"type\":\"x\"","b":[{"type":"y"}],"type" : "top"}"#), Some("top"));
        assert!(has_top_level_key(br#"{"choices":[]}"#, b"choices"));
        assert!(!has_top_level_key(br#"{"x":{"choices":[]}}"#, b"choices"));
        assert_eq!(json_type(b"{}"), None);
    }

    #[test]
    fn the_scanner_finds_boundaries_across_pieces_without_rescanning() {
        let body = b"data: 1\n\ndata: 2\r\n\r\ndata: 3\n";
        let mut scanner = Scanner::default();
        let mut buf = Vec::new();
        let mut ends = vec![];
        let mut consumed = 0;
        for piece in body.chunks(3) {
            buf.extend_from_slice(piece);
            if let Some(end) = scanner.last_event_end(&buf) {
                ends.push(consumed + end);
                buf.drain(..end);
                scanner.consume(end);
                consumed += end;
            }
        }
        assert_eq!(ends, vec![9, 20]);
        assert_eq!(buf, b"data: 3\n");
    }

    #[test]
    fn a_long_line_in_many_pieces_is_searched_once() {
        // Issue 9 #4: each piece used to rescan the whole unfinished line
        // (quadratic). Each call must start where the last one stopped.
        let mut scanner = Scanner::default();
        let mut buf = Vec::new();
        for _ in 0..1000 {
            let seen = buf.len();
            buf.extend_from_slice(&[b'x'; 100]);
            assert_eq!(scanner.search_start(), seen, "only new bytes are searched");
            assert_eq!(scanner.last_event_end(&buf), None);
        }
        buf.extend_from_slice(b"\n\n");
        assert_eq!(scanner.last_event_end(&buf), Some(buf.len()));
    }
}
