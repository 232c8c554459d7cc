//! Watching `filter.json` for edits: re-read when it changes on disk, keep
//! the last good rules through a broken edit, and block when there are none
//! (see the parent module's header for why).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::{FilterError, FilterSet};

/// `filter.json` is broken and no good rules are left to apply: the text
/// names the file, the line and column (or the rule) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterBlocked(pub String);

/// What we last saw at the path, so an unchanged file costs one `stat`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Observed {
    Missing,
    // mtime alone is too coarse on some filesystems; a rewrite within the same
    // tick usually changes the length, and a write-then-rename the inode.
    File { mtime: Option<SystemTime>, len: u64, ino: u64, ctime: i64, ctime_nsec: i64 },
    StatError(io::ErrorKind),
}

impl Observed {
    fn of(path: &Path) -> Observed {
        match fs::metadata(path) {
            Ok(m) => {
                #[cfg(unix)]
                let (ino, ctime, ctime_nsec) = {
                    use std::os::unix::fs::MetadataExt;
                    (m.ino(), m.ctime(), m.ctime_nsec())
                };
                #[cfg(not(unix))]
                let (ino, ctime, ctime_nsec) = (0, 0, 0);
                Observed::File { mtime: m.modified().ok(), len: m.len(), ino, ctime, ctime_nsec }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Observed::Missing,
            Err(e) => Observed::StatError(e.kind()),
        }
    }
}

#[derive(Debug)]
struct State {
    seen: Option<Observed>,
    set: Arc<FilterSet>,
    error: Option<String>,
}

/// `filter.json`, re-read whenever it changes on disk.
#[derive(Debug)]
pub struct FilterFile {
    path: PathBuf,
    state: Mutex<State>,
}

impl FilterFile {
    /// Does not touch the disk; the first [`current`](Self::current) loads.
    pub fn new(path: PathBuf) -> Self {
        FilterFile { path, state: Mutex::new(State { seen: None, set: Arc::new(FilterSet::empty()), error: None }) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rules to apply now. Costs one `stat` and a short lock when the file
    /// is unchanged. A missing file means no rules; an invalid file keeps the
    /// last good rules and logs one warning per distinct bad version.
    pub fn current(&self) -> Arc<FilterSet> {
        let seen = Observed::of(&self.path);
        // A poisoned lock only means another thread panicked mid-reload; the
        // state is still a valid (possibly stale) value, so keep serving it.
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.seen.as_ref() == Some(&seen) {
            return st.set.clone();
        }
        // Reading under the lock is fine: it only happens right after an edit.
        let loaded = match &seen {
            Observed::Missing => Ok(FilterSet::empty()),
            Observed::StatError(_) => match fs::metadata(&self.path) {
                Err(source) => Err(FilterError::Io { path: self.path.clone(), source }),
                Ok(_) => self.load(), // it recovered between the two calls
            },
            Observed::File { .. } => self.load(),
        };
        match loaded {
            Ok(set) => {
                if st.error.take().is_some() {
                    tracing::info!(path = %self.path.display(), rules = set.len(), "filter rules are valid again");
                }
                st.set = Arc::new(set);
            }
            Err(e) => {
                let n = st.set.len();
                let keeping = if n == 0 {
                    "requests are refused until it is fixed (no earlier good rules to apply instead)".to_string()
                } else {
                    format!("keeping the previous {n} rule{}", if n == 1 { "" } else { "s" })
                };
                let msg = format!("{e}; {keeping}");
                // `seen` changes with every edit, so this warns once per bad version.
                tracing::warn!("{msg}");
                st.error = Some(msg);
            }
        }
        st.seen = Some(seen);
        st.set.clone()
    }

    /// The rules to apply now, or why requests must be refused: the file is
    /// broken and there are no last good rules to apply instead.
    pub fn rules(&self) -> Result<Arc<FilterSet>, FilterBlocked> {
        let set = self.current();
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &st.error {
            Some(problem) if set.is_empty() => Err(FilterBlocked(problem.clone())),
            _ => Ok(set),
        }
    }

    /// The current problem with the file on disk, if it is invalid.
    pub fn last_error(&self) -> Option<String> {
        self.current();
        self.state.lock().unwrap_or_else(|p| p.into_inner()).error.clone()
    }

    fn load(&self) -> Result<FilterSet, FilterError> {
        let text =
            fs::read_to_string(&self.path).map_err(|source| FilterError::Io { path: self.path.clone(), source })?;
        FilterSet::parse(&text, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a new file and renames it over the old one, like editors do:
    /// the inode changes, so reloads are seen even within one mtime tick.
    fn replace_file(path: &Path, text: &str) {
        let tmp = path.with_extension("tmp");
        fs::write(&tmp, text).unwrap();
        fs::rename(&tmp, path).unwrap();
    }

    #[test]
    fn reloads_on_change_and_keeps_last_good_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("filter.json");
        let f = FilterFile::new(path.clone());
        assert!(f.current().is_empty(), "missing file means no rules");
        assert_eq!(f.last_error(), None);

        replace_file(&path, r#"[{"op":"remove","source":"a"}]"#);
        let first = f.current();
        assert_eq!(first.len(), 1);
        assert!(Arc::ptr_eq(&first, &f.current()), "unchanged file is not re-read");

        replace_file(&path, r#"[{"op":"remove","source":"a"},{"op":"remove","source":"b"}]"#);
        assert_eq!(f.current().len(), 2);

        // In-place rewrite with a different length is seen too.
        fs::write(&path, r#"[{"op":"remove","source":"c"}]"#).unwrap();
        let s = f.current();
        assert_eq!(s.apply(b"abc").unwrap(), b"ab");

        replace_file(&path, r#"[{"op":"remove","source":"c"}, oops]"#);
        let s = f.current();
        assert_eq!(s.len(), 1, "invalid file keeps the previous rules");
        assert_eq!(s.apply(b"abc").unwrap(), b"ab");
        let err = f.last_error().expect("error reported");
        assert!(err.contains("filter.json:1:") && err.contains("keeping the previous 1 rule"), "{err}");

        replace_file(&path, r#"[{"op":"remove","source":"b"}]"#);
        assert_eq!(f.current().apply(b"abc").unwrap(), b"ac");
        assert_eq!(f.last_error(), None, "fixed file clears the error");

        fs::remove_file(&path).unwrap();
        assert!(f.current().is_empty(), "deleted file means no rules");
        assert_eq!(f.last_error(), None);
    }
}
