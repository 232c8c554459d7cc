//! First run: import the upstream the client already uses into
//! `config.json`, so the proxy has somewhere to send requests.
//!
//! - Codex: the active `model_provider`'s `base_url` from `config.toml`
//!   (the built-in `openai` provider means https://api.openai.com/v1), and a
//!   key from the provider's `experimental_bearer_token`, its `env_key`
//!   variable, or `OPENAI_API_KEY` in `auth.json`.
//! - Claude: `ANTHROPIC_BASE_URL` (default https://api.anthropic.com),
//!   `ANTHROPIC_AUTH_TOKEN` and `ANTHROPIC_API_KEY`, from settings.json's
//!   `env` first, then the environment (settings win, as in Claude Code),
//!   then `~/.bashrc`, `~/.zshrc`, `~/.profile` ([`crate::shell_env`]; the
//!   source then names file:line per value, keys masked).
//!
//! The proxy's own URL is never imported: when the client already points at
//! us, the file as it was before the switch is read instead
//! ([`switch::unswitched_text`]).

use std::fs;
use std::io;
use std::net::SocketAddr;
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::error::display_path;
use crate::config::{mask_secret, points_at, ConfigError, ConfigStore, NamedConfig, Settings, Upstream, UpstreamAuth};
use crate::paths::Paths;
use crate::service::Service;
use crate::switch::{self, claude, codex, SwitchError};

const OPENAI_DEFAULT: &str = "https://api.openai.com/v1";
const ANTHROPIC_DEFAULT: &str = "https://api.anthropic.com";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapError {
    #[error(transparent)]
    Switch(#[from] SwitchError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The client's settings name no usable upstream.
    #[error("{message}; add one yourself with `ch config add NAME --base-url URL --auth-token KEY{}`", service.cli_flag())]
    NothingToImport { service: Service, message: String },
}

/// An upstream found in the client's own settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientUpstream {
    pub upstream: Upstream,
    /// The provider id (`openai`, `packy`, `anthropic`, a host name).
    pub provider_id: String,
    /// Where it came from, for the user (`~/.codex/config.toml + ...`).
    pub source: String,
}

/// What [`bootstrap`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Imported {
    pub service: Service,
    /// The config created (and made active).
    pub name: String,
    pub base_url: String,
    /// `auth_token` or `api_key`.
    pub key_field: Option<String>,
    /// The key, masked.
    pub key: Option<String>,
    pub source: String,
}

/// Imports the client's upstream into `config.json` as the active config,
/// unless the service already has a config (then `Ok(None)`).
pub fn bootstrap(paths: &Paths, service: Service) -> Result<Option<Imported>, BootstrapError> {
    let store = ConfigStore::new(paths);
    if !store.load()?.service(service).configs.is_empty() {
        return Ok(None);
    }
    let found = find_client_upstream(paths, service)?;
    let name = found.provider_id.clone();
    let written = store.update(|cfg| {
        let section = cfg.service_mut(service);
        // Another process may have added one since we looked.
        if !section.configs.is_empty() {
            return Ok(false);
        }
        let config = NamedConfig { name: name.clone(), upstreams: vec![found.upstream.clone()], ..Default::default() };
        section.configs.insert(name.clone(), config);
        section.active = Some(name.clone());
        Ok(true)
    })?;
    if !written {
        return Ok(None);
    }
    let auth = &found.upstream.auth;
    let (key_field, key) = match (&auth.auth_token, &auth.api_key) {
        (Some(t), _) => (Some("auth_token"), Some(mask_secret(t))),
        (None, Some(k)) => (Some("api_key"), Some(mask_secret(k))),
        _ => (None, None),
    };
    Ok(Some(Imported {
        service,
        name,
        base_url: found.upstream.base_url,
        key_field: key_field.map(str::to_string),
        key,
        source: found.source,
    }))
}

/// The upstream the client uses when not switched to us, with its key.
pub fn find_client_upstream(paths: &Paths, service: Service) -> Result<ClientUpstream, BootstrapError> {
    find_with_env(paths, service, &|name| std::env::var(name).ok())
}

/// [`find_client_upstream`] with the environment given (tests).
pub fn find_with_env(
    paths: &Paths,
    service: Service,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ClientUpstream, BootstrapError> {
    let found = match service {
        Service::Codex => codex_upstream(paths, env)?,
        Service::Claude => claude_upstream(paths, env)?,
    };
    let port = Settings::load(paths)?.service(service).port;
    let ours = url::Url::parse(&found.upstream.base_url)
        .ok()
        .is_some_and(|u| points_at(&u, SocketAddr::from(([127, 0, 0, 1], port))));
    if ours {
        return Err(nothing(
            service,
            format!(
                "{} points at codex-helper's own proxy ({}), not at a real upstream",
                found.source, found.upstream.base_url
            ),
        ));
    }
    Ok(found)
}

fn codex_upstream(paths: &Paths, env: &dyn Fn(&str) -> Option<String>) -> Result<ClientUpstream, BootstrapError> {
    let file = paths.codex_dir().join("config.toml");
    let shown = display_path(&file);
    let text = match switch::unswitched_text(paths, Service::Codex)? {
        Some(text) => text,
        None if file.exists() => {
            return Err(nothing(
                Service::Codex,
                format!("{shown} points at a local proxy and there is no backup of what it was before"),
            ))
        }
        None => String::new(),
    };
    let doc = codex::parse(&text, &file)?;
    let (id, url) = codex::active_provider(&doc);
    if id == codex::PROVIDER_ID {
        return Err(nothing(Service::Codex, format!("{shown} uses codex-helper's own provider entry")));
    }
    let base_url = match url {
        Some(url) => url,
        None if id == codex::DEFAULT_PROVIDER => OPENAI_DEFAULT.to_string(),
        None => {
            return Err(nothing(
                Service::Codex,
                format!("{shown}: model_provider `{id}` has no base_url in [model_providers.{id}]"),
            ))
        }
    };
    let auth_file = paths.codex_dir().join("auth.json");
    let mut source = format!("{shown} (model_provider `{id}`)");
    let mut key = codex::provider_field(&doc, &id, "experimental_bearer_token");
    if key.is_none() {
        if let Some(var) = codex::provider_field(&doc, &id, "env_key") {
            key = env(&var).filter(|k| !k.is_empty());
            if key.is_some() {
                source.push_str(&format!(" + ${var}"));
            }
        }
    }
    if key.is_none() {
        key = match read_json(&auth_file)?.as_ref().and_then(|v| v.get("OPENAI_API_KEY")) {
            Some(Value::String(k)) => Some(k.clone()),
            // Codex writes null there for a ChatGPT login: no key.
            None | Some(Value::Null) => None,
            // Any other type is a broken edit; "no key" would send the user
            // looking in the wrong place.
            Some(other) => {
                let kind = match other {
                    Value::Bool(_) => "boolean",
                    Value::Number(_) => "number",
                    Value::Array(_) => "list",
                    _ => "object",
                };
                return Err(ConfigError::invalid(
                    &auth_file,
                    "OPENAI_API_KEY",
                    crate::t_both!("err-bootstrap-key-kind", kind = kind),
                    crate::t_both!("err-bootstrap-key-hint"),
                )
                .into());
            }
        };
        if key.is_some() {
            source.push_str(&format!(" + {}", display_path(&auth_file)));
        }
    }
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err(nothing(
            Service::Codex,
            format!("found {base_url} in {shown} but no API key (no OPENAI_API_KEY in {}; a ChatGPT login cannot be proxied)", display_path(&auth_file)),
        ));
    };
    Ok(ClientUpstream {
        upstream: upstream(base_url, UpstreamAuth { auth_token: Some(key), ..Default::default() }, &id, "codex-config"),
        provider_id: id,
        source,
    })
}

fn claude_upstream(paths: &Paths, env: &dyn Fn(&str) -> Option<String>) -> Result<ClientUpstream, BootstrapError> {
    let file = paths.claude_dir().join("settings.json");
    let shown = display_path(&file);
    let settings = match switch::unswitched_text(paths, Service::Claude)? {
        Some(text) => claude::parse(&text, &file)?.value,
        None if file.exists() => {
            return Err(nothing(
                Service::Claude,
                format!("{shown} points at a local proxy and there is no backup of what it was before"),
            ))
        }
        None => Value::Object(Map::new()),
    };
    // settings.json's env wins over the process environment, as in Claude
    // Code; the shell start-up files come last (a GUI-started app or a
    // fresh terminal may not have them in its environment).
    let from_rc = std::cell::RefCell::new(Vec::new());
    let lookup = |name: &str| -> Option<(String, &'static str)> {
        if let Some(v) = claude::env_var(&settings, name).filter(|v| !v.is_empty()) {
            return Some((v.to_string(), "settings"));
        }
        if let Some(v) = env(name).filter(|v| !v.is_empty()) {
            return Some((v, "environment"));
        }
        let found = crate::shell_env::lookup(paths.home(), name).filter(|f| !f.value.is_empty())?;
        let shown = if name == "ANTHROPIC_BASE_URL" { found.value.clone() } else { mask_secret(&found.value) };
        from_rc.borrow_mut().push(format!("{name}={shown} from {}:{}", display_path(&found.file), found.line));
        Some((found.value, "shell"))
    };
    let base_url = lookup("ANTHROPIC_BASE_URL").map_or_else(|| ANTHROPIC_DEFAULT.to_string(), |(v, _)| v);
    let token = lookup("ANTHROPIC_AUTH_TOKEN").filter(|(v, _)| v != claude::PLACEHOLDER_TOKEN);
    let api_key = lookup("ANTHROPIC_API_KEY");
    if token.is_none() && api_key.is_none() {
        return Err(nothing(
            Service::Claude,
            format!("no ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY in {shown} (\"env\"), the environment or ~/.bashrc, ~/.zshrc, ~/.profile; a claude.ai login cannot be proxied"),
        ));
    }
    let from_settings = [&token, &api_key].iter().any(|k| k.as_ref().is_some_and(|(_, w)| *w == "settings"));
    let mut source =
        if from_settings { format!("{shown} (\"env\")") } else { "the ANTHROPIC_* environment variables".into() };
    let from_rc = from_rc.into_inner();
    if !from_rc.is_empty() {
        let in_env = [&token, &api_key].iter().any(|k| k.as_ref().is_some_and(|(_, w)| *w == "environment"));
        source =
            if from_settings || in_env { format!("{source} + {}", from_rc.join(", ")) } else { from_rc.join(", ") };
    }
    let provider_id = if base_url == ANTHROPIC_DEFAULT {
        "anthropic".to_string()
    } else {
        url::Url::parse(&base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "imported".into())
    };
    let auth = UpstreamAuth { auth_token: token.map(|t| t.0), api_key: api_key.map(|k| k.0), ..Default::default() };
    Ok(ClientUpstream { upstream: upstream(base_url, auth, &provider_id, "claude-config"), provider_id, source })
}

fn upstream(base_url: String, auth: UpstreamAuth, provider_id: &str, source: &str) -> Upstream {
    let mut tags = IndexMap::new();
    tags.insert("source".to_string(), source.to_string());
    tags.insert("provider_id".to_string(), provider_id.to_string());
    Upstream { base_url, auth, tags, ..Default::default() }
}

/// A JSON file, or `None` if it does not exist.
fn read_json(path: &Path) -> Result<Option<Value>, BootstrapError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(crate::config::error::parse_json(&bytes, path)?)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::Io { path: path.to_path_buf(), source: e }.into()),
    }
}

fn nothing(service: Service, message: String) -> BootstrapError {
    BootstrapError::NothingToImport { service, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODEX_CONFIG: &str = r#"model = "gpt-5"
model_provider = "packy"
check_for_update_on_startup = false
[model_providers.packy]
name = "packy"
base_url = "https://codex-api.packycode.com/v1"
wire_api = "responses"
env_key = "PACKY_KEY"
request_max_retries = 0
[analytics]
enabled = false
"#;
    const AUTH: &str = r#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-proj-abcdefgh1234"}"#;

    fn codex_home(config: Option<&str>, auth: Option<&str>) -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        fs::create_dir_all(paths.codex_dir()).unwrap();
        if let Some(c) = config {
            fs::write(paths.codex_dir().join("config.toml"), c).unwrap();
        }
        if let Some(a) = auth {
            fs::write(paths.codex_dir().join("auth.json"), a).unwrap();
        }
        (dir, paths)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn codex_imports_active_provider_and_auth_json_key() {
        let (_d, paths) = codex_home(Some(CODEX_CONFIG), Some(AUTH));
        let found = find_with_env(&paths, Service::Codex, &no_env).unwrap();
        assert_eq!(found.upstream.base_url, "https://codex-api.packycode.com/v1");
        assert_eq!(found.upstream.auth.auth_token.as_deref(), Some("sk-proj-abcdefgh1234"));
        assert_eq!(found.provider_id, "packy");
        assert_eq!(found.upstream.tags["source"], "codex-config");
        assert!(found.source.contains("auth.json"), "{}", found.source);
        // The provider's env_key variable wins when it is set.
        let env = |n: &str| (n == "PACKY_KEY").then(|| "sk-packy-from-env-9999".to_string());
        let found = find_with_env(&paths, Service::Codex, &env).unwrap();
        assert_eq!(found.upstream.auth.auth_token.as_deref(), Some("sk-packy-from-env-9999"));
    }

    #[test]
    fn codex_defaults_to_openai_and_bootstrap_writes_the_active_config_once() {
        let (_d, paths) = codex_home(None, Some(AUTH));
        let imported = bootstrap(&paths, Service::Codex).unwrap().unwrap();
        assert_eq!(imported.name, "openai");
        assert_eq!(imported.base_url, "https://api.openai.com/v1");
        assert_eq!(imported.key.as_deref(), Some("sk-…1234"));
        assert_eq!(imported.key_field.as_deref(), Some("auth_token"));
        let cfg = ConfigStore::new(&paths).load().unwrap();
        let active = cfg.codex.active_config().unwrap();
        assert_eq!(active.upstreams[0].key(), Some("sk-proj-abcdefgh1234"));
        assert_eq!(active.upstreams[0].tags["provider_id"], "openai");
        assert_eq!(bootstrap(&paths, Service::Codex).unwrap(), None, "a config exists now");
    }

    #[test]
    fn codex_switched_to_us_imports_what_was_there_before() {
        let (_d, paths) = codex_home(Some(CODEX_CONFIG), Some(AUTH));
        switch::switch_on(&paths, Service::Codex, 3211).unwrap();
        let found = find_with_env(&paths, Service::Codex, &no_env).unwrap();
        assert_eq!(found.upstream.base_url, "https://codex-api.packycode.com/v1");
        // Even after the user edits the switched file.
        let file = paths.codex_dir().join("config.toml");
        fs::write(&file, fs::read_to_string(&file).unwrap() + "# edited\n").unwrap();
        let found = find_with_env(&paths, Service::Codex, &no_env).unwrap();
        assert_eq!(found.provider_id, "packy");
    }

    #[test]
    fn codex_pointing_at_the_proxy_without_history_imports_nothing() {
        let ours = "model_provider = \"local\"\n[model_providers.local]\nbase_url = \"http://127.0.0.1:3211/v1\"\n";
        let (_d, paths) = codex_home(Some(ours), Some(AUTH));
        let err = find_with_env(&paths, Service::Codex, &no_env).unwrap_err().to_string();
        assert!(err.contains("codex-helper's own proxy"), "{err}");
        assert!(err.contains("ch config add"), "{err}");
    }

    #[test]
    fn codex_without_a_key_says_so() {
        let (_d, paths) = codex_home(None, Some(r#"{"auth_mode":"chatgpt","tokens":{}}"#));
        let err = bootstrap(&paths, Service::Codex).unwrap_err().to_string();
        assert!(err.contains("no API key"), "{err}");
        assert!(!paths.config_file().exists());
    }

    #[test]
    fn claude_imports_settings_env_over_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        fs::create_dir_all(paths.claude_dir()).unwrap();
        let settings = r#"{"env": {"ANTHROPIC_BASE_URL": "https://relay.example/api", "ANTHROPIC_AUTH_TOKEN": "cr-settings-token-5678"}}"#;
        fs::write(paths.claude_dir().join("settings.json"), settings).unwrap();
        let env = |n: &str| match n {
            "ANTHROPIC_AUTH_TOKEN" => Some("from-env-token-0000".to_string()),
            "ANTHROPIC_API_KEY" => Some("sk-ant-api-key-4444".to_string()),
            _ => None,
        };
        let found = find_with_env(&paths, Service::Claude, &env).unwrap();
        assert_eq!(found.upstream.base_url, "https://relay.example/api");
        assert_eq!(found.upstream.auth.auth_token.as_deref(), Some("cr-settings-token-5678"));
        assert_eq!(found.upstream.auth.api_key.as_deref(), Some("sk-ant-api-key-4444"));
        assert_eq!(found.provider_id, "relay.example");
        // Switched to us: the placeholder token and our URL are never imported.
        switch::switch_on(&paths, Service::Claude, 3210).unwrap();
        let found = find_with_env(&paths, Service::Claude, &no_env).unwrap();
        assert_eq!(found.upstream.base_url, "https://relay.example/api");
    }

    #[test]
    fn claude_reads_shell_start_up_files_when_settings_have_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        fs::write(dir.path().join(".bashrc"), "# relay\nexport ANTHROPIC_BASE_URL=\"https://relay.example/api\"\n")
            .unwrap();
        fs::write(dir.path().join(".zshrc"), "alias ll='ls -l'\nANTHROPIC_AUTH_TOKEN='cr-zsh-token-7777' # key\n")
            .unwrap();
        let found = find_with_env(&paths, Service::Claude, &no_env).unwrap();
        assert_eq!(found.upstream.base_url, "https://relay.example/api");
        assert_eq!(found.upstream.auth.auth_token.as_deref(), Some("cr-zsh-token-7777"));
        assert!(found.source.contains(".bashrc:2") && found.source.contains(".zshrc:2"), "{}", found.source);
        assert!(!found.source.contains("cr-zsh-token-7777") && found.source.contains("cr-…7777"), "{}", found.source);

        // settings.json's env still wins.
        fs::create_dir_all(paths.claude_dir()).unwrap();
        let settings = r#"{"env": {"ANTHROPIC_BASE_URL": "https://settings.example", "ANTHROPIC_AUTH_TOKEN": "cr-settings-token-5678"}}"#;
        fs::write(paths.claude_dir().join("settings.json"), settings).unwrap();
        let found = find_with_env(&paths, Service::Claude, &no_env).unwrap();
        assert_eq!(found.upstream.auth.auth_token.as_deref(), Some("cr-settings-token-5678"));
        assert!(!found.source.contains(".zshrc"), "{}", found.source);
    }

    #[test]
    fn claude_defaults_to_anthropic_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let env = |n: &str| (n == "ANTHROPIC_API_KEY").then(|| "sk-ant-api-key-4444".to_string());
        let found = find_with_env(&paths, Service::Claude, &env).unwrap();
        assert_eq!(found.upstream.base_url, "https://api.anthropic.com");
        assert_eq!(found.provider_id, "anthropic");
        assert_eq!(found.upstream.auth.auth_token, None);
        let err = find_with_env(&paths, Service::Claude, &no_env).unwrap_err().to_string();
        assert!(err.contains("no ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY"), "{err}");
        assert!(err.contains("--claude"), "{err}");
    }
}
