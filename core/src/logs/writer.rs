//! The thread that appends [`RequestRecord`]s to `requests.jsonl`.
//!
//! Requests hand records to an unbounded channel and move on: logging never
//! blocks or fails a request. The thread drains whatever is queued, writes it
//! in one go, and flushes as soon as the queue is empty, so a line is on disk
//! milliseconds after its request ended without one syscall per line under
//! load. After each batch it naps for [`COALESCE`]: a sender only makes a
//! system call (a futex wake) when the thread is blocked waiting, so under
//! steady traffic requests hand over their lines for free and the thread
//! wakes a few hundred times a second instead of once per request.
//!
//! Rotation is by size: before a line would push the file past `max_bytes`,
//! `requests.jsonl` becomes `requests.jsonl.1` (older ones shift up, the
//! oldest is deleted) so there are at most `max_files` files. A line is never
//! split across files.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::record::RequestRecord;

/// Work that completes a record on the writer thread, before it is priced
/// and written (see [`RequestLog::record_then`]).
type Completion = Box<dyn FnOnce(&mut RequestRecord) + Send>;

enum Msg {
    Record(Box<RequestRecord>, Option<Completion>),
    /// Write and flush everything queued before this, then ack.
    Flush(Sender<()>),
    /// Write everything queued, then stop the thread.
    Shutdown,
}

/// Where requests send their records. Cheap to clone; never blocks.
#[derive(Clone, Debug)]
pub struct RequestLog {
    tx: Option<Sender<Msg>>,
}

/// Owns the writer thread; [`shutdown`](Self::shutdown) drains and joins it.
///
/// Dropping the handle without calling `shutdown` leaves the thread running
/// until every [`RequestLog`] clone is gone.
#[derive(Debug)]
pub struct LogWriterHandle {
    tx: Sender<Msg>,
    join: JoinHandle<()>,
}

impl RequestLog {
    /// Starts the writer thread for `path`. Nothing is opened until the first
    /// record, so starting never fails; write problems are logged as warnings.
    /// `max_bytes == 0` disables rotation; `max_files` counts the current file.
    pub fn start(path: PathBuf, max_bytes: u64, max_files: u32) -> (RequestLog, LogWriterHandle) {
        RequestLog::start_live(path, move || (max_bytes, max_files))
    }

    /// Like [`RequestLog::start`], asking `rotation` for `(max_bytes,
    /// max_files)` before each line, so edited settings apply at the next
    /// rotation (it runs on the writer thread, never a request's).
    pub fn start_live(
        path: PathBuf,
        rotation: impl Fn() -> (u64, u32) + Send + 'static,
    ) -> (RequestLog, LogWriterHandle) {
        RequestLog::start_finishing(path, rotation, |_| {})
    }

    /// Like [`RequestLog::start_live`], with `finish` completing each record
    /// on the writer thread just before it is written (the runtime prices it
    /// there: off the request path, at the prices of the moment).
    pub fn start_finishing(
        path: PathBuf,
        rotation: impl Fn() -> (u64, u32) + Send + 'static,
        finish: impl FnMut(&mut RequestRecord) + Send + 'static,
    ) -> (RequestLog, LogWriterHandle) {
        let (tx, rx) = mpsc::channel();
        let sink = Sink::new(path, Box::new(rotation));
        let join = std::thread::Builder::new()
            .name("codex-helper-log".into())
            .spawn(move || run(rx, sink, finish))
            .expect("spawning the request-log thread");
        (RequestLog { tx: Some(tx.clone()) }, LogWriterHandle { tx, join })
    }

    /// A log that drops every record (embedding, tests that don't care).
    pub fn disabled() -> RequestLog {
        RequestLog { tx: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.tx.is_some()
    }

    /// Queues one record. Never blocks and never fails: if the writer is gone
    /// the record is dropped, because a log line is not worth a failed request.
    pub fn record(&self, rec: RequestRecord) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Record(Box::new(rec), None));
        }
    }

    /// Like [`record`](Self::record), with `complete` filling in the rest of
    /// the record on the writer thread first: reading an answer for its
    /// usage costs more than forwarding it, and the client is owed the
    /// answer before the log is owed the line. Dropped unrun when the log
    /// is disabled.
    pub fn record_then(&self, rec: RequestRecord, complete: impl FnOnce(&mut RequestRecord) + Send + 'static) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Record(Box::new(rec), Some(Box::new(complete))));
        }
    }

    /// Waits (at most 5 s) until every record queued so far is on disk.
    /// Returns false on timeout or if the writer has stopped.
    pub fn flush_blocking(&self) -> bool {
        let Some(tx) = &self.tx else { return true };
        let (ack_tx, ack_rx) = mpsc::channel();
        if tx.send(Msg::Flush(ack_tx)).is_err() {
            return false;
        }
        ack_rx.recv_timeout(Duration::from_secs(5)).is_ok()
    }
}

impl LogWriterHandle {
    /// Writes everything queued so far (and anything still arriving while it
    /// drains), flushes, and waits for the thread to end. Records sent after
    /// the thread ended are dropped.
    pub fn shutdown(self) {
        let _ = self.tx.send(Msg::Shutdown);
        drop(self.tx);
        if self.join.join().is_err() {
            tracing::warn!("request-log thread panicked; some request lines may be missing");
        }
    }
}

fn run(rx: Receiver<Msg>, mut sink: Sink, mut finish: impl FnMut(&mut RequestRecord)) {
    // Blocks only while idle; everything after a wake-up is drained before flushing.
    while let Ok(first) = rx.recv() {
        let mut acks = Vec::new();
        let mut stop = false;
        let mut next = Some(first);
        while let Some(msg) = next {
            match msg {
                Msg::Record(mut rec, complete) => {
                    if let Some(complete) = complete {
                        complete(&mut rec);
                    }
                    finish(&mut rec);
                    scrub(&mut rec);
                    sink.push(&rec)
                }
                Msg::Flush(ack) => acks.push(ack),
                Msg::Shutdown => stop = true,
            }
            next = match rx.try_recv() {
                Ok(m) => Some(m),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => {
                    stop = true;
                    None
                }
            };
        }
        sink.flush();
        for ack in acks {
            let _ = ack.send(());
        }
        if stop {
            return;
        }
        std::thread::sleep(COALESCE);
    }
    sink.flush();
}

/// The writer's nap between batches (see the module header): long enough
/// to gather many lines per wake-up under load, short enough that a line is
/// still on disk a few milliseconds after its request.
const COALESCE: Duration = Duration::from_millis(2);

/// Flush early if a burst queues this much, to bound memory.
const MAX_BUFFER: usize = 256 * 1024;
/// How often to check whether someone else rotated or deleted the file.
const IDENTITY_CHECK: Duration = Duration::from_secs(1);
/// At most one warning per kind of I/O error per this long.
const WARN_EVERY: Duration = Duration::from_secs(60);

struct Sink {
    path: PathBuf,
    rotation: Box<dyn Fn() -> (u64, u32) + Send>,
    max_bytes: u64,
    max_files: u32,
    file: Option<File>,
    /// Size of the file on disk plus `buf`, i.e. what it will be after a flush.
    len: u64,
    /// Complete lines not yet written; only whole lines ever go to the file.
    buf: Vec<u8>,
    /// The line being serialized (reused).
    line: Vec<u8>,
    identity: Option<Identity>,
    last_identity_check: Instant,
    warned: HashMap<io::ErrorKind, Instant>,
}

impl Sink {
    fn new(path: PathBuf, rotation: Box<dyn Fn() -> (u64, u32) + Send>) -> Self {
        let (max_bytes, max_files) = rotation();
        Sink {
            path,
            rotation,
            max_bytes,
            max_files,
            file: None,
            len: 0,
            buf: Vec::new(),
            line: Vec::new(),
            identity: None,
            last_identity_check: Instant::now(),
            warned: HashMap::new(),
        }
    }

    fn push(&mut self, rec: &RequestRecord) {
        // One scratch buffer for every line rather than a fresh one each.
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        super::line::write(rec, &mut line);
        line.push(b'\n');
        self.push_line(&line);
        self.line = line;
    }

    fn push_line(&mut self, line: &[u8]) {
        (self.max_bytes, self.max_files) = (self.rotation)();

        if self.file.is_none() || self.last_identity_check.elapsed() >= IDENTITY_CHECK {
            self.check_identity();
        }
        if self.file.is_none() && !self.open() {
            return; // warned; the line is lost rather than kept growing in memory
        }
        let line_len = line.len() as u64;
        // `len > 0`: a single line bigger than max_bytes still goes into a fresh file whole.
        if self.max_bytes > 0 && self.len > 0 && self.len + line_len > self.max_bytes {
            self.flush();
            self.rotate();
            if self.file.is_none() && !self.open() {
                return;
            }
        }
        self.buf.extend_from_slice(line);
        self.len += line_len;
        if self.buf.len() >= MAX_BUFFER {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let Some(file) = self.file.as_mut() else {
            self.buf.clear();
            return;
        };
        if let Err(e) = file.write_all(&self.buf) {
            self.warn("cannot write to", &e);
            // Part of the batch may be on disk; reopening fixes up the line end.
            self.file = None;
        }
        self.buf.clear();
    }

    /// Opens (creating `logs/` 0700 and the file 0600) and positions `len`.
    fn open(&mut self) -> bool {
        match open_append(&self.path) {
            Ok((file, len, identity)) => {
                self.file = Some(file);
                self.len = len;
                self.identity = Some(identity);
                self.last_identity_check = Instant::now();
                true
            }
            Err(e) => {
                self.warn("cannot open", &e);
                false
            }
        }
    }

    /// If the file was moved or deleted behind our back (logrotate, a user
    /// clearing logs), drop our handle so the next line goes to a new file.
    fn check_identity(&mut self) {
        self.last_identity_check = Instant::now();
        if self.file.is_none() {
            return;
        }
        let now = fs::metadata(&self.path).ok().map(|m| identity_of(&m));
        if now.is_none() || now != self.identity {
            self.flush(); // these lines belong to the old file
            self.file = None;
        }
    }

    fn rotate(&mut self) {
        self.file = None;
        let keep = self.max_files.saturating_sub(1);
        let result = if keep == 0 {
            remove_if_exists(&self.path)
        } else {
            (|| {
                remove_if_exists(&numbered(&self.path, keep))?;
                for n in (1..keep).rev() {
                    rename_if_exists(&numbered(&self.path, n), &numbered(&self.path, n + 1))?;
                }
                rename_if_exists(&self.path, &numbered(&self.path, 1))
            })()
        };
        if let Err(e) = result {
            // Keep logging into the (over-size) current file rather than lose lines.
            self.warn("cannot rotate", &e);
        }
    }

    fn warn(&mut self, what: &str, e: &io::Error) {
        let now = Instant::now();
        let due = self.warned.get(&e.kind()).is_none_or(|at| now.duration_since(*at) >= WARN_EVERY);
        if due {
            self.warned.insert(e.kind(), now);
            tracing::warn!("request log: {what} {}: {e} (request lines are being dropped)", self.path.display());
        }
    }
}

/// `requests.jsonl.N`
fn numbered(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn rename_if_exists(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// (device, inode): changes when the file is replaced or recreated.
type Identity = (u64, u64);

fn identity_of(m: &fs::Metadata) -> Identity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        (0, 0)
    }
}

/// Opens `path` for appending; returns the file, its length and identity.
fn open_append(path: &Path) -> io::Result<(File, u64, Identity)> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            create_private_dir(dir)?;
        }
    }
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path)?;
    let meta = file.metadata()?;
    let mut len = meta.len();
    // A previous crash or a full disk can leave a partial last line; start
    // ours on a fresh line so it cannot be glued to (and break) that one.
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            file.write_all(b"\n")?; // append mode: goes to the end regardless of the seek
            len += 1;
        }
    }
    Ok((file, len, identity_of(&meta)))
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700); // applies to every directory it creates
    }
    b.create(dir)
}

/// The last line of defence for the log file: error texts came from
/// upstreams, which echo keys (scrubbed on entry too, see [`crate::redact`]).
fn scrub(rec: &mut RequestRecord) {
    // The model name is the answer's own word too (see `record_then`).
    if let Some(m) = rec.model.take() {
        rec.model = Some(crate::redact::scrub_owned(m));
    }
    if let Some(e) = rec.error.take() {
        rec.error = Some(crate::redact::scrub_owned(e));
    }
    for a in &mut rec.attempts {
        if let Some(e) = a.error.take() {
            a.error = Some(crate::redact::scrub_owned(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(i: usize) -> RequestRecord {
        let mut r = RequestRecord::new("codex", "POST", "/v1/responses");
        r.status_code = 200;
        r.duration_ms = i as u64;
        r.session_id = Some(format!("session-{i:05}"));
        r
    }

    fn lines(path: &Path) -> Vec<RequestRecord> {
        match fs::read_to_string(path) {
            Ok(text) => text.lines().map(|l| serde_json::from_str(l).expect(l)).collect(),
            Err(_) => Vec::new(),
        }
    }

    #[test]
    fn lines_are_on_disk_after_flush_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs").join("requests.jsonl");
        let (log, handle) = RequestLog::start(path.clone(), 0, 3);
        log.record(rec(1));
        log.clone().record(rec(2));
        assert!(log.flush_blocking());
        let got = lines(&path);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].duration_ms, 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
        handle.shutdown();
        log.record(rec(3)); // after shutdown: dropped, no panic
        assert!(!log.flush_blocking());
    }

    #[test]
    fn shutdown_drains_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let (log, handle) = RequestLog::start(path.clone(), 0, 3);
        for i in 0..1000 {
            log.record(rec(i));
        }
        handle.shutdown();
        let got = lines(&path);
        assert_eq!(got.len(), 1000);
        assert!(got.iter().enumerate().all(|(i, r)| r.duration_ms == i as u64), "in order");
    }

    #[test]
    fn rotation_keeps_max_files_whole_lines_newest_in_current() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let (log, handle) = RequestLog::start(path.clone(), 1024, 3);
        for i in 0..200 {
            log.record(rec(i));
            if i % 17 == 0 {
                assert!(log.flush_blocking()); // mix small and large batches
            }
        }
        handle.shutdown();

        let mut names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["requests.jsonl", "requests.jsonl.1", "requests.jsonl.2"]);

        // Every file parses line by line (no split lines) and stays within the cap.
        let current = lines(&path);
        let one = lines(&numbered(&path, 1));
        let two = lines(&numbered(&path, 2));
        for p in [path.clone(), numbered(&path, 1), numbered(&path, 2)] {
            assert!(fs::metadata(&p).unwrap().len() <= 1024, "{}", p.display());
        }
        // Oldest to newest is .2, .1, current, with no gaps, ending at the last record.
        let all: Vec<u64> = two.iter().chain(&one).chain(&current).map(|r| r.duration_ms).collect();
        assert_eq!(*all.last().unwrap(), 199);
        assert!(all.windows(2).all(|w| w[1] == w[0] + 1), "{all:?}");
        assert!(!current.is_empty() && !one.is_empty() && !two.is_empty());
    }

    #[test]
    fn reopens_after_external_delete_and_fixes_partial_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        fs::write(&path, b"{\"timestamp_ms\":1,\"serv").unwrap(); // a crash left half a line
        let (log, handle) = RequestLog::start(path.clone(), 0, 3);
        log.record(rec(1));
        assert!(log.flush_blocking());
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(serde_json::from_str::<RequestRecord>(text.lines().nth(1).unwrap()).is_ok());
        handle.shutdown();
    }

    /// The writer's sink, driven directly: its clock is std's, on the
    /// writer thread, which no test can pause; instead of sleeping past
    /// [`IDENTITY_CHECK`], the test moves its last check back.
    #[test]
    fn a_deleted_file_is_noticed_at_the_next_identity_check_and_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let mut sink = Sink::new(path.clone(), Box::new(|| (0, 3)));
        sink.push(&rec(1));
        sink.flush();
        assert_eq!(lines(&path).len(), 1);

        fs::remove_file(&path).unwrap();
        // Within IDENTITY_CHECK of the last look: no stat per line, the
        // line goes to the handle still open (the deleted file).
        sink.last_identity_check = Instant::now();
        sink.push(&rec(9));
        sink.flush();
        assert!(!path.exists(), "not noticed yet");
        // The interval has passed: the next line notices and reopens.
        sink.last_identity_check = Instant::now().checked_sub(IDENTITY_CHECK).unwrap();
        sink.push(&rec(2));
        sink.flush();
        let got = lines(&path);
        assert_eq!(got.len(), 1, "new file after delete");
        assert_eq!(got[0].duration_ms, 2);
    }

    #[test]
    fn a_completion_runs_on_the_writer_before_pricing_and_scrubbing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        // The "pricing" step records what it saw of the completed record.
        let (log, handle) = RequestLog::start_finishing(
            path.clone(),
            || (0, 3),
            |rec| {
                rec.cost_usd = Some(rec.usage.output_tokens as f64);
            },
        );
        let caller = std::thread::current().id();
        log.record_then(rec(1), move |rec| {
            assert_ne!(std::thread::current().id(), caller, "completions run on the writer's thread");
            rec.usage.output_tokens = 42;
            // An upstream that echoes a key where the model name goes.
            rec.model = Some("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789".into());
        });
        assert!(log.flush_blocking());
        let got = lines(&path);
        assert_eq!(got[0].usage.output_tokens, 42);
        assert_eq!(got[0].cost_usd, Some(42.0), "priced after the completion filled in the usage");
        let model = got[0].model.as_deref().unwrap();
        assert!(!model.contains("abcdefghijklmnopqrstuvwxyz"), "the echoed key is masked: {model}");
        handle.shutdown();
    }

    #[test]
    fn disabled_log_drops_records() {
        let log = RequestLog::disabled();
        assert!(!log.is_enabled());
        log.record(rec(1));
        assert!(log.flush_blocking());
    }

    #[test]
    fn unwritable_location_does_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        fs::write(&blocker, b"").unwrap();
        let (log, handle) = RequestLog::start(blocker.join("requests.jsonl"), 0, 3);
        log.record(rec(1));
        assert!(log.flush_blocking(), "the thread is still alive");
        handle.shutdown();
    }
}
