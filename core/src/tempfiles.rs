//! Temp files a killed write left behind.
//!
//! [`crate::fsutil::write_atomic`] writes `.NAME.tmp.PID.N.NANOS` beside its
//! target and renames it over; a `kill -9` (or power loss) between the two
//! leaves the temp file, and for `config.json` that is a full copy of every
//! API key. On start we remove ours that are stale: our exact naming
//! pattern, and a writer that is no longer running (or a file older than
//! [`STALE_AFTER`], in case the pid was reused). Nothing else is touched.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::paths::Paths;

/// A temp file this old is stale even if its pid is alive (a reused pid):
/// no write of ours takes minutes.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The writer's pid, when `name` follows our `.NAME.tmp.PID.N.NANOS` pattern.
pub fn writer_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let mut parts = rest.rsplitn(4, '.');
    let (nanos, n, pid, head) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let target = head.strip_suffix(".tmp")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (!target.is_empty() && digits(nanos) && digits(n) && digits(pid)).then(|| pid.parse().ok()).flatten()
}

/// The directories we write into: ours, the switch records', the clients'
/// and, for client files that are symlinks, their targets' directories.
pub fn our_dirs(paths: &Paths) -> Vec<PathBuf> {
    let mut dirs = vec![paths.helper_dir(), paths.helper_dir().join("switch"), paths.logs_dir()];
    let client_files = [paths.codex_dir().join("config.toml"), paths.claude_dir().join("settings.json")];
    for file in client_files.iter().chain([paths.config_file()].iter()) {
        if let Some(dir) = file.parent() {
            dirs.push(dir.to_path_buf());
        }
        if let Some(dir) = crate::fsutil::resolve_links(file).ok().as_deref().and_then(Path::parent) {
            dirs.push(dir.to_path_buf());
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Our stale temp files in `dirs` (missing directories are skipped).
pub fn find_stale(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(writer_pid) else { continue };
            let Ok(md) = entry.metadata() else { continue };
            if !md.is_file() {
                continue;
            }
            let old = md.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok()) >= Some(STALE_AFTER);
            if old || !crate::process::pid_alive(pid) {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

/// Removes our stale temp files; returns the ones removed. Failures are
/// logged, not fatal: starting matters more than tidying.
pub fn clean_stale(paths: &Paths) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for path in find_stale(&our_dirs(paths)) {
        match fs::remove_file(&path) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "removed a temp file left by an interrupted write");
                removed.push(path);
            }
            Err(e) => tracing::warn!(path = %path.display(), "cannot remove a leftover temp file: {e}"),
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_naming_pattern_is_recognised() {
        assert_eq!(writer_pid(".config.json.tmp.4242.0.123456789"), Some(4242));
        assert_eq!(writer_pid(".config.toml.codex-helper.bak.tmp.7.3.1"), Some(7));
        for other in [
            "config.json.tmp.1.2.3",
            ".config.json.tmp.1.2",
            ".config.json.tmp.x.2.3",
            ".tmp.1.2.3",
            ".config.json.swp",
            ".config.json.tmp.1.2.3.4x",
            "",
        ] {
            assert_eq!(writer_pid(other), None, "{other}");
        }
    }

    /// Regression (issue 9 #10): temp files of killed writes, holding full
    /// keys, stayed forever.
    #[test]
    fn stale_temp_files_of_dead_writers_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        fs::create_dir_all(paths.helper_dir().join("switch")).unwrap();
        fs::create_dir_all(paths.codex_dir()).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let live = std::process::id();
        let stale = [
            paths.helper_dir().join(format!(".config.json.tmp.{dead}.0.5")),
            paths.helper_dir().join("switch").join(format!(".codex.json.tmp.{dead}.1.5")),
            paths.codex_dir().join(format!(".config.toml.tmp.{dead}.0.9")),
        ];
        let keep = [
            paths.helper_dir().join(format!(".config.json.tmp.{live}.0.5")), // a write in progress
            paths.helper_dir().join("config.json"),
            paths.helper_dir().join(".config.json.swp"),
            paths.codex_dir().join(format!("notes.tmp.{dead}.0.1")),
        ];
        for f in stale.iter().chain(&keep) {
            fs::write(f, "{\"api_key\":\"sk-full-key\"}").unwrap();
        }
        let mut removed = clean_stale(&paths);
        removed.sort();
        let mut want = stale.to_vec();
        want.sort();
        assert_eq!(removed, want);
        for f in &stale {
            assert!(!f.exists(), "{}", f.display());
        }
        for f in &keep {
            assert!(f.exists(), "{} is not ours to remove", f.display());
        }
        assert!(clean_stale(&paths).is_empty());
    }
}
