//! The load driver's view of an event stream, in either API's format (the
//! Responses API's for Codex, the Messages API's for Claude Code): split
//! the bytes into events (chunks may cut anywhere), and check that the
//! numbered events the mock upstream sent arrived exactly once, in order,
//! up to the terminal event (`response.completed`, `message_stop`). A proxy
//! that loses, repeats or reorders an event is a fault the bench must
//! report, whatever its speed.

use serde::Serialize;

/// Which API an answer is in, told by the request's path as the proxy
/// tells it: `…/messages` is Claude Code's Messages API, anything else the
/// Responses API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    Responses,
    Messages,
}

impl Dialect {
    /// The dialect of a request for `path` (a query is ignored).
    pub fn of_path(path: &str) -> Dialect {
        let path = path.split('?').next().unwrap_or(path);
        if path.ends_with("/messages") {
            Dialect::Messages
        } else {
            Dialect::Responses
        }
    }

    /// The events of a stream of `deltas` content events: the Responses
    /// API opens with one and closes with one; the Messages API opens with
    /// `message_start` and `content_block_start` and closes with
    /// `content_block_stop`, `message_delta` (the usage) and `message_stop`.
    pub fn total_events(self, deltas: u64) -> u64 {
        match self {
            Dialect::Responses => deltas + 2,
            Dialect::Messages => deltas + 5,
        }
    }

    /// The number of the first content event.
    pub fn first_delta(self) -> u64 {
        match self {
            Dialect::Responses => 1,
            Dialect::Messages => 2,
        }
    }
}

/// One event: its `event:` name (if any) and its `data:` lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: Option<String>,
    pub data: String,
}

/// Splits a byte stream into events at blank lines (`\n\n` or `\r\n\r\n`).
/// Scanning resumes where the previous chunk's scan stopped, so a large
/// event split over many chunks is not rescanned from its start.
#[derive(Debug, Default)]
pub struct EventSplitter {
    buf: Vec<u8>,
    scanned: usize,
}

impl EventSplitter {
    /// Appends `chunk` and returns every event it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Event> {
        self.buf.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut start = 0;
        let mut i = self.scanned.max(1);
        while i < self.buf.len() {
            if self.buf[i] == b'\n' && (self.buf[i - 1] == b'\n' || (i >= 3 && &self.buf[i - 3..=i] == b"\r\n\r\n")) {
                if let Some(ev) = parse_event(&self.buf[start..=i]) {
                    events.push(ev);
                }
                start = i + 1;
            }
            i += 1;
        }
        self.buf.drain(..start);
        // Keep one byte of look-behind for a boundary cut between two `\n`.
        self.scanned = self.buf.len();
        events
    }

    /// Bytes received after the last complete event (a stream cut mid-event).
    pub fn pending(&self) -> usize {
        self.buf.iter().filter(|b| !b.is_ascii_whitespace()).count()
    }
}

fn parse_event(raw: &[u8]) -> Option<Event> {
    let text = String::from_utf8_lossy(raw);
    let mut name = None;
    let mut data: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(v) = line.strip_prefix("event:") {
            name = Some(v.trim_start().to_owned());
        } else if let Some(v) = line.strip_prefix("data:") {
            let v = v.strip_prefix(' ').unwrap_or(v);
            match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(v);
                }
                None => data = Some(v.to_owned()),
            }
        }
    }
    // A comment-only or empty block is not an event.
    if name.is_none() && data.is_none() {
        return None;
    }
    Some(Event { name, data: data.unwrap_or_default() })
}

/// What one event carries for the checker: its type and sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    pub kind: String,
    pub seq: Option<u64>,
}

impl Numbered {
    pub fn of(event: &Event) -> Numbered {
        let value: serde_json::Value = serde_json::from_str(&event.data).unwrap_or(serde_json::Value::Null);
        let kind = value["type"].as_str().map(str::to_owned).or_else(|| event.name.clone()).unwrap_or_default();
        Numbered { kind, seq: value["sequence_number"].as_u64() }
    }

    /// A content event: the first one is the "time to first content".
    pub fn is_content(&self) -> bool {
        self.kind == "response.output_text.delta" || self.kind == "content_block_delta"
    }

    /// The stream's terminal event.
    pub fn is_completed(&self) -> bool {
        self.kind == "response.completed" || self.kind == "message_stop"
    }
}

/// Integrity counts over one or many streams.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Integrity {
    pub streams: u64,
    /// Streams that ended with `response.completed`.
    pub completed: u64,
    pub events: u64,
    /// Sequence numbers the upstream sent that never arrived.
    pub lost: u64,
    /// Events whose sequence number had already arrived.
    pub duplicated: u64,
    /// Events that arrived after a later-numbered one.
    pub reordered: u64,
    /// Events without a sequence number, or with one out of range.
    pub malformed: u64,
}

impl Integrity {
    /// Checks one stream that should carry `0..expected`, in order.
    pub fn of_stream(seqs: &[Option<u64>], expected: u64, completed: bool) -> Integrity {
        let mut seen = vec![false; expected as usize];
        let mut out = Integrity { streams: 1, completed: u64::from(completed), ..Integrity::default() };
        let mut max: Option<u64> = None;
        for seq in seqs {
            out.events += 1;
            let Some(s) = *seq else {
                out.malformed += 1;
                continue;
            };
            if s >= expected {
                out.malformed += 1;
            } else if seen[s as usize] {
                out.duplicated += 1;
            } else {
                if max.is_some_and(|m| s < m) {
                    out.reordered += 1;
                }
                seen[s as usize] = true;
                max = Some(max.map_or(s, |m| m.max(s)));
            }
        }
        out.lost = seen.iter().filter(|s| !**s).count() as u64;
        out
    }

    pub fn add(&mut self, other: &Integrity) {
        self.streams += other.streams;
        self.completed += other.completed;
        self.events += other.events;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.reordered += other.reordered;
        self.malformed += other.malformed;
    }

    /// Every stream complete, every event once and in order.
    pub fn is_clean(&self) -> bool {
        self.streams > 0
            && self.completed == self.streams
            && self.lost == 0
            && self.duplicated == 0
            && self.reordered == 0
            && self.malformed == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64, kind: &str) -> String {
        format!("event: {kind}\ndata: {{\"type\":\"{kind}\",\"sequence_number\":{seq}}}\n\n")
    }

    fn stream(seqs: &[u64]) -> String {
        seqs.iter().map(|s| ev(*s, "response.output_text.delta")).collect()
    }

    fn split_all(bytes: &[u8], chunk: usize) -> Vec<Numbered> {
        let mut splitter = EventSplitter::default();
        bytes.chunks(chunk).flat_map(|c| splitter.feed(c)).map(|e| Numbered::of(&e)).collect()
    }

    #[test]
    fn events_are_found_whatever_the_chunking() {
        let text = stream(&[0, 1, 2, 3, 4]) + &ev(5, "response.completed");
        for chunk in [1, 2, 3, 7, 64, 10_000] {
            let got = split_all(text.as_bytes(), chunk);
            assert_eq!(got.iter().map(|n| n.seq.unwrap()).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 5], "chunk {chunk}");
            assert!(got[5].is_completed() && got[0].is_content());
        }
    }

    #[test]
    fn crlf_boundaries_and_multiline_data_are_understood() {
        let text = "event: a\r\ndata: {\"type\":\"x\",\r\ndata: \"sequence_number\":7}\r\n\r\n: comment\n\n";
        let mut s = EventSplitter::default();
        let evs: Vec<Event> = text.as_bytes().chunks(1).flat_map(|c| s.feed(c)).collect();
        assert_eq!(evs.len(), 1);
        assert_eq!(Numbered::of(&evs[0]), Numbered { kind: "x".into(), seq: Some(7) });
        assert_eq!(s.pending(), 0);
    }

    #[test]
    fn a_cut_stream_leaves_pending_bytes() {
        let mut s = EventSplitter::default();
        assert_eq!(s.feed(b"data: {\"sequence_number\":1}\n\ndata: {\"seq").len(), 1);
        assert!(s.pending() > 0);
    }

    fn check(seqs: &[u64], expected: u64) -> Integrity {
        let seqs: Vec<Option<u64>> = seqs.iter().map(|s| Some(*s)).collect();
        Integrity::of_stream(&seqs, expected, true)
    }

    #[test]
    fn a_clean_stream_is_clean() {
        let i = check(&[0, 1, 2, 3], 4);
        assert!(i.is_clean(), "{i:?}");
        assert_eq!(i.events, 4);
    }

    #[test]
    fn a_lost_event_is_counted() {
        let i = check(&[0, 1, 3], 4);
        assert_eq!((i.lost, i.duplicated, i.reordered), (1, 0, 0));
        assert!(!i.is_clean());
        // Losing the tail counts too.
        assert_eq!(check(&[0, 1], 4).lost, 2);
    }

    #[test]
    fn a_duplicated_event_is_counted() {
        let i = check(&[0, 1, 1, 2, 3, 0], 4);
        assert_eq!((i.lost, i.duplicated, i.reordered), (0, 2, 0));
        assert!(!i.is_clean());
    }

    #[test]
    fn a_reordered_event_is_counted() {
        let i = check(&[0, 2, 1, 3], 4);
        assert_eq!((i.lost, i.duplicated, i.reordered), (0, 0, 1));
        assert!(!i.is_clean());
    }

    #[test]
    fn unnumbered_or_out_of_range_events_are_malformed() {
        let i = Integrity::of_stream(&[Some(0), None, Some(1), Some(9)], 2, true);
        assert_eq!(i.malformed, 2);
        assert!(!i.is_clean());
    }

    #[test]
    fn an_incomplete_stream_is_not_clean() {
        let i = Integrity::of_stream(&[Some(0), Some(1)], 2, false);
        assert!(!i.is_clean());
        let mut total = Integrity::default();
        total.add(&i);
        total.add(&check(&[0, 1], 2));
        assert_eq!((total.streams, total.completed), (2, 1));
    }
}
