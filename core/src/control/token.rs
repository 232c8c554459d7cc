//! The control token: `~/.codex-helper/control_token`, 32 random bytes as
//! hex, 0600 in the 0700 helper directory, so whoever can read it is the
//! user. The HTTP endpoint wants it as a bearer token (live state carries
//! upstream error texts); `ch status` reads it from the same file.
//!
//! Randomness comes from the OS through `getrandom`, and the comparison
//! is `subtle`'s constant-time one: the time a check takes says nothing
//! about how much of a guessed token was right.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use subtle::ConstantTimeEq;

use crate::{fsutil, Paths};

/// Mode of the token file: whoever can read it can read live state.
const TOKEN_MODE: u32 = 0o600;
const TOKEN_BYTES: usize = 32;

/// Why the control token could not be read or created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error("cannot read/write the control token {}: {source} (check that ~/.codex-helper is yours and writable)", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the system gives no random bytes for the control token: {0}")]
    Random(getrandom::Error),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TokenError + '_ {
    move |source| TokenError::Io { path: path.to_path_buf(), source }
}

/// A token held in memory, checked in constant time.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    pub fn new(token: String) -> Token {
        Token(token)
    }

    /// Whether `presented` is this token.
    pub fn matches(&self, presented: &str) -> bool {
        // Unequal lengths return early; the length of a token is no secret.
        presented.as_bytes().ct_eq(self.0.as_bytes()).into()
    }

    /// Whether `header` (an `Authorization` value) carries this token.
    pub fn authorizes(&self, header: Option<&http::HeaderValue>) -> bool {
        let presented = header.and_then(|h| h.to_str().ok()).and_then(|h| h.strip_prefix("Bearer ")).map(str::trim);
        presented.is_some_and(|t| self.matches(t))
    }
}

/// `~/.codex-helper/control_token`.
pub fn token_path(paths: &Paths) -> PathBuf {
    paths.helper_dir().join("control_token")
}

/// The token if the file holds a well-formed one (64 hex digits).
pub fn read_token(paths: &Paths) -> Option<String> {
    let text = fs::read_to_string(token_path(paths)).ok()?;
    let token = text.trim();
    is_well_formed(token).then(|| token.to_string())
}

fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads the token, creating it (random, 0600) when missing or malformed.
/// Two proxies starting at once agree on one token: the new file is linked
/// into place only if none exists yet, so the loser reads the winner's.
pub fn load_or_create_token(paths: &Paths) -> Result<String, TokenError> {
    let dir = paths.helper_dir();
    fsutil::ensure_private_dir(&dir).map_err(io_err(&dir))?;
    let path = token_path(paths);
    if let Some(token) = read_token(paths) {
        // A token others can read is no secret: tighten a loosened mode.
        fs::set_permissions(&path, fs::Permissions::from_mode(TOKEN_MODE)).map_err(io_err(&path))?;
        return Ok(token);
    }
    let token = random_hex(TOKEN_BYTES)?;
    let mut contents = token.clone().into_bytes();
    contents.push(b'\n');
    if path.exists() {
        // Another proxy may have linked its token in since our read: that
        // one is good, and replacing it would leave two proxies with two
        // tokens (the race `concurrent_creation_agrees_on_one_token` hit).
        if let Some(winner) = read_token(paths) {
            return Ok(winner);
        }
        // Present but malformed (truncated, hand-edited): nobody can be
        // using it, so replace it, and go by what the file holds after
        // (a racing replacer may have written last).
        fsutil::write_atomic(&path, &contents, TOKEN_MODE).map_err(io_err(&path))?;
        return Ok(read_token(paths).unwrap_or(token));
    }
    // Unique per attempt (the random token itself names it), so threads and
    // processes racing here never share a temp file.
    let tmp = dir.join(format!(".control_token.{}.tmp", &token[..16]));
    let write = || -> io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(TOKEN_MODE).open(&tmp)?;
        f.write_all(&contents)?;
        f.sync_all()
    };
    let linked = write().and_then(|()| fs::hard_link(&tmp, &path));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(token),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read_token(paths)
            .ok_or_else(|| TokenError::Io { path: path.clone(), source: io::Error::other("malformed") }),
        Err(e) => Err(TokenError::Io { path, source: e }),
    }
}

/// `n` random bytes from the OS, as lowercase hex.
fn random_hex(n: usize) -> Result<String, TokenError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(TokenError::Random)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn token_is_created_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        assert_eq!(read_token(&paths), None);
        let a = load_or_create_token(&paths).unwrap();
        assert!(is_well_formed(&a), "{a}");
        assert_eq!(mode_of(&token_path(&paths)), 0o600);
        assert_eq!(mode_of(&paths.helper_dir()), 0o700);
        fs::set_permissions(token_path(&paths), fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load_or_create_token(&paths).unwrap(), a);
        assert_eq!(mode_of(&token_path(&paths)), 0o600, "a loosened mode is tightened");
        assert_eq!(read_token(&paths), Some(a.clone()));
        fs::write(token_path(&paths), "short").unwrap();
        let b = load_or_create_token(&paths).unwrap();
        assert_ne!(a, b, "a malformed token is replaced");
        let names: Vec<_> = fs::read_dir(paths.helper_dir()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("control_token")], "no temp files left");
    }

    #[test]
    fn concurrent_creation_agrees_on_one_token() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let tokens: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| load_or_create_token(&paths).unwrap())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
    }

    #[test]
    fn authorization_needs_the_exact_bearer_token() {
        let token = Token::new("ab".repeat(32));
        let hv = |s: &str| http::HeaderValue::from_str(s).unwrap();
        assert!(token.authorizes(Some(&hv(&format!("Bearer {}", "ab".repeat(32))))));
        assert!(!token.authorizes(None));
        assert!(!token.authorizes(Some(&hv(&format!("Bearer {}", "ab".repeat(31))))));
        assert!(!token.authorizes(Some(&hv(&format!("Bearer {}ac", "ab".repeat(31))))));
        assert!(!token.authorizes(Some(&hv(&format!("Basic {}", "ab".repeat(32))))));
        assert!(!token.authorizes(Some(&hv("Bearer "))), "an empty token is no token");
    }

    #[test]
    fn tokens_are_random() {
        let a = random_hex(TOKEN_BYTES).unwrap();
        assert!(is_well_formed(&a), "{a}");
        assert_ne!(a, random_hex(TOKEN_BYTES).unwrap());
    }
}
