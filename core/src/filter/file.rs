//! Watching `filter.json` for edits: a [`Watched`] rule set, re-read by
//! the runtime's poll task when it changes on disk, the last good rules
//! kept through a broken edit, and a block when there are none (see the
//! parent module's header for why). The request path reads two atomics.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{FilterError, FilterSet};
use crate::watch::{FileProblem, Watched};

/// `filter.json` is broken and no good rules are left to apply: the text
/// names the file, the line and column and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterBlocked(pub String);

/// `filter.json`, re-read whenever it changes on disk.
#[derive(Debug)]
pub struct FilterFile {
    watched: Arc<Watched<FilterSet>>,
}

impl FilterFile {
    /// Loads the file now: a broken one is WARNed at start-up (it blocks
    /// requests), not news after the first request.
    pub fn new(path: PathBuf) -> Self {
        let watched = Watched::start_or(path, "filter rules", FilterSet::empty(), REFUSED, load);
        FilterFile { watched: Arc::new(watched) }
    }

    pub fn path(&self) -> &Path {
        self.watched.path()
    }

    /// The watched file, for the runtime's [`crate::watch::Watcher`].
    pub fn watched(&self) -> &Arc<Watched<FilterSet>> {
        &self.watched
    }

    /// Re-read the file if it changed (the poll task does this; tests and
    /// adapters that just wrote it may too).
    pub fn check(&self) -> Option<Result<(), FileProblem>> {
        self.watched.check()
    }

    /// The rules to apply now: one atomic load, no `stat`, no lock. A
    /// missing file means no rules; an invalid file keeps the last good
    /// rules.
    pub fn current(&self) -> Arc<FilterSet> {
        self.watched.get()
    }

    /// The rules to apply now, or why requests must be refused: the file is
    /// broken and there are no last good rules to apply instead.
    pub fn rules(&self) -> Result<Arc<FilterSet>, FilterBlocked> {
        let set = self.watched.get();
        if set.is_empty() {
            if let Some(problem) = self.watched.problem() {
                return Err(FilterBlocked(describe(&problem, 0)));
            }
        }
        Ok(set)
    }

    /// The current problem with the file on disk, if it is invalid.
    pub fn last_error(&self) -> Option<String> {
        let problem = self.watched.problem()?;
        Some(describe(&problem, self.watched.load().len()))
    }
}

/// What a broken filter.json with no good rules to fall back on means.
const REFUSED: &str = "requests are refused until it is fixed (no earlier good rules to apply instead)";

/// The problem, and what is applied meanwhile (`n` good rules, or none).
fn describe(problem: &FileProblem, n: usize) -> String {
    let keeping = if n == 0 {
        REFUSED.to_string()
    } else {
        format!("keeping the previous {n} rule{}", if n == 1 { "" } else { "s" })
    };
    format!("{}; {keeping}", problem.message)
}

fn load(path: &Path) -> Result<FilterSet, FilterError> {
    match fs::read_to_string(path) {
        Ok(text) => FilterSet::parse(&text, path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(FilterSet::empty()),
        Err(source) => Err(FilterError::Io { path: path.to_path_buf(), source }),
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
        // What the runtime's poll task does between two edits.
        let current = || {
            f.check();
            f.current()
        };
        assert!(current().is_empty(), "missing file means no rules");
        assert_eq!(f.last_error(), None);

        replace_file(&path, r#"[{"op":"remove","source":"a"}]"#);
        let first = current();
        assert_eq!(first.len(), 1);
        assert!(Arc::ptr_eq(&first, &current()), "unchanged file is not re-read");

        replace_file(&path, r#"[{"op":"remove","source":"a"},{"op":"remove","source":"b"}]"#);
        assert_eq!(current().len(), 2);

        // In-place rewrite with a different length is seen too.
        fs::write(&path, r#"[{"op":"remove","source":"c"}]"#).unwrap();
        let s = current();
        assert_eq!(s.apply(b"abc").unwrap(), b"ab");

        replace_file(&path, r#"[{"op":"remove","source":"c"}, oops]"#);
        let s = current();
        assert_eq!(s.len(), 1, "invalid file keeps the previous rules");
        assert_eq!(s.apply(b"abc").unwrap(), b"ab");
        let err = f.last_error().expect("error reported");
        assert!(err.contains("filter.json:1:") && err.contains("keeping the previous 1 rule"), "{err}");

        replace_file(&path, r#"[{"op":"remove","source":"b"}]"#);
        assert_eq!(current().apply(b"abc").unwrap(), b"ac");
        assert_eq!(f.last_error(), None, "fixed file clears the error");

        fs::remove_file(&path).unwrap();
        assert!(current().is_empty(), "deleted file means no rules");
        assert_eq!(f.last_error(), None);
    }
}
