//! Variables set in the user's shell start-up files (`~/.bashrc`,
//! `~/.zshrc`, `~/.profile`), read without running a shell: lines of
//! `export NAME=value` or `NAME=value`, the value bare, 'single' or
//! "double" quoted, `#` comments skipped. A value that needs the shell
//! (`$VAR`, `$(...)`, backticks) is skipped rather than guessed.

use std::fs;
use std::path::{Path, PathBuf};

/// The files read, in order: the first that sets a variable wins.
pub const FILES: [&str; 3] = [".bashrc", ".zshrc", ".profile"];

/// One assignment found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub value: String,
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
}

/// `name`'s value in the first of [`FILES`] under `home` that sets it (the
/// last assignment in that file, as the shell would leave it).
pub fn lookup(home: &Path, name: &str) -> Option<Found> {
    FILES.iter().find_map(|f| {
        let file = home.join(f);
        let text = fs::read_to_string(&file).ok()?;
        let (line, value) = assignments(&text).filter(|(_, n, _)| *n == name).last().map(|(l, _, v)| (l, v))?;
        Some(Found { value, file, line })
    })
}

/// `(line, name, value)` of each assignment in `text`.
fn assignments(text: &str) -> impl Iterator<Item = (usize, &str, String)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim();
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let (name, rest) = line.split_once('=')?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                let inner = &rest[1..];
                let end = inner.find(q)?;
                let v = &inner[..end];
                if q == '"' && (v.contains('$') || v.contains('`')) {
                    return None;
                }
                v.to_string()
            }
            _ => {
                let v = rest.split_whitespace().next().unwrap_or("");
                if v.contains('$') || v.contains('`') {
                    return None;
                }
                v.to_string()
            }
        };
        Some((i + 1, name, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exports_plain_and_quoted_skipping_comments_and_expansions() {
        let dir = tempfile::tempdir().unwrap();
        let bashrc = "# my bashrc\n# export A=commented\nexport A=first\nexport A='second one'  # later wins\nB=\"dq\"\nC=$HOME/x\nD=\"$(cat key)\"\nE=bare # note\n";
        fs::write(dir.path().join(".bashrc"), bashrc).unwrap();
        fs::write(dir.path().join(".profile"), "export B=profile\nexport F=only-here\n").unwrap();
        let get = |n| {
            lookup(dir.path(), n).map(|f| (f.value, f.file.file_name().unwrap().to_string_lossy().into_owned(), f.line))
        };
        assert_eq!(get("A"), Some(("second one".into(), ".bashrc".into(), 4)));
        assert_eq!(get("B"), Some(("dq".into(), ".bashrc".into(), 5)));
        assert_eq!(get("C"), None);
        assert_eq!(get("D"), None);
        assert_eq!(get("E"), Some(("bare".into(), ".bashrc".into(), 8)));
        assert_eq!(get("F"), Some(("only-here".into(), ".profile".into(), 2)));
        assert_eq!(get("G"), None);
    }
}
