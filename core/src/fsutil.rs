//! Small file-system helpers shared by every module that writes under
//! `~/.codex-helper`: crash-safe replacement of a file, a private directory,
//! and a cheap "did this file change?" fingerprint for hot reload.
//!
//! These are Unix-only on purpose: file modes (0600/0700) are part of how we
//! keep API keys private, and the tool targets macOS and Linux.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::SystemTime;

/// Replaces `path` with `bytes` so that readers only ever see the old or the
/// new content, never a torn mix, even if we crash half-way.
///
/// The data goes to a uniquely named temp file in the same directory (so the
/// final `rename` stays on one file system and is atomic), gets `mode`
/// (re-applied explicitly because the umask may have narrowed or the target
/// may have been created with other bits), is fsynced, then renamed over the
/// target; finally the directory is fsynced so the rename itself is durable.
/// On any error the temp file is removed and the target is left untouched.
///
/// A symlink at `path` (a dotfile linked into a dotfiles folder, chains
/// included) is written *through*: the final target is replaced, with the
/// temp file in the target's directory, and every link stays a link.
/// Renaming over the link itself would silently fork the user's dotfiles.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let target = resolve_links(path)?;
    let path = target.as_path();
    let dir = parent_dir(path);
    let tmp = temp_path(path);
    let result = write_and_rename(&tmp, path, bytes, mode);
    if result.is_err() {
        // Best effort: the temp file may not exist if creating it failed.
        let _ = fs::remove_file(&tmp);
        return result;
    }
    // The rename has happened; a failing directory fsync (some file systems
    // refuse it) must not be reported as "the write failed".
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_and_rename(tmp: &Path, path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(mode).open(tmp)?;
    f.write_all(bytes)?;
    f.set_permissions(fs::Permissions::from_mode(mode))?;
    f.sync_all()?;
    drop(f);
    crash_point(path, "before-rename");
    fs::rename(tmp, path)?;
    crash_point(path, "after-rename");
    Ok(())
}

/// Test hook for the crash-safety suite: with
/// `CODEX_HELPER_CRASH_AT=<file name>:<step>` (e.g. `config.toml:before-rename`)
/// the process aborts right there, as a `kill -9` would; with
/// `<file name>:<step>:<n>` at the n-th such write of the process (so a
/// long-running app can be killed at its second write of a file, e.g. the
/// `switch off` after a `switch on`). It is compiled in (not behind a
/// feature) because the suite drives the very binaries users run, and a
/// feature would build a different one; unset, it costs one environment
/// lookup per write and does nothing.
fn crash_point(path: &Path, step: &str) {
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    let Some(want) = std::env::var_os("CODEX_HELPER_CRASH_AT") else { return };
    let want = want.to_string_lossy();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let here = format!("{name}:{step}");
    let (at, nth) = match want.strip_prefix(&here).map(|rest| rest.strip_prefix(':')) {
        Some(None) if want.len() == here.len() => (true, 1),
        Some(Some(n)) => (true, n.parse().unwrap_or(usize::MAX)),
        _ => (false, 0),
    };
    if at && SEEN.fetch_add(1, Ordering::SeqCst) + 1 == nth {
        std::process::abort();
    }
}

/// Most links followed before giving up, as the kernel's `ELOOP` limit.
const MAX_LINKS: usize = 40;

/// The file `path` finally names after following symlinks (relative links
/// are relative to the link's own directory). A dangling link yields the
/// missing target, so the write creates it rather than replacing the link.
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(md) if md.file_type().is_symlink() => {
                let to = fs::read_link(&current)?;
                current = if to.is_absolute() { to } else { parent_dir(&current).join(to) };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!("{}: too many levels of symbolic links", path.display())))
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.NAME.tmp.PID.N.NANOS` next to `path`: unique across processes (pid),
/// threads (counter) and pid reuse (time), and hidden from casual `ls`.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".to_string());
    parent_dir(path).join(format!(".{name}.tmp.{}.{n}.{nanos}", std::process::id()))
}

/// Creates `dir` (and parents) and makes it private (0700), because it holds
/// API keys and request logs.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Identity of one version of a file, for polling-based hot reload. Comparing
/// mtime alone misses same-second rewrites on coarse file systems; length and
/// inode catch those (an atomic write always produces a new inode), and the
/// status-change time catches an in-place rewrite that kept both (it can't
/// be set back by `touch -d`, unlike mtime).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileFingerprint {
    pub mtime: Option<SystemTime>,
    pub len: u64,
    pub inode: u64,
    /// `st_ctime` seconds and nanoseconds.
    pub ctime: (i64, i64),
}

/// The current fingerprint of `path`, or `None` if it does not exist (or
/// cannot be stat'ed, which the caller treats the same way).
pub fn fingerprint(path: &Path) -> Option<FileFingerprint> {
    let md = fs::metadata(path).ok()?;
    Some(FileFingerprint {
        mtime: md.modified().ok(),
        len: md.len(),
        inode: md.ino(),
        ctime: (md.ctime(), md.ctime_nsec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn write_atomic_creates_replaces_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"one");
        assert_eq!(mode_of(&p), 0o600);

        // A looser existing mode is tightened again on rewrite.
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&p, b"two", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(mode_of(&p), 0o600);
    }

    #[test]
    fn write_atomic_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        for i in 0..5 {
            write_atomic(&p, format!("{i}").as_bytes(), 0o600).unwrap();
        }
        let names: Vec<_> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names, vec!["a.json".to_string()]);
    }

    #[test]
    fn write_atomic_failure_keeps_target_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: rename over it must fail.
        let p = dir.path().join("target");
        fs::create_dir(&p).unwrap();
        fs::write(p.join("keep"), b"x").unwrap();
        assert!(write_atomic(&p, b"new", 0o600).is_err());
        assert!(p.join("keep").exists());
        let count = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(count, 1, "temp file must be removed on error");
    }

    /// Regression (issue 9 #7): a symlinked dotfile (a link into a dotfiles
    /// folder, possibly via a chain of links) was replaced by a regular file.
    #[test]
    fn write_atomic_writes_through_a_chain_of_symlinks_and_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles");
        let home = dir.path().join("home");
        fs::create_dir_all(&dotfiles).unwrap();
        fs::create_dir_all(&home).unwrap();
        let target = dotfiles.join("config.toml");
        fs::write(&target, b"old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        // home/config.toml -> home/middle (relative) -> dotfiles/config.toml
        std::os::unix::fs::symlink(&target, home.join("middle")).unwrap();
        std::os::unix::fs::symlink("middle", home.join("config.toml")).unwrap();
        let link = home.join("config.toml");

        write_atomic(&link, b"new", 0o600).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(fs::read_link(&link).unwrap(), Path::new("middle"));
        assert!(fs::symlink_metadata(home.join("middle")).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new", "the dotfiles copy is the one edited");
        assert_eq!(mode_of(&target), 0o600);
        let in_home: Vec<_> = fs::read_dir(&home).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(in_home.len(), 2, "no temp file beside the link: {in_home:?}");
        let in_dotfiles: Vec<_> = fs::read_dir(&dotfiles).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(in_dotfiles.len(), 1, "no temp file left beside the target: {in_dotfiles:?}");
    }

    #[test]
    fn write_atomic_through_a_dangling_link_creates_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("settings.json");
        std::os::unix::fs::symlink("real/settings.json", &link).unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        write_atomic(&link, b"{}", 0o600).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(dir.path().join("real/settings.json")).unwrap(), b"{}");
    }

    #[test]
    fn a_symlink_loop_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        assert!(write_atomic(&a, b"x", 0o600).is_err());
        assert!(fs::symlink_metadata(&a).unwrap().file_type().is_symlink());
    }

    #[test]
    fn ensure_private_dir_creates_with_0700() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("x/y");
        ensure_private_dir(&d).unwrap();
        assert_eq!(mode_of(&d), 0o700);
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&d).unwrap();
        assert_eq!(mode_of(&d), 0o700);
    }

    #[test]
    fn fingerprint_tracks_existence_and_changes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        assert_eq!(fingerprint(&p), None);
        write_atomic(&p, b"aaaa", 0o600).unwrap();
        let a = fingerprint(&p).unwrap();
        assert_eq!(a.len, 4);
        assert_eq!(fingerprint(&p), Some(a));
        // Same length, written immediately: the new inode still differs.
        write_atomic(&p, b"bbbb", 0o600).unwrap();
        assert_ne!(fingerprint(&p), Some(a));
    }
}
