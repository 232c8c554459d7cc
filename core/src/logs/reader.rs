//! Reading `requests.jsonl` back: the last N lines (backwards, in chunks,
//! spanning into rotated files), following new lines across rotation, and a
//! readable one-line rendering of a record.
//!
//! Only whole lines are ever returned: a line still being written (no `\n`
//! yet) waits for its end, so a follower never prints half a record.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Local, TimeZone};

use super::record::RequestRecord;

/// Bytes read per step when scanning backwards.
const CHUNK: u64 = 64 * 1024;
/// After a rotation, keep reading the old file this long: a writer that
/// noticed the rename late may still flush its last lines there.
const DRAIN_OLD: Duration = Duration::from_secs(2);

/// `requests.jsonl.N`.
pub fn rotated(current: &Path, n: u32) -> PathBuf {
    let mut name = current.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// The existing log files, oldest first: `….N`, …, `….1`, then `current`.
pub fn log_files(current: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = (1..).map(|n| rotated(current, n)).take_while(|p| p.exists()).collect();
    files.reverse();
    if current.exists() {
        files.push(current.to_path_buf());
    }
    files
}

/// Where `line` (as a reader returned it: lossy UTF-8, no line end) is in
/// the log: the file (current or rotated) and its 1-based line number, the
/// last such line, newest file first. For a note about a bad line, which
/// the backwards tail finds without counting the lines before it; this
/// one-off scan runs only then. `None` if it is no longer there.
pub fn locate_line(current: &Path, line: &str) -> Option<(PathBuf, usize)> {
    use std::io::BufRead;
    for file in log_files(current).into_iter().rev() {
        let Ok(f) = File::open(&file) else { continue };
        let mut found = None;
        for (i, l) in io::BufReader::new(f).split(b'\n').enumerate() {
            let Ok(l) = l else { break };
            let l = l.strip_suffix(b"\r").unwrap_or(&l);
            if String::from_utf8_lossy(l) == line {
                found = Some(i + 1);
            }
        }
        if let Some(n) = found {
            return Some((file, n));
        }
    }
    None
}

/// The `service` of a raw log line, if it parses.
pub fn line_service(line: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Only {
        service: String,
    }
    serde_json::from_str::<Only>(line).ok().map(|o| o.service)
}

/// `2026-11-25 17:03:12  codex  POST /v1/responses  200  1.2s  main → https://relay/v1  in 123 / out 456 tok`
pub fn readable(rec: &RequestRecord) -> String {
    let when = Local
        .timestamp_millis_opt(rec.timestamp_ms as i64)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| rec.timestamp_ms.to_string());
    let status = if rec.status_code == 0 { "---".to_string() } else { rec.status_code.to_string() };
    let duration = if rec.duration_ms < 1000 {
        format!("{}ms", rec.duration_ms)
    } else {
        format!("{:.1}s", rec.duration_ms as f64 / 1000.0)
    };
    let mut s = format!("{when}  {}  {} {}  {status}  {duration}", rec.service, rec.method, rec.path);
    match (rec.config_name.is_empty(), rec.upstream_base_url.is_empty()) {
        (true, true) => {}
        (false, true) => s.push_str(&format!("  {}", rec.config_name)),
        (true, false) => s.push_str(&format!("  → {}", rec.upstream_base_url)),
        (false, false) => s.push_str(&format!("  {} → {}", rec.config_name, rec.upstream_base_url)),
    }
    if !rec.usage.is_empty() {
        s.push_str(&format!("  in {} / out {}", rec.usage.input_tokens, rec.usage.output_tokens));
        if rec.usage.reasoning_tokens > 0 {
            s.push_str(&format!(" / reasoning {}", rec.usage.reasoning_tokens));
        }
        s.push_str(" tok");
    }
    if rec.attempts.len() > 1 {
        s.push_str(&format!("  ↻ {} attempts", rec.attempts.len()));
    }
    if let Some(error) = rec.error.as_deref().filter(|e| !e.is_empty()) {
        s.push_str(&format!("  error: {error}"));
    }
    s
}

/// Calls `each` with the lines of `file[..end]`, last first, until it
/// returns false. Empty lines are skipped.
fn scan_back(file: &File, end: u64, mut each: impl FnMut(&[u8]) -> bool) -> io::Result<()> {
    let mut pos = end;
    // The tail of the line being assembled (bytes after the chunk start).
    let mut carry: Vec<u8> = Vec::new();
    let mut buf = Vec::new();
    while pos > 0 {
        let start = pos.saturating_sub(CHUNK);
        buf.resize((pos - start) as usize, 0);
        file.read_exact_at(&mut buf, start)?;
        pos = start;
        let mut cut = buf.len();
        for i in memchr::memrchr_iter(b'\n', &buf) {
            let mut line = buf[i + 1..cut].to_vec();
            line.append(&mut carry);
            cut = i;
            if !line.is_empty() && !each(&line) {
                return Ok(());
            }
        }
        let mut head = buf[..cut].to_vec();
        head.append(&mut carry);
        carry = head;
    }
    if !carry.is_empty() {
        each(&carry);
    }
    Ok(())
}

/// Offset just past the last `\n` in `file[..len]` (0 if none).
fn last_line_end(file: &File, len: u64) -> io::Result<u64> {
    let mut pos = len;
    let mut buf = Vec::new();
    while pos > 0 {
        let start = pos.saturating_sub(CHUNK);
        buf.resize((pos - start) as usize, 0);
        file.read_exact_at(&mut buf, start)?;
        if let Some(i) = memchr::memrchr(b'\n', &buf) {
            return Ok(start + i as u64 + 1);
        }
        pos = start;
    }
    Ok(0)
}

type Identity = (u64, u64);

fn identity(md: &fs::Metadata) -> Identity {
    (md.dev(), md.ino())
}

/// An open log file and how far into it we have read.
struct Cursor {
    file: File,
    identity: Identity,
    offset: u64,
    partial: Vec<u8>,
}

impl Cursor {
    fn open(path: &Path, offset: u64) -> io::Result<Cursor> {
        let file = File::open(path)?;
        let identity = identity(&file.metadata()?);
        Ok(Cursor { file, identity, offset, partial: Vec::new() })
    }

    /// Every whole line appended since the last call.
    fn read_new(&mut self, out: &mut Vec<String>) -> io::Result<()> {
        let mut buf = vec![0u8; CHUNK as usize];
        loop {
            let n = self.file.read_at(&mut buf, self.offset)?;
            if n == 0 {
                return Ok(());
            }
            self.offset += n as u64;
            let mut rest = &buf[..n];
            while let Some(i) = memchr::memchr(b'\n', rest) {
                self.partial.extend_from_slice(&rest[..i]);
                if !self.partial.is_empty() {
                    out.push(String::from_utf8_lossy(&self.partial).into_owned());
                }
                self.partial.clear();
                rest = &rest[i + 1..];
            }
            self.partial.extend_from_slice(rest);
        }
    }
}

/// Follows `requests.jsonl` like `tail -F`: new whole lines, exactly once,
/// across rotation (rename or delete + recreate) and truncation.
pub struct Follower {
    path: PathBuf,
    current: Option<Cursor>,
    /// The file we were reading before a rotation, read until the deadline.
    old: Option<(Cursor, Instant)>,
}

impl Follower {
    /// Start at the end of the last whole line of `path` (which need not
    /// exist yet: then its first line is the first one returned).
    pub fn open(path: &Path) -> io::Result<Follower> {
        let current = match File::open(path) {
            Ok(file) => {
                let md = file.metadata()?;
                let offset = last_line_end(&file, md.len())?;
                Some(Cursor { file, identity: identity(&md), offset, partial: Vec::new() })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        Ok(Follower { path: path.to_path_buf(), current, old: None })
    }

    /// The last `n` lines for which `keep` is true, oldest first, from
    /// before where following starts (so none is returned twice).
    pub fn tail(&self, n: usize, mut keep: impl FnMut(&str) -> bool) -> io::Result<Vec<String>> {
        let mut got: Vec<String> = Vec::new();
        if n == 0 {
            return Ok(got);
        }
        let mut take = |got: &mut Vec<String>, line: &[u8]| {
            let line = String::from_utf8_lossy(line);
            if keep(&line) {
                got.push(line.into_owned());
            }
            got.len() < n
        };
        if let Some(c) = &self.current {
            scan_back(&c.file, c.offset, |l| take(&mut got, l))?;
        }
        for k in 1.. {
            if got.len() >= n {
                break;
            }
            let file = match File::open(rotated(&self.path, k)) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(e) => return Err(e),
            };
            let len = file.metadata()?.len();
            scan_back(&file, len, |l| take(&mut got, l))?;
        }
        got.reverse();
        Ok(got)
    }

    /// Whole lines written since the last call, in order.
    pub fn poll(&mut self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        if let Some((old, until)) = &mut self.old {
            old.read_new(&mut out)?;
            if Instant::now() >= *until {
                self.old = None;
            }
        }
        if let Some(c) = &mut self.current {
            c.read_new(&mut out)?;
        }
        let md = match fs::metadata(&self.path) {
            Ok(md) => md,
            // Between a rename and the next write there is no file: wait.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        match &mut self.current {
            Some(c) if c.identity == identity(&md) => {
                if md.len() < c.offset {
                    // Truncated in place: start over from its beginning.
                    c.offset = 0;
                    c.partial.clear();
                    c.read_new(&mut out)?;
                }
            }
            _ => {
                // A new file took the name: read it from its start.
                let mut fresh = match Cursor::open(&self.path, 0) {
                    Ok(c) => c,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
                    Err(e) => return Err(e),
                };
                fresh.read_new(&mut out)?;
                if let Some(previous) = self.current.replace(fresh) {
                    self.old = Some((previous, Instant::now() + DRAIN_OLD));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, lines: &[String]) {
        let mut f = fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
    }

    fn line(i: usize, service: &str) -> String {
        format!(r#"{{"timestamp_ms":{i},"service":"{service}","pad":"{}"}}"#, "x".repeat(i % 50))
    }

    #[test]
    fn tail_spans_rotated_files_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let cur = dir.path().join("requests.jsonl");
        // Enough lines that the backwards scan crosses several chunk boundaries.
        let all: Vec<String> = (0..3000).map(|i| line(i, if i % 3 == 0 { "claude" } else { "codex" })).collect();
        append(&rotated(&cur, 2), &all[..1000]);
        append(&rotated(&cur, 1), &all[1000..2000]);
        append(&cur, &all[2000..2005]);
        let f = Follower::open(&cur).unwrap();
        assert_eq!(f.tail(3, |_| true).unwrap(), all[2002..2005].to_vec());
        assert_eq!(f.tail(1500, |_| true).unwrap(), all[505..2005].to_vec());
        let claude = f.tail(4, |l| line_service(l).as_deref() == Some("claude")).unwrap();
        let want: Vec<String> = all[..2005].iter().filter(|l| l.contains("claude")).cloned().collect();
        assert_eq!(claude, want[want.len() - 4..].to_vec());
        assert_eq!(f.tail(10_000, |_| true).unwrap().len(), 2005);
        assert_eq!(log_files(&cur), vec![rotated(&cur, 2), rotated(&cur, 1), cur.clone()]);
    }

    #[test]
    fn follow_waits_for_whole_lines_and_survives_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let cur = dir.path().join("requests.jsonl");
        let mut f = Follower::open(&cur).unwrap();
        assert!(f.poll().unwrap().is_empty());
        append(&cur, &[line(1, "codex")]);
        assert_eq!(f.poll().unwrap(), vec![line(1, "codex")]);
        // Half a line is held back until its newline arrives.
        let mut h = fs::OpenOptions::new().append(true).open(&cur).unwrap();
        h.write_all(b"{\"timestamp_ms\":2,").unwrap();
        assert!(f.poll().unwrap().is_empty());
        h.write_all(b"\"service\":\"codex\"}\n").unwrap();
        assert_eq!(f.poll().unwrap(), vec![r#"{"timestamp_ms":2,"service":"codex"}"#.to_string()]);
        // Rotation: a line lands in the old file just before the rename.
        append(&cur, &[line(3, "codex")]);
        fs::rename(&cur, rotated(&cur, 1)).unwrap();
        assert_eq!(f.poll().unwrap(), vec![line(3, "codex")]);
        append(&cur, &[line(4, "codex")]);
        append(&rotated(&cur, 1), &[line(5, "late")]);
        assert_eq!(f.poll().unwrap(), vec![line(5, "late"), line(4, "codex")]);
        // Truncation in place (noticed while the file is shorter than what we read).
        fs::write(&cur, "").unwrap();
        assert!(f.poll().unwrap().is_empty());
        append(&cur, &[line(6, "codex")]);
        assert_eq!(f.poll().unwrap(), vec![line(6, "codex")]);
        assert!(f.poll().unwrap().is_empty());
    }

    #[test]
    fn tail_excludes_a_partial_last_line_that_follow_then_returns() {
        let dir = tempfile::tempdir().unwrap();
        let cur = dir.path().join("requests.jsonl");
        fs::write(&cur, "{\"a\":1}\n{\"b\":").unwrap();
        let mut f = Follower::open(&cur).unwrap();
        assert_eq!(f.tail(5, |_| true).unwrap(), vec!["{\"a\":1}".to_string()]);
        append(&cur, &["2}".to_string()]);
        assert_eq!(f.poll().unwrap(), vec!["{\"b\":2}".to_string()]);
    }

    #[test]
    fn readable_line_shows_the_essentials() {
        let mut r = RequestRecord::new("codex", "POST", "/v1/responses");
        r.status_code = 502;
        r.duration_ms = 1234;
        r.config_name = "main".into();
        r.upstream_base_url = "https://relay/v1".into();
        r.usage.input_tokens = 123;
        r.usage.output_tokens = 456;
        r.attempts = vec![Default::default(), Default::default()];
        r.error = Some("upstream reset".into());
        let s = readable(&r);
        assert!(s.contains("  codex  POST /v1/responses  502  1.2s  main → https://relay/v1  in 123 / out 456 tok  ↻ 2 attempts  error: upstream reset"), "{s}");
        assert_eq!(s.as_bytes()[4], b'-');
    }
}
