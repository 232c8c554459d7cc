//! "Start at login": the XDG autostart entry
//! (`~/.config/autostart/codex-helper.desktop`) that starts the tray
//! process with the desktop session.
//!
//! Written here, not in the window, so every adapter that changes the
//! setting writes the same file. The `Exec` line is quoted and escaped as
//! the Desktop Entry spec says (a `$`, `"`, `` ` ``, `\` or `%` in the
//! install path would otherwise start the wrong program or none).

use std::io;
use std::path::{Path, PathBuf};

use crate::config::error::display_path;
use crate::{fsutil, Paths};

/// The tray process's binary name (installed beside `ch` and the window).
pub const APP_BINARY: &str = "codex-helper-app";

/// The icon's name in the icon theme. The packages install it as
/// `/usr/share/icons/hicolor/<size>/apps/codex-helper-app.png`: Tauri's
/// bundler names the icons after the main binary (`mainBinaryName` in
/// src-tauri/tauri.conf.json), so the entry, the notifications and the
/// packages all use this one name.
pub const ICON: &str = APP_BINARY;

/// Why the entry could not be written or removed.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} the autostart entry {}: {source} (check that ~/.config/autostart is writable)", display_path(.file))]
pub struct AutostartError {
    pub(crate) action: &'static str,
    pub file: PathBuf,
    #[source]
    pub(crate) source: io::Error,
}

/// `~/.config/autostart/codex-helper.desktop`.
pub fn entry_file(paths: &Paths) -> PathBuf {
    paths.home().join(".config/autostart/codex-helper.desktop")
}

/// The tray binary beside the running one (the window, or the tray itself).
pub fn resident_exe() -> io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name(APP_BINARY))
}

/// The entry's text for starting `exe`.
pub fn entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName=codex-helper\nComment=Local proxy for Codex CLI and Claude Code\nExec={}\nIcon={ICON}\nX-GNOME-Autostart-enabled=true\nTerminal=false\n",
        exec_arg(&exe.to_string_lossy())
    )
}

/// Write the entry for `exe` (`Some`) or remove it (`None`; already gone
/// is fine).
pub fn set(paths: &Paths, exe: Option<&Path>) -> Result<(), AutostartError> {
    let file = entry_file(paths);
    let Some(exe) = exe else {
        return match std::fs::remove_file(&file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(AutostartError { action: "remove", file, source: e }),
            _ => Ok(()),
        };
    };
    let write = || {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        fsutil::write_atomic(&file, entry(exe).as_bytes(), 0o644)
    };
    write().map_err(|source| AutostartError { action: "write", file: file.clone(), source })
}

/// One quoted `Exec` argument: `"`, `` ` ``, `$`, `\` escaped inside the
/// quotes, `%` doubled (field codes), then the string-value escapes of the
/// whole key (`\` again, and control characters).
fn exec_arg(arg: &str) -> String {
    let mut quoted = String::with_capacity(arg.len() + 2);
    quoted.push('"');
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '%' => quoted.push_str("%%"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    let mut value = String::with_capacity(quoted.len());
    for c in quoted.chars() {
        match c {
            '\\' => value.push_str("\\\\"),
            '\n' => value.push_str("\\n"),
            '\t' => value.push_str("\\t"),
            '\r' => value.push_str("\\r"),
            _ => value.push(c),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec_line(text: &str) -> &str {
        text.lines().find_map(|l| l.strip_prefix("Exec=")).unwrap()
    }

    #[test]
    fn a_plain_path_is_quoted_as_before() {
        let text = entry(Path::new("/opt/codex helper/codex-helper-app"));
        assert_eq!(exec_line(&text), "\"/opt/codex helper/codex-helper-app\"");
        assert!(text.starts_with("[Desktop Entry]\nType=Application\n"));
    }

    #[test]
    fn reserved_characters_are_escaped_twice() {
        assert_eq!(exec_arg("/a$b/c%d"), "\"/a\\\\$b/c%%d\"");
        assert_eq!(exec_arg("/a\"b`c"), "\"/a\\\\\"b\\\\`c\"");
        assert_eq!(exec_arg("/a\\b"), "\"/a\\\\\\\\b\"");
        assert_eq!(exec_arg("/a\nb"), "\"/a\\nb\"");
    }

    #[test]
    fn set_writes_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let file = entry_file(&paths);
        set(&paths, Some(Path::new("/usr/bin/codex-helper-app"))).unwrap();
        assert_eq!(exec_line(&std::fs::read_to_string(&file).unwrap()), "\"/usr/bin/codex-helper-app\"");
        set(&paths, None).unwrap();
        assert!(!file.exists());
        set(&paths, None).unwrap(); // already gone
    }
}
