//! The cheap parts of finding sessions, shared by both clients: listing
//! candidate files newest first (names and mtimes only, no reads), reading
//! the head of a file line by line within a byte budget, and deciding
//! whether a recorded working directory lies inside the project directory.
//!
//! Everything here exists so that 10,000 session files can be listed in well
//! under a second: files are opened lazily in newest-first order, and each
//! one is read only as far as needed.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

/// A session file not yet opened.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub path: PathBuf,
    pub modified_at_ms: i64,
}

impl Candidate {
    /// `None` when the file vanished or its metadata can't be read.
    pub fn stat(path: PathBuf) -> Option<Candidate> {
        let modified = fs::metadata(&path).ok()?.modified().ok()?;
        let modified_at_ms = modified.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        Some(Candidate { path, modified_at_ms })
    }
}

/// Newest first; equal mtimes (common right after a copy) fall back to the
/// file name, which for Codex carries the start time.
pub(crate) fn sort_newest_first(candidates: &mut [Candidate]) {
    candidates.sort_unstable_by(|a, b| b.modified_at_ms.cmp(&a.modified_at_ms).then_with(|| b.path.cmp(&a.path)));
}

/// One line from [`HeadReader`].
#[derive(Debug, PartialEq)]
pub(crate) enum Line {
    /// The whole line, without its newline.
    Full(Vec<u8>),
    /// Only the first bytes of a line longer than allowed; the rest of it is
    /// skipped by the next call.
    Cut(Vec<u8>),
}

/// Reads a file's lines from the start, never more than `budget` bytes in
/// total, so a huge session costs no more than a small one.
pub(crate) struct HeadReader {
    reader: BufReader<File>,
    used: usize,
    budget: usize,
    skipping: bool,
}

impl HeadReader {
    pub fn open(path: &Path, budget: usize) -> Option<HeadReader> {
        let file = File::open(path).ok()?;
        // Small buffer: most files are rejected after their first line.
        Some(HeadReader { reader: BufReader::with_capacity(8 * 1024, file), used: 0, budget, skipping: false })
    }

    /// Raise the total budget (after a file turned out to be interesting).
    pub fn extend_budget(&mut self, budget: usize) {
        self.budget = self.budget.max(budget);
    }

    /// The next line, cut at `max_line` bytes; `None` at the end of the file,
    /// on a read error, or when the budget is spent.
    pub fn next_line(&mut self, max_line: usize) -> Option<Line> {
        if self.skipping && !self.skip_rest_of_line() {
            return None;
        }
        let mut line = Vec::new();
        loop {
            let left = self.budget.saturating_sub(self.used);
            let buf = if left == 0 { &[][..] } else { self.reader.fill_buf().ok()? };
            if buf.is_empty() {
                if line.is_empty() {
                    return None;
                }
                if left == 0 {
                    self.skipping = true;
                    return Some(Line::Cut(line));
                }
                // A last line without a newline may be half-written; the
                // caller's parser decides.
                return Some(Line::Full(line));
            }
            let avail = &buf[..buf.len().min(left)];
            let room = max_line - line.len();
            match memchr::memchr(b'\n', avail) {
                Some(i) if i <= room => {
                    line.extend_from_slice(&avail[..i]);
                    self.reader.consume(i + 1);
                    self.used += i + 1;
                    return Some(Line::Full(line));
                }
                _ if room == 0 => {
                    self.skipping = true;
                    return Some(Line::Cut(line));
                }
                _ => {
                    let n = avail.len().min(room);
                    line.extend_from_slice(&avail[..n]);
                    self.reader.consume(n);
                    self.used += n;
                }
            }
        }
    }

    /// Consume up to and including the next newline; false if the file or
    /// the budget ended first.
    fn skip_rest_of_line(&mut self) -> bool {
        loop {
            let left = self.budget.saturating_sub(self.used);
            if left == 0 {
                return false;
            }
            let Ok(buf) = self.reader.fill_buf() else { return false };
            if buf.is_empty() {
                return false;
            }
            let avail = &buf[..buf.len().min(left)];
            let (n, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            self.reader.consume(n);
            self.used += n;
            if done {
                self.skipping = false;
                return true;
            }
        }
    }
}

/// Decides whether a session's recorded cwd is the project directory or
/// inside it, comparing canonical paths where the cwd still exists.
pub(crate) struct DirMatcher {
    dir: PathBuf,
    /// Sessions of one project share a handful of cwds: canonicalize each
    /// distinct one once.
    memo: HashMap<String, Option<PathBuf>>,
}

impl DirMatcher {
    /// `dir` must already be canonical.
    pub fn new(dir: PathBuf) -> DirMatcher {
        DirMatcher { dir, memo: HashMap::new() }
    }

    /// The resolved cwd when it is `dir` or below it (path components, so
    /// `/a/b` holds `/a/b/c` but not `/a/bc`).
    pub fn accept(&mut self, cwd: &str) -> Option<PathBuf> {
        if let Some(hit) = self.memo.get(cwd) {
            return hit.clone();
        }
        let resolved = resolve(Path::new(cwd)).filter(|p| p.starts_with(&self.dir));
        self.memo.insert(cwd.to_string(), resolved.clone());
        resolved
    }
}

/// The canonical path when it exists, else the lexically normalized one
/// (sessions outlive deleted or moved directories). `None` if relative.
fn resolve(cwd: &Path) -> Option<PathBuf> {
    if !cwd.is_absolute() {
        return None;
    }
    Some(fs::canonicalize(cwd).unwrap_or_else(|_| normalize_lexically(cwd)))
}

/// Drop `.` and apply `..` without touching the file system.
pub(crate) fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_over(text: &str, budget: usize) -> (tempfile::TempDir, HeadReader) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        fs::write(&path, text).unwrap();
        let r = HeadReader::open(&path, budget).unwrap();
        (dir, r)
    }

    #[test]
    fn head_reader_cuts_long_lines_and_resumes_at_the_next() {
        let (_d, mut r) = reader_over("0123456789\nab\nlast", 1000);
        assert_eq!(r.next_line(4), Some(Line::Cut(b"0123".to_vec())));
        assert_eq!(r.next_line(4), Some(Line::Full(b"ab".to_vec())));
        assert_eq!(r.next_line(4), Some(Line::Full(b"last".to_vec())));
        assert_eq!(r.next_line(4), None);
    }

    #[test]
    fn head_reader_stops_at_the_budget() {
        let (_d, mut r) = reader_over("aaaa\nbbbb\ncccc\n", 7);
        assert_eq!(r.next_line(100), Some(Line::Full(b"aaaa".to_vec())));
        assert_eq!(r.next_line(100), Some(Line::Cut(b"bb".to_vec())));
        assert_eq!(r.next_line(100), None);
        r.extend_budget(100);
        assert_eq!(r.next_line(100), Some(Line::Full(b"cccc".to_vec())));
    }

    #[test]
    fn matcher_compares_path_components_not_strings() {
        let root = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(root.path()).unwrap();
        fs::create_dir_all(base.join("proj/sub")).unwrap();
        fs::create_dir_all(base.join("project2")).unwrap();
        let mut m = DirMatcher::new(base.join("proj"));
        let s = |p: &str| base.join(p).to_string_lossy().into_owned();
        assert_eq!(m.accept(&s("proj")), Some(base.join("proj")));
        assert_eq!(m.accept(&s("proj/sub")), Some(base.join("proj/sub")));
        assert_eq!(m.accept(&s("project2")), None);
        // Gone from disk: compared lexically.
        assert_eq!(m.accept(&s("proj/gone/../deleted")), Some(base.join("proj/deleted")));
        assert_eq!(m.accept("relative/proj"), None);
    }

    #[test]
    fn matcher_follows_symlinks_in_recorded_cwds() {
        let root = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(root.path()).unwrap();
        fs::create_dir_all(base.join("real/proj")).unwrap();
        std::os::unix::fs::symlink(base.join("real"), base.join("link")).unwrap();
        let mut m = DirMatcher::new(base.join("real/proj"));
        let via_link = base.join("link/proj").to_string_lossy().into_owned();
        assert_eq!(m.accept(&via_link), Some(base.join("real/proj")));
    }
}
