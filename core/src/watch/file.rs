//! [`Watched`]: one file of ours, parsed, kept current by a poll task and
//! read by the request path with one atomic load.
//!
//! Change detection is a `stat` compared with the last
//! [`FileFingerprint`], done by [`super::Watcher`] a few times a second on
//! a blocking thread, never by a reader. A change is loaded and, if good,
//! swapped in; a broken version leaves the last good value in place and
//! becomes the [`FileProblem`]. Either way the version counter moves, so
//! subscribers (the app, the supervisor, the usage poller) learn of it
//! without polling the file themselves.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, ArcSwapOption, Guard};
use tokio::sync::watch;

use super::problem::{FileProblem, Located, Serving};
use crate::fsutil::{self, FileFingerprint};

// The problem is boxed: it is large and only built when a file is broken.
type Loader<T> = Box<dyn Fn(&Path) -> Result<T, Box<FileProblem>> + Send + Sync>;

/// One watched file holding a `T`.
pub struct Watched<T> {
    path: PathBuf,
    what: &'static str,
    /// What serving the fallback means (see [`Watched::start_or`]).
    fallback: &'static str,
    load: Loader<T>,
    current: ArcSwap<T>,
    problem: ArcSwapOption<FileProblem>,
    /// Whether `current` came from the file (else it is the fallback).
    loaded_once: std::sync::atomic::AtomicBool,
    /// Only the poll side takes this lock, never a reader.
    seen: Mutex<Option<FileFingerprint>>,
    /// Bumped after every reload attempt, good or broken.
    version: watch::Sender<u64>,
}

impl<T: Send + Sync + 'static> Watched<T> {
    /// Load `path` now; a broken file is the caller's error (config.json and
    /// settings.json must be fixed before serving).
    pub fn start<E, F>(path: PathBuf, what: &'static str, load: F) -> Result<Watched<T>, E>
    where
        E: Located,
        F: Fn(&Path) -> Result<T, E> + Send + Sync + 'static,
    {
        let seen = fsutil::fingerprint(&path);
        let value = load(&path)?;
        Ok(Watched::build(path, what, value, true, None, seen, load))
    }

    /// Load `path` now; a broken file serves `fallback` and is the problem
    /// (filter.json, usage_providers.json); `note` says what that means
    /// ("requests are refused until it is fixed"), in the warning and the
    /// problem's text.
    pub fn start_or<E, F>(path: PathBuf, what: &'static str, fallback: T, note: &'static str, load: F) -> Watched<T>
    where
        E: Located,
        F: Fn(&Path) -> Result<T, E> + Send + Sync + 'static,
    {
        let seen = fsutil::fingerprint(&path);
        match load(&path) {
            Ok(value) => Watched::build(path, what, value, true, None, seen, load).with_note(note),
            Err(e) => {
                let mut problem = FileProblem::new(&path, what, &e, Serving::Fallback);
                problem.fallback = note;
                tracing::warn!("{problem}");
                Watched::build(path, what, fallback, false, Some(problem), seen, load).with_note(note)
            }
        }
    }

    fn with_note(mut self, note: &'static str) -> Watched<T> {
        self.fallback = note;
        self
    }

    /// Start from a value the caller already has (settings given to the
    /// runtime); the file is watched from its state now.
    pub fn with_value<E, F>(path: PathBuf, what: &'static str, value: T, load: F) -> Watched<T>
    where
        E: Located,
        F: Fn(&Path) -> Result<T, E> + Send + Sync + 'static,
    {
        let seen = fsutil::fingerprint(&path);
        Watched::build(path, what, value, true, None, seen, load)
    }

    fn build<E, F>(
        path: PathBuf,
        what: &'static str,
        value: T,
        loaded: bool,
        problem: Option<FileProblem>,
        seen: Option<FileFingerprint>,
        load: F,
    ) -> Watched<T>
    where
        E: Located,
        F: Fn(&Path) -> Result<T, E> + Send + Sync + 'static,
    {
        Watched {
            load: Box::new(move |p: &Path| {
                load(p).map_err(|e| Box::new(FileProblem::new(p, what, &e, Serving::LastGood)))
            }),
            path,
            what,
            fallback: "",
            current: ArcSwap::from_pointee(value),
            problem: ArcSwapOption::new(problem.map(Arc::new)),
            loaded_once: loaded.into(),
            seen: Mutex::new(seen),
            version: watch::Sender::new(0),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value now: one atomic load, no lock, no I/O (the request path).
    pub fn load(&self) -> Guard<Arc<T>> {
        self.current.load()
    }

    /// The value now, to keep.
    pub fn get(&self) -> Arc<T> {
        self.current.load_full()
    }

    /// Why the file on disk is not what is served, if it is broken.
    pub fn problem(&self) -> Option<Arc<FileProblem>> {
        self.problem.load_full()
    }

    /// Whether the problem (if any) is cheap to test on the request path.
    pub fn has_problem(&self) -> bool {
        self.problem.load().is_some()
    }

    /// Reload attempts so far.
    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    /// Follow reloads: the value is the version counter.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Re-read the file if its fingerprint changed: `None` if unchanged,
    /// `Some(Ok)` after a reload, `Some(Err)` for a broken version (the
    /// last good value stays). Called by [`super::Watcher`], and by an
    /// adapter that just wrote the file and wants it served at once.
    pub fn check(&self) -> Option<Result<(), FileProblem>> {
        let now = fsutil::fingerprint(&self.path);
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if *seen == now {
                return None;
            }
            *seen = now;
        }
        let result = (self.load)(&self.path);
        let result = match result {
            Ok(value) => {
                self.current.store(Arc::new(value));
                self.loaded_once.store(true, std::sync::atomic::Ordering::Relaxed);
                if self.problem.swap(None).is_some() {
                    tracing::info!(path = %self.path.display(), "{} fixed; using the new version", self.what);
                } else {
                    tracing::info!(path = %self.path.display(), "{} changed; reloaded", self.what);
                }
                Ok(())
            }
            Err(problem) => {
                let mut problem = *problem;
                if !self.loaded_once.load(std::sync::atomic::Ordering::Relaxed) {
                    problem.serving = Serving::Fallback;
                    problem.fallback = self.fallback;
                }
                tracing::warn!("{problem}");
                self.problem.store(Some(Arc::new(problem.clone())));
                Err(problem)
            }
        };
        self.version.send_modify(|v| *v += 1);
        Some(result)
    }
}

impl<T> fmt::Debug for Watched<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watched").field("path", &self.path).field("what", &self.what).finish_non_exhaustive()
    }
}

/// What [`super::Watcher`] needs of a watched file, whatever it holds.
pub trait Check: Send + Sync {
    fn check_changed(&self) -> bool;
}

impl<T: Send + Sync + 'static> Check for Watched<T> {
    fn check_changed(&self) -> bool {
        self.check().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Bad(String);
    impl fmt::Display for Bad {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}", self.0)
        }
    }
    impl Located for Bad {
        fn line_column(&self) -> Option<(usize, usize)> {
            Some((2, 5))
        }
        fn key(&self) -> Option<&str> {
            Some("a.b")
        }
    }

    fn number(p: &Path) -> Result<u32, Bad> {
        let text = std::fs::read_to_string(p).map_err(|e| Bad(e.to_string()))?;
        text.trim().parse().map_err(|_| Bad(format!("{}: not a number", p.display())))
    }

    fn replace(p: &Path, text: &str) {
        let tmp = p.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, p).unwrap();
    }

    #[test]
    fn a_change_is_loaded_a_broken_one_keeps_the_last_good_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n");
        std::fs::write(&p, "1").unwrap();
        let w = Watched::start(p.clone(), "number", number).unwrap();
        assert_eq!(**w.load(), 1);
        assert!(w.check().is_none(), "unchanged");
        let mut changes = w.subscribe();

        replace(&p, "oops");
        let problem = w.check().unwrap().unwrap_err();
        assert_eq!((problem.line, problem.column, problem.key.as_deref()), (Some(2), Some(5), Some("a.b")));
        assert_eq!(problem.serving, Serving::LastGood);
        assert!(problem.to_string().ends_with("; still using the last good number"), "{problem}");
        assert_eq!(**w.load(), 1, "last good value kept");
        assert!(w.problem().is_some());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "oops", "the file is never rewritten");

        replace(&p, "2");
        assert!(w.check().unwrap().is_ok());
        assert_eq!(**w.load(), 2);
        assert!(w.problem().is_none());
        assert!(changes.has_changed().unwrap());
        assert_eq!(*changes.borrow_and_update(), 2, "each attempt is announced");
    }

    #[test]
    fn broken_from_the_start_serves_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n");
        std::fs::write(&p, "x").unwrap();
        let w = Watched::start_or(p.clone(), "number", 0, "counting from 0", number);
        assert_eq!(**w.load(), 0);
        assert_eq!(w.problem().unwrap().serving, Serving::Fallback);
        assert!(w.problem().unwrap().to_string().ends_with("not a number; counting from 0"), "{:?}", w.problem());
        replace(&p, "y");
        assert_eq!(w.check().unwrap().unwrap_err().serving, Serving::Fallback, "still no good version");
        replace(&p, "7");
        assert!(w.check().unwrap().is_ok());
        assert_eq!(**w.load(), 7);
    }
}
