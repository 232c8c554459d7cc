//! Why a watched file is not being used as written: a typed value naming
//! the file, the line and column, the dotted key, and what is served
//! instead, so the CLI, the status endpoint and the app all say the same.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::error::display_path;

/// Errors that know where in their file they happened.
pub trait Located: fmt::Display {
    /// 1-based line and column, when the error points at a spot.
    fn line_column(&self) -> Option<(usize, usize)> {
        None
    }
    /// The dotted key of the bad value (`proxy.connect_timeout_ms`).
    fn key(&self) -> Option<&str> {
        None
    }
}

/// What a watched file's readers get while it is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Serving {
    /// The last version that loaded.
    LastGood,
    /// It was broken from the start: its fallback (no rules, no
    /// providers); the file's owner says what that means.
    Fallback,
}

/// A watched file's current problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    pub path: PathBuf,
    /// What the file holds, in words (`config`, `settings`).
    pub what: &'static str,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub key: Option<String>,
    /// The error as the user reads it (it names the file, position, key).
    pub message: String,
    pub serving: Serving,
    /// What serving the fallback means, said after the message
    /// ("requests are refused until it is fixed").
    #[serde(skip)]
    pub fallback: &'static str,
}

impl FileProblem {
    pub fn new(path: &Path, what: &'static str, error: &impl Located, serving: Serving) -> FileProblem {
        let (line, column) = match error.line_column() {
            Some((line, column)) if line > 0 => (Some(line), Some(column)),
            _ => (None, None),
        };
        FileProblem {
            path: path.to_path_buf(),
            what,
            line,
            column,
            key: error.key().filter(|k| !k.is_empty()).map(str::to_string),
            message: error.to_string(),
            serving,
            fallback: "",
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if !self.message.contains(&display_path(&self.path)) && !self.message.contains(&*self.path.to_string_lossy()) {
            write!(f, " ({})", display_path(&self.path))?;
        }
        match self.serving {
            Serving::LastGood => write!(f, "; still using the last good {}", self.what),
            Serving::Fallback if !self.fallback.is_empty() => write!(f, "; {}", self.fallback),
            Serving::Fallback => Ok(()),
        }
    }
}

impl Located for crate::config::ConfigError {
    fn line_column(&self) -> Option<(usize, usize)> {
        match self {
            crate::config::ConfigError::Parse { line, column, .. } => Some((*line, *column)),
            crate::config::ConfigError::Invalid { at, .. } => *at,
            _ => None,
        }
    }
    fn key(&self) -> Option<&str> {
        match self {
            crate::config::ConfigError::Parse { key, .. } | crate::config::ConfigError::Invalid { key, .. } => {
                Some(key.as_str())
            }
            _ => None,
        }
    }
}

impl Located for crate::usage::ProvidersError {
    fn line_column(&self) -> Option<(usize, usize)> {
        match self {
            crate::usage::ProvidersError::Parse { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
    fn key(&self) -> Option<&str> {
        match self {
            crate::usage::ProvidersError::Parse { key, .. } | crate::usage::ProvidersError::Invalid { key, .. } => {
                Some(key.as_str())
            }
            _ => None,
        }
    }
}

impl Located for crate::filter::FilterError {
    fn line_column(&self) -> Option<(usize, usize)> {
        match self {
            crate::filter::FilterError::Parse { line, column, .. }
            | crate::filter::FilterError::Rule { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
    fn key(&self) -> Option<&str> {
        match self {
            crate::filter::FilterError::Rule { key, .. } => Some(key.as_str()),
            _ => None,
        }
    }
}
