//! The errors of our files and of what people change in them: configs,
//! settings, the client's files, backups, imports, filter rules, sessions.
//! Causes from the OS or a parser (`{source}`, serde's `message`) stay as
//! they come.

use super::Localized;
use crate::backup::{self, BackupError};
use crate::bootstrap::BootstrapError;
use crate::config::error::{display_path, place};
use crate::config::ConfigError;
use crate::config_edit::ConfigsError;
use crate::filter::edit::FilterEditError;
use crate::filter::FilterError;
use crate::import::ImportError;
use crate::sessions::SessionError;
use crate::switch::{client_command, SwitchError};
use crate::t;
use crate::undo::UndoError;
use crate::usage::ProvidersError;

impl Localized for ConfigError {
    fn localized(&self) -> String {
        match self {
            ConfigError::Io { path, source } => {
                t!("err-config-io", path = display_path(path), source = source.to_string())
            }
            ConfigError::Parse { path, line, column, key, message } => {
                // Line 0: serde's error did not come from the text, no place.
                let at = (*line > 0).then_some((*line, *column));
                t!("err-config-parse", place = place(path, at, key), message = message.as_str())
            }
            ConfigError::Empty { path } => t!("err-config-empty", path = display_path(path)),
            ConfigError::Invalid { path, at, key, message, hint } if hint.en.is_empty() => {
                t!("err-config-invalid", place = place(path, *at, key), message = message.here.as_str())
            }
            ConfigError::Invalid { path, at, key, message, hint } => t!(
                "err-config-invalid-hint",
                place = place(path, *at, key),
                message = message.here.as_str(),
                hint = hint.here.as_str()
            ),
            ConfigError::UnsupportedVersion { path, version } => t!(
                "err-config-unsupported-version",
                path = display_path(path),
                version = version.to_string(),
                current = crate::config::model::CURRENT_VERSION.to_string()
            ),
            ConfigError::Lock { path, source } => {
                t!("err-config-lock", path = display_path(path), source = source.to_string())
            }
        }
    }
}

impl Localized for ConfigsError {
    fn localized(&self) -> String {
        match self {
            ConfigsError::Config(inner) => inner.localized(),
            ConfigsError::UnknownConfig { service, name, known } => {
                let known = if known.is_empty() {
                    t!("err-configs-no-configs")
                } else {
                    t!("err-configs-existing", names = known.join(", "))
                };
                t!("err-configs-unknown-config", service = service.as_str(), name = name.as_str(), known = known)
            }
            ConfigsError::BadUrl { message } => format!("--base-url {}", message.here),
            ConfigsError::ControlChar { field, message } => format!("{field} {}", message.here),
            ConfigsError::BadProtocol { message } => format!("--protocol {}", message.here),
            ConfigsError::BadModelMap { message } => format!("--model-map {}", message.here),
            ConfigsError::BadHeader { message } => format!("--header {}", message.here),
            ConfigsError::Loop { url, owner, port } => {
                t!("err-configs-loop", url = url.as_str(), owner = owner.as_str(), port = port.to_string())
            }
            ConfigsError::BadMaxConcurrent => t!("err-configs-max-concurrent"),
            ConfigsError::BadTag { tag } => t!("err-configs-bad-tag", tag = tag.as_str()),
            ConfigsError::BadKey { what, problem } => {
                let problem = match *problem {
                    "is empty" => t!("err-configs-key-empty"),
                    "contains spaces or control characters" => t!("err-configs-key-spaces"),
                    "contains characters that can't be sent" => t!("err-configs-key-unsendable"),
                    other => other.to_string(),
                };
                t!("err-configs-bad-key", what = *what, problem = problem)
            }
            ConfigsError::BadName { name } => t!("err-configs-bad-name", name = name.escape_debug().to_string()),
            ConfigsError::UnknownUpstream { service, config, base_url, known } => {
                let known = if known.is_empty() {
                    t!("err-configs-no-upstreams")
                } else {
                    t!("err-configs-upstreams", urls = known.join(", "))
                };
                t!(
                    "err-configs-unknown-upstream",
                    service = service.as_str(),
                    config = config.as_str(),
                    url = base_url.as_str(),
                    known = known
                )
            }
            ConfigsError::UrlTaken { service, config, base_url } => t!(
                "err-configs-url-taken",
                service = service.as_str(),
                config = config.as_str(),
                url = base_url.as_str()
            ),
            ConfigsError::WhichKey { service, config, base_url, keys } => t!(
                "err-configs-which-key",
                service = service.as_str(),
                config = config.as_str(),
                url = base_url.as_str(),
                keys = keys.join(", ")
            ),
            ConfigsError::UnknownKey { config, base_url, what, keys } => t!(
                "err-configs-unknown-key",
                config = config.as_str(),
                url = base_url.as_str(),
                what = what.as_str(),
                keys = keys.join(", ")
            ),
            ConfigsError::AliasTaken { config, alias, base_url } => {
                t!("err-configs-alias-taken", config = config.as_str(), alias = alias.as_str(), url = base_url.as_str())
            }
        }
    }
}

impl Localized for BootstrapError {
    fn localized(&self) -> String {
        match self {
            BootstrapError::Switch(inner) => inner.localized(),
            BootstrapError::Config(inner) => inner.localized(),
            BootstrapError::NothingToImport { service, message } => {
                t!("err-bootstrap-nothing", message = message.as_str(), flag = service.cli_flag())
            }
        }
    }
}

impl Localized for UndoError {
    fn localized(&self) -> String {
        match self {
            UndoError::Io { dir, source } => {
                t!("err-undo-io", dir = dir.display().to_string(), source = source.to_string())
            }
            UndoError::Config(inner) => inner.localized(),
        }
    }
}

impl Localized for SwitchError {
    fn localized(&self) -> String {
        match self {
            SwitchError::NoClientDir { service, dir } => t!(
                "err-switch-no-client-dir",
                dir = display_path(dir),
                client = service.display_name(),
                command = client_command(*service)
            ),
            SwitchError::Parse { path, line, column, message } => t!(
                "err-switch-parse",
                path = display_path(path),
                line = line.to_string(),
                column = column.to_string(),
                message = message.as_str()
            ),
            SwitchError::Shape { path, key, message } => {
                t!("err-switch-shape", path = display_path(path), key = key.as_str(), message = message.as_str())
            }
            SwitchError::Io { path, source } => {
                t!("err-config-io", path = display_path(path), source = source.to_string())
            }
            SwitchError::Record(inner) => t!("err-switch-record", inner = inner.localized()),
        }
    }
}

impl Localized for ProvidersError {
    fn localized(&self) -> String {
        match self {
            ProvidersError::Io { path, source } => {
                t!("err-config-io", path = display_path(path), source = source.to_string())
            }
            ProvidersError::Parse { path, line, column, key, message } => t!(
                "err-providers-parse",
                path = display_path(path),
                line = line.to_string(),
                column = column.to_string(),
                key = if key.is_empty() { String::new() } else { format!("{key}: ") },
                message = message.as_str()
            ),
            ProvidersError::Invalid { path, key, message } => {
                t!("err-providers-invalid", path = display_path(path), key = key.as_str(), message = message.as_str())
            }
        }
    }
}

impl Localized for SessionError {
    fn localized(&self) -> String {
        match self {
            SessionError::DirNotFound { path, .. } => {
                t!("err-session-dir-not-found", path = path.display().to_string())
            }
            SessionError::NotADirectory { path } => {
                t!("err-session-not-a-directory", path = path.display().to_string())
            }
            SessionError::CurrentDir(source) => t!("err-session-current-dir", source = source.to_string()),
            SessionError::ReadSessions { path, source } => {
                t!("err-session-read", path = path.display().to_string(), source = source.to_string())
            }
        }
    }
}

impl Localized for ImportError {
    fn localized(&self) -> String {
        match self {
            ImportError::NotFound { path } => t!("err-import-not-found", path = path.display().to_string()),
            ImportError::Database { path, message } => {
                t!("err-import-database", path = path.display().to_string(), message = message.as_str())
            }
            // The path and the importer's own words.
            ImportError::Format { .. } => self.to_string(),
            ImportError::Config(inner) => inner.localized(),
        }
    }
}

impl Localized for BackupError {
    fn localized(&self) -> String {
        match self {
            BackupError::Io { path, source } => {
                t!("err-config-io", path = path.display().to_string(), source = source.to_string())
            }
            BackupError::NotBackup { path, message } => {
                t!("err-backup-not-backup", path = path.display().to_string(), message = message.as_str())
            }
            BackupError::UnsupportedVersion { path, version } => t!(
                "err-backup-unsupported-version",
                path = path.display().to_string(),
                version = version.to_string(),
                current = backup::VERSION.to_string()
            ),
            BackupError::Invalid { path, part, message } => {
                t!(
                    "err-backup-invalid",
                    path = path.display().to_string(),
                    part = *part,
                    message = message.here.as_str()
                )
            }
            BackupError::Config(inner) => inner.localized(),
            BackupError::Providers(inner) => inner.localized(),
            BackupError::Filter(inner) => inner.localized(),
        }
    }
}

impl Localized for FilterError {
    fn localized(&self) -> String {
        match self {
            FilterError::Io { path, source } => {
                t!("err-filter-io", path = path.display().to_string(), source = source.to_string())
            }
            FilterError::Parse { path, line, column, message } => t!(
                "err-filter-parse",
                path = path.display().to_string(),
                line = line.to_string(),
                column = column.to_string(),
                message = message.as_str()
            ),
            // Place and the checker's own words.
            FilterError::Shape { .. } | FilterError::Rule { .. } => self.to_string(),
        }
    }
}

impl Localized for FilterEditError {
    fn localized(&self) -> String {
        match self {
            FilterEditError::Rule { index, field, message } => {
                t!(
                    "err-filter-rule-edit",
                    number = (index + 1).to_string(),
                    field = *field,
                    message = message.here.as_str()
                )
            }
            FilterEditError::File(inner) => inner.localized(),
            FilterEditError::Write { path, source } => {
                t!("err-filter-write", path = path.display().to_string(), source = source.to_string())
            }
        }
    }
}
