//! What a command failed with, as a tagged enum (`{"kind": …, "detail":
//! {…}}` in `bindings.ts`), so the UI can branch on the kind (mark the form
//! field that is wrong, offer to open the broken file at its line) instead
//! of reading the message. Every kind carries `message`: what is wrong and
//! how to fix it, as core errors say it; never a key.
//!
//! The kinds are mapped from core's typed errors here, once; commands just
//! use `?` or `map_err(CommandError::new)`. The message is the error's
//! [`Localized`] text, in the language the app speaks (the kind and its
//! fields are the same in every language).

use std::path::Path;

use codex_helper_agent::ipc::IpcError;
use codex_helper_core::config::error::display_path;
use codex_helper_core::config::ConfigError;
use codex_helper_core::config_edit::ConfigsError;
use codex_helper_core::i18n::Localized;
use codex_helper_core::sessions::SessionError;
use codex_helper_core::switch::SwitchError;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum CommandError {
    /// A value the user gave is unusable. `field` names it, as the form
    /// does: `base_url`, `config`, `alias`, `tags`, `auth_token`,
    /// `api_key`, `session_id`, `cwd`.
    #[error("{message}")]
    InvalidInput { field: Option<String>, message: String },
    /// The config, upstream, client directory or file asked for is not there.
    #[error("{message}")]
    NotFound { message: String },
    /// The change clashes with what is already there (an upstream URL taken).
    #[error("{message}")]
    Conflict { message: String },
    /// A file could not be read or written.
    #[error("{message}")]
    Io { path: Option<String>, message: String },
    /// One of our files (or a client's) does not parse or holds a bad value:
    /// `file` (with `~`), and the line and dotted key where known.
    #[error("{message}")]
    Config { file: String, line: Option<u32>, key: Option<String>, message: String },
    /// The resident app (or what the command needs of the system, such as a
    /// terminal) is not there or did not answer.
    #[error("{message}")]
    Unavailable { message: String },
    /// Anything else.
    #[error("{message}")]
    Failed { message: String },
}

impl CommandError {
    /// Any error a command meets, as its kind.
    pub fn new(err: impl Into<CommandError>) -> CommandError {
        err.into()
    }

    pub fn invalid(field: &str, message: impl std::fmt::Display) -> CommandError {
        CommandError::InvalidInput { field: Some(field.to_string()), message: message.to_string() }
    }

    pub fn not_found(message: impl std::fmt::Display) -> CommandError {
        CommandError::NotFound { message: message.to_string() }
    }

    pub fn unavailable(message: impl std::fmt::Display) -> CommandError {
        CommandError::Unavailable { message: message.to_string() }
    }

    pub fn failed(message: impl std::fmt::Display) -> CommandError {
        CommandError::Failed { message: message.to_string() }
    }

    /// The message, whatever the kind.
    pub fn message(&self) -> &str {
        match self {
            CommandError::InvalidInput { message, .. }
            | CommandError::NotFound { message }
            | CommandError::Conflict { message }
            | CommandError::Io { message, .. }
            | CommandError::Config { message, .. }
            | CommandError::Unavailable { message }
            | CommandError::Failed { message } => message,
        }
    }
}

fn io(path: &Path, message: String) -> CommandError {
    CommandError::Io { path: Some(display_path(path)), message }
}

fn config(path: &Path, line: Option<usize>, key: &str, message: String) -> CommandError {
    CommandError::Config {
        file: display_path(path),
        line: line.and_then(|l| u32::try_from(l).ok()).filter(|l| *l > 0),
        key: Some(key.to_string()).filter(|k| !k.is_empty()),
        message,
    }
}

impl From<ConfigError> for CommandError {
    fn from(err: ConfigError) -> CommandError {
        CommandError::from_config_ref(&err)
    }
}

impl From<ConfigsError> for CommandError {
    fn from(err: ConfigsError) -> CommandError {
        let message = err.localized();
        match err {
            ConfigsError::Config(inner) => inner.into(),
            ConfigsError::UnknownConfig { .. } | ConfigsError::UnknownUpstream { .. } => {
                CommandError::NotFound { message }
            }
            ConfigsError::UrlTaken { .. } | ConfigsError::AliasTaken { .. } | ConfigsError::WhichKey { .. } => {
                CommandError::Conflict { message }
            }
            ConfigsError::UnknownKey { .. } => CommandError::NotFound { message },
            ConfigsError::BadUrl { .. } | ConfigsError::Loop { .. } => CommandError::invalid("base_url", message),
            ConfigsError::BadTag { .. } => CommandError::invalid("tags", message),
            ConfigsError::BadMaxConcurrent => CommandError::invalid("max_concurrent", message),
            ConfigsError::BadHeader { .. } => CommandError::invalid("headers", message),
            ConfigsError::BadName { .. } => CommandError::invalid("config", message),
            ConfigsError::BadKey { what, .. } => CommandError::invalid(&what.replace('-', "_"), message),
            ConfigsError::ControlChar { field, .. } => {
                let field = field.trim_start_matches('-').replace('-', "_");
                CommandError::invalid(if field == "tag" { "tags" } else { &field }, message)
            }
            _ => CommandError::Failed { message },
        }
    }
}

impl From<SwitchError> for CommandError {
    fn from(err: SwitchError) -> CommandError {
        let message = err.localized();
        match &err {
            SwitchError::NoClientDir { .. } => CommandError::NotFound { message },
            SwitchError::Parse { path, line, .. } => config(path, Some(*line), "", message),
            SwitchError::Shape { path, key, .. } => config(path, None, key, message),
            SwitchError::Io { path, .. } => io(path, message),
            SwitchError::Record(inner) => match CommandError::from_config_ref(inner) {
                CommandError::Config { file, line, key, .. } => CommandError::Config { file, line, key, message },
                CommandError::Io { path, .. } => CommandError::Io { path, message },
                _ => CommandError::Failed { message },
            },
            _ => CommandError::Failed { message },
        }
    }
}

impl CommandError {
    /// The kind and place of a [`ConfigError`] seen by reference.
    fn from_config_ref(err: &ConfigError) -> CommandError {
        let message = err.localized();
        match err {
            ConfigError::Io { path, .. } | ConfigError::Lock { path, .. } => io(path, message),
            ConfigError::Parse { path, line, key, .. } => config(path, Some(*line), key, message),
            ConfigError::Invalid { path, key, .. } => config(path, None, key, message),
            ConfigError::Empty { path } | ConfigError::UnsupportedVersion { path, .. } => {
                config(path, None, "", message)
            }
            _ => CommandError::Failed { message },
        }
    }
}

impl From<SessionError> for CommandError {
    fn from(err: SessionError) -> CommandError {
        let message = err.localized();
        match &err {
            SessionError::DirNotFound { .. } | SessionError::NotADirectory { .. } => {
                CommandError::invalid("path", message)
            }
            SessionError::ReadSessions { path, .. } => io(path, message),
            _ => CommandError::Failed { message },
        }
    }
}

impl From<IpcError> for CommandError {
    fn from(err: IpcError) -> CommandError {
        let message = err.localized();
        match &err {
            IpcError::NotRunning { .. } | IpcError::Timeout { .. } => CommandError::Unavailable { message },
            IpcError::Io { at, .. } => io(Path::new(at), message),
            // The resident process refused and said why, or answered
            // something this window does not understand.
            _ => CommandError::Failed { message },
        }
    }
}

impl From<codex_helper_core::autostart::AutostartError> for CommandError {
    fn from(err: codex_helper_core::autostart::AutostartError) -> CommandError {
        io(&err.file.clone(), err.localized())
    }
}

impl From<codex_helper_core::import::ImportError> for CommandError {
    fn from(err: codex_helper_core::import::ImportError) -> CommandError {
        use codex_helper_core::import::ImportError;
        let message = err.localized();
        match err {
            ImportError::Config(inner) => inner.into(),
            ImportError::NotFound { .. } => CommandError::invalid("path", message),
            ImportError::Database { path, .. } | ImportError::Format { path, .. } => config(&path, None, "", message),
            _ => CommandError::Failed { message },
        }
    }
}

impl From<codex_helper_core::backup::BackupError> for CommandError {
    fn from(err: codex_helper_core::backup::BackupError) -> CommandError {
        use codex_helper_core::backup::BackupError;
        let message = err.localized();
        match err {
            BackupError::Config(inner) => inner.into(),
            BackupError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                CommandError::invalid("path", message)
            }
            BackupError::Io { path, .. } => io(&path, message),
            BackupError::NotBackup { .. } | BackupError::UnsupportedVersion { .. } => {
                CommandError::invalid("path", message)
            }
            BackupError::Invalid { path, part, .. } => config(&path, None, part, message),
            _ => CommandError::Failed { message },
        }
    }
}

impl From<codex_helper_core::undo::UndoError> for CommandError {
    fn from(err: codex_helper_core::undo::UndoError) -> CommandError {
        use codex_helper_core::undo::UndoError;
        let message = err.localized();
        match err {
            UndoError::Config(inner) => inner.into(),
            UndoError::Io { dir, .. } => io(&dir, message),
            _ => CommandError::Failed { message },
        }
    }
}

impl From<codex_helper_core::bootstrap::BootstrapError> for CommandError {
    fn from(err: codex_helper_core::bootstrap::BootstrapError) -> CommandError {
        use codex_helper_core::bootstrap::BootstrapError;
        let message = err.localized();
        match err {
            BootstrapError::Config(inner) => inner.into(),
            BootstrapError::Switch(inner) => inner.into(),
            BootstrapError::NothingToImport { .. } => CommandError::NotFound { message },
            _ => CommandError::Failed { message },
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(err: std::io::Error) -> CommandError {
        CommandError::Io { path: None, message: err.to_string() }
    }
}

impl From<tauri::Error> for CommandError {
    fn from(err: tauri::Error) -> CommandError {
        CommandError::failed(err)
    }
}

impl From<tauri_plugin_shell::Error> for CommandError {
    fn from(err: tauri_plugin_shell::Error) -> CommandError {
        CommandError::unavailable(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_helper_core::Service;
    use serde_json::json;

    #[test]
    fn serializes_tagged_with_its_detail() {
        let err = CommandError::invalid("base_url", "--base-url must start with http:// or https://");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"kind": "invalid_input", "detail": {"field": "base_url", "message": "--base-url must start with http:// or https://"}})
        );
        assert_eq!(err.to_string(), err.message());
    }

    #[test]
    fn core_errors_keep_their_kind_and_place() {
        let e: CommandError =
            ConfigsError::UnknownConfig { service: Service::Codex, name: "x".into(), known: vec![] }.into();
        assert!(matches!(e, CommandError::NotFound { .. }), "{e:?}");
        let e: CommandError = ConfigsError::BadUrl { message: "is not a URL".into() }.into();
        assert!(matches!(e, CommandError::InvalidInput { field: Some(ref f), .. } if f == "base_url"), "{e:?}");
        let e: CommandError = ConfigsError::ControlChar { field: "--alias", message: "has a tab".into() }.into();
        assert!(matches!(e, CommandError::InvalidInput { field: Some(ref f), .. } if f == "alias"), "{e:?}");
        let e: CommandError =
            ConfigsError::UrlTaken { service: Service::Claude, config: "c".into(), base_url: "https://a".into() }
                .into();
        assert!(matches!(e, CommandError::Conflict { .. }), "{e:?}");
        let parse = ConfigError::Parse {
            path: "/tmp/config.json".into(),
            line: 3,
            column: 7,
            key: "codex.configs".into(),
            message: "expected a map".into(),
        };
        let message = parse.to_string();
        let e: CommandError = ConfigsError::Config(parse).into();
        assert_eq!(
            e,
            CommandError::Config {
                file: "/tmp/config.json".into(),
                line: Some(3),
                key: Some("codex.configs".into()),
                message
            }
        );
        let e: CommandError = IpcError::NotRunning { at: "/run/app.sock".into() }.into();
        assert!(matches!(e, CommandError::Unavailable { .. }), "{e:?}");
    }

    #[test]
    fn the_message_speaks_the_language_and_the_kind_and_place_stay() {
        use codex_helper_core::i18n::{with_lang, Lang};
        let parse = || ConfigError::Parse {
            path: "/tmp/config.json".into(),
            line: 3,
            column: 7,
            key: "codex.configs".into(),
            message: "expected a map".into(),
        };
        let en: CommandError = with_lang(Lang::En, || ConfigsError::Config(parse()).into());
        let zh: CommandError = with_lang(Lang::ZhCn, || ConfigsError::Config(parse()).into());
        assert_eq!(en.message(), parse().to_string());
        assert!(
            zh.message().starts_with("/tmp/config.json:3:7: codex.configs: ") && zh.message().contains("请手动修正")
        );
        let place = |e: &CommandError| match e {
            CommandError::Config { file, line, key, .. } => (file.clone(), *line, key.clone()),
            other => panic!("{other:?}"),
        };
        assert_eq!(place(&en), place(&zh));
        let zh: CommandError = with_lang(Lang::ZhCn, || IpcError::NotRunning { at: "/run/app.sock".into() }.into());
        assert!(matches!(&zh, CommandError::Unavailable { message } if message.contains("没有运行")), "{zh:?}");
    }
}
