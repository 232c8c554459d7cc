//! Server-sent events framing, just enough to forward whole events and to
//! recognise the few event types the proxy cares about.
//!
//! Lines end in `\n` or `\r\n`; an empty line ends an event. Fields other
//! than `event` and `data` are ignored (the client still receives them).

use memchr::{memchr, memmem};

/// The offset just past the last complete event in `buf`, if any.
pub fn last_event_end(buf: &[u8]) -> Option<usize> {
    let mut end = None;
    for_each_event(buf, |_, stop| end = Some(stop));
    end
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

/// The value of the first `"type":"…"` in a JSON text, without parsing it.
/// Event payloads put `type` first, so this stays cheap on large events.
pub fn json_type(data: &[u8]) -> Option<&str> {
    let at = memmem::find(data, b"\"type\"")? + 6;
    let rest = &data[at..];
    let rest = trim_start(rest).strip_prefix(b":")?;
    let rest = trim_start(rest).strip_prefix(b"\"")?;
    let end = memchr(b'"', rest)?;
    std::str::from_utf8(&rest[..end]).ok()
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
        assert_eq!(json_type(b"{\"a\":{\"type\":\"inner\"}}"), Some("inner"));
        assert_eq!(json_type(b"{}"), None);
    }
}
