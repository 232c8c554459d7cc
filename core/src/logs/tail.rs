//! Reading the request log as a reader does: the last N lines a
//! [`LogFilter`] keeps, then the new ones as they are written (across
//! rotation, see [`Follower`]). `ch logs [--follow]` and the window's Logs
//! screen (query and live tail) both read through a [`Tail`].

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::filter::LogFilter;
use super::reader::Follower;
use super::record::RequestRecord;
use crate::config::error::display_path;

/// How often a follower looks for new lines.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// The log could not be read (the cause is the `source`, as in
/// `anyhow`'s chain).
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}", display_path(path))]
pub struct TailError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// `requests.jsonl` seen through a filter, from where it ends now.
pub struct Tail {
    path: PathBuf,
    follower: Follower,
    filter: LogFilter,
}

impl Tail {
    /// Start at the end of `path` (which need not exist yet).
    pub fn open(path: &Path, filter: LogFilter) -> Result<Tail, TailError> {
        let follower = Follower::open(path).map_err(|source| TailError { path: path.to_path_buf(), source })?;
        Ok(Tail { path: path.to_path_buf(), follower, filter })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, source: io::Error) -> TailError {
        TailError { path: self.path.clone(), source }
    }

    /// The last `n` kept lines, oldest first, as written.
    pub fn last_lines(&self, n: usize) -> Result<Vec<String>, TailError> {
        self.follower.tail(n, |l| self.filter.keeps_line(l)).map_err(|e| self.error(e))
    }

    /// The last `n` kept records, oldest first.
    pub fn last_records(&self, n: usize) -> Result<Vec<RequestRecord>, TailError> {
        let lines = self.follower.tail(n, |l| self.filter.parse(l).is_some()).map_err(|e| self.error(e))?;
        Ok(lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect())
    }

    /// Kept lines written since the last call, as written.
    pub fn new_lines(&mut self) -> Result<Vec<String>, TailError> {
        let lines = self.follower.poll().map_err(|source| TailError { path: self.path.clone(), source })?;
        Ok(lines.into_iter().filter(|l| self.filter.keeps_line(l)).collect())
    }

    /// Kept records written since the last call.
    pub fn new_records(&mut self) -> Result<Vec<RequestRecord>, TailError> {
        let lines = self.follower.poll().map_err(|source| TailError { path: self.path.clone(), source })?;
        Ok(lines.iter().filter_map(|l| self.filter.parse(l)).collect())
    }

    /// Hand new kept lines to `sink` every `every` until it returns false
    /// (`ch logs --follow`; blocking).
    pub fn follow_blocking<E: From<TailError>>(
        &mut self,
        every: Duration,
        mut sink: impl FnMut(&[String]) -> Result<bool, E>,
    ) -> Result<(), E> {
        loop {
            std::thread::sleep(every);
            let lines = self.new_lines()?;
            if !sink(&lines)? {
                return Ok(());
            }
        }
    }

    /// Hand each new kept record to `sink` every `every` until `shutdown`
    /// resolves (the window's live tail). A failed read is tried again at
    /// the next tick: the file may be between a rotation's two steps.
    pub async fn follow(
        mut self,
        every: Duration,
        shutdown: impl Future<Output = ()>,
        mut sink: impl FnMut(RequestRecord),
    ) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {
                    let Ok(records) = self.new_records() else { continue };
                    records.into_iter().for_each(&mut sink);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Service;

    #[test]
    fn last_and_new_lines_go_through_the_filter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        let rec = |service: &str, status: u16| {
            let mut v = serde_json::to_value(RequestRecord::default()).unwrap();
            v["service"] = service.into();
            v["status_code"] = status.into();
            v.to_string() + "\n"
        };
        std::fs::write(&path, rec("codex", 200) + &rec("claude", 200) + &rec("codex", 500)).unwrap();
        let mut tail = Tail::open(&path, LogFilter::service(Some(Service::Codex))).unwrap();
        assert_eq!(tail.last_lines(10).unwrap().len(), 2);
        assert_eq!(tail.last_records(1).unwrap()[0].status_code, 500);
        assert!(tail.new_lines().unwrap().is_empty(), "nothing new yet");
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all((rec("claude", 200) + &rec("codex", 201)).as_bytes()).unwrap();
        let new = tail.new_records().unwrap();
        assert_eq!(new.iter().map(|r| r.status_code).collect::<Vec<_>>(), vec![201]);
    }
}
