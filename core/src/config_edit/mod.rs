//! Editing `config.json` the way `ch config …` and the desktop app do: add an
//! upstream, change one, choose the active config, remove one, pick the default service,
//! and views of it all with every key masked.
//!
//! Every write goes through [`ConfigStore::update`] (lock, fresh re-read,
//! validate, atomic write), so a running proxy picks the change up on its
//! next poll and concurrent edits by the app are never lost. Nothing here
//! ever returns a key unmasked.

use std::net::SocketAddr;

use indexmap::IndexMap;
use serde::Serialize;

use crate::config::{
    points_at, validate_base_url, ConfigError, ConfigFile, ConfigStore, ModelMap, NamedConfig, Protocol, Settings,
    Strategy, Upstream, UpstreamAuth,
};
use crate::i18n::Both;
use crate::Service;

mod connection;
pub(crate) use connection::without_url;
pub mod detect;
mod pool;
mod update;
mod view;

pub use connection::{test_connection, test_stored_connection, ConnectionTest};
pub use pool::{remove_upstream, set_strategy, RemoveUpstreamOutcome, StrategyOutcome, UpstreamPick};
pub use update::{update_upstream, NewKey, UpdateOutcome, UpstreamChange};

pub use view::{list, show, ConfigView, DefaultService, ServiceView, UpstreamView};

/// Why a config edit was refused. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigsError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{service} has no config named `{name}`; {}", known_names(known))]
    UnknownConfig { service: Service, name: String, known: Vec<String> },
    #[error("--base-url {}", .message.en)]
    BadUrl { message: Both },
    /// `message` starts with what the protocol is (`is `chat`, but …`).
    #[error("--protocol {}", .message.en)]
    BadProtocol { message: Both },
    #[error(
        "--base-url {url} points at codex-helper's own {owner} proxy (127.0.0.1:{port}); requests would loop back into the proxy forever. Use the relay's real URL (e.g. https://api.openai.com/v1)"
    )]
    Loop { url: String, owner: Service, port: u16 },
    /// `message` starts with what the value is (`` `gpt-5` has no `=` ``…).
    #[error("--model-map {}", .message.en)]
    BadModelMap { message: Both },
    /// `message` starts with the header's name.
    #[error("--header {}", .message.en)]
    BadHeader { message: Both },
    #[error("--max-concurrent must be at least 1 (0 would let no request through); leave it out for no cap")]
    BadMaxConcurrent,
    #[error("--tag `{tag}` is not KEY=VALUE with a non-empty KEY (e.g. --tag provider_id=openai)")]
    BadTag { tag: String },
    #[error("the {what} {problem}; paste the key again (from stdin, use `--{what} -`)")]
    BadKey { what: &'static str, problem: &'static str },
    #[error("the config name must not be empty or contain spaces or control characters (got `{}`)", name.escape_debug())]
    BadName { name: String },
    /// `field` is the option (`--alias`, `--tag`) whose value is unusable.
    #[error("{field} {}", .message.en)]
    ControlChar { field: &'static str, message: Both },
    #[error("{service} config `{config}` has no upstream at {base_url}; {}", known_urls(known))]
    UnknownUpstream { service: Service, config: String, base_url: String, known: Vec<String> },
    #[error(
        "{service} config `{config}` already has an upstream at {base_url} with the same key; edit or remove that one instead"
    )]
    UrlTaken { service: Service, config: String, base_url: String },
    #[error(
        "{service} config `{config}` has several keys for {base_url} ({}); say which one with --key-alias A or --index N",
        keys.join(", ")
    )]
    WhichKey { service: Service, config: String, base_url: String, keys: Vec<String> },
    #[error("config `{config}` has {what} for {base_url}; its keys there: {}", keys.join(", "))]
    UnknownKey { config: String, base_url: String, what: String, keys: Vec<String> },
    #[error("config `{config}` already has a key named `{alias}` (at {base_url}); choose another --key-alias")]
    AliasTaken { config: String, alias: String, base_url: String },
}

fn known_urls(known: &[String]) -> String {
    if known.is_empty() {
        "it has no upstreams".to_string()
    } else {
        format!("its upstreams: {}", known.join(", "))
    }
}

fn known_names(known: &[String]) -> String {
    if known.is_empty() {
        "there are no configs yet: add one with `ch config add NAME --base-url URL --auth-token -`".to_string()
    } else {
        format!("existing configs: {}", known.join(", "))
    }
}

fn unknown(file: &ConfigFile, service: Service, name: &str) -> ConfigsError {
    let known = file.service(service).configs.keys().cloned().collect();
    ConfigsError::UnknownConfig { service, name: name.to_string(), known }
}

/// What `ch config add` asks for.
#[derive(Clone, Debug, Default)]
pub struct NewUpstream {
    pub base_url: String,
    pub auth_token: Option<String>,
    pub api_key: Option<String>,
    /// Set (or replace) the config's alias.
    pub alias: Option<String>,
    pub tags: IndexMap<String, String>,
    /// The API the upstream speaks; `None`: the client's own (or, for an
    /// upstream already there, what it has).
    pub protocol: Option<Protocol>,
    /// Model map entries to add (for an upstream already there: entries
    /// given win, others are kept, as with tags).
    pub model_map: ModelMap,
    /// A name for this key (`--key-alias`), shown instead of the masked key.
    pub key_alias: Option<String>,
    /// Replace the key of the upstream already at this URL (the one named
    /// by `key_alias` when there are several) instead of adding a key.
    pub replace: bool,
    /// Set the config's strategy.
    pub strategy: Option<Strategy>,
    /// Extra headers to send to this upstream (for one already there:
    /// entries given win, others are kept, as with tags).
    pub headers: IndexMap<String, String>,
    /// Its concurrency cap (`--max-concurrent`); for an upstream already
    /// there, `None` keeps what it has.
    pub max_concurrent: Option<u32>,
}

/// What [`add_upstream`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AddAction {
    /// The upstream was appended (the config may be new: see `created`);
    /// with a URL the config already had, it is another key for it.
    Added,
    /// The config already had this base URL and key, or `replace` was asked:
    /// its key (when replacing) and tags were updated.
    Updated,
    /// The same URL with the same key was already there; nothing written.
    Unchanged,
}

/// The outcome of [`add_upstream`], keys masked.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AddOutcome {
    pub service: Service,
    pub config: String,
    pub action: AddAction,
    /// The config did not exist before.
    pub created: bool,
    /// The config became the service's active one (there was none).
    pub became_active: bool,
    /// Position of the upstream in the config (0 = primary).
    pub index: usize,
    /// How many upstreams (keys) the config has at this URL now.
    pub keys_at_url: usize,
    /// The config's strategy now.
    pub strategy: Strategy,
    pub upstream: UpstreamView,
}

/// `KEY=VALUE` → `(KEY, VALUE)`; the value may be empty or contain `=`.
pub fn parse_tag(tag: &str) -> Result<(String, String), ConfigsError> {
    match tag.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(ConfigsError::BadTag { tag: tag.to_string() }),
    }
}

/// Appends an upstream to config `name` of `service`, creating the config
/// if needed and making it active when the service has no active config.
/// `settings` supplies the proxies' own ports, which a `base_url` must not
/// point at (the proxy would forward to itself).
pub fn add_upstream(
    store: &ConfigStore,
    settings: &Settings,
    service: Service,
    name: &str,
    new: NewUpstream,
) -> Result<AddOutcome, ConfigsError> {
    check_name(name)?;
    check_url(settings, &new.base_url)?;
    check_text_fields(new.alias.as_deref(), Some(&new.tags))?;
    if let Some(alias) = &new.key_alias {
        check_key_alias(alias)?;
    }
    check_model_map(&new.model_map)?;
    check_headers(&new.headers)?;
    check_max_concurrent(new.max_concurrent)?;
    if let Some(protocol) = new.protocol {
        protocol.usable_by(service).map_err(|message| ConfigsError::BadProtocol { message })?;
    }
    let auth_token = check_key(new.auth_token, "auth-token")?;
    let api_key = check_key(new.api_key, "api-key")?;
    // The client's own protocol is the default: it is not written.
    let protocol = new.protocol.filter(|p| *p != Protocol::native(service));
    let upstream = Upstream {
        base_url: new.base_url,
        auth: UpstreamAuth { auth_token, api_key, ..Default::default() },
        tags: new.tags,
        protocol,
        model_map: new.model_map,
        headers: new.headers,
        alias: new.key_alias.clone(),
        max_concurrent: new.max_concurrent,
        ..Default::default()
    };
    let protocol_given = new.protocol.is_some();
    let alias = new.alias;
    let (replace, strategy) = (new.replace, new.strategy);
    let mut refused = None;
    let mut outcome = None;
    edit(store, |file| {
        let section = file.service_mut(service);
        let created = !section.configs.contains_key(name);
        let cfg = section
            .configs
            .entry(name.to_string())
            .or_insert_with(|| NamedConfig { name: name.to_string(), ..Default::default() });
        let alias_changed = alias.is_some() && cfg.alias != alias;
        if alias.is_some() {
            cfg.alias = alias;
        }
        let at_url: Vec<usize> =
            (0..cfg.upstreams.len()).filter(|&i| cfg.upstreams[i].base_url == upstream.base_url).collect();
        let new_key = upstream.key();
        // The upstream this add is about, if one is already there: the one
        // with this key, else (replacing, or no key given) the one at this
        // URL. A different key is another key for the URL.
        let same_key = at_url.iter().copied().find(|&i| cfg.upstreams[i].key() == new_key);
        let existing = match same_key {
            Some(i) => Some(i),
            None if replace || new_key.is_none() => match (&upstream.alias, at_url.as_slice()) {
                (_, []) => None,
                (_, [one]) => Some(*one),
                (Some(a), several) => match several
                    .iter()
                    .copied()
                    .find(|&i| cfg.upstreams[i].alias.as_ref() == Some(a))
                {
                    Some(i) => Some(i),
                    None => {
                        refused = Some(ConfigsError::UnknownKey {
                            config: name.to_string(),
                            base_url: upstream.base_url.clone(),
                            what: format!("no key alias `{a}`"),
                            keys: several.iter().map(|&i| format!("[{i}] {}", cfg.upstreams[i].key_label())).collect(),
                        });
                        return Ok(false);
                    }
                },
                (None, several) => {
                    refused = Some(ConfigsError::WhichKey {
                        service,
                        config: name.to_string(),
                        base_url: upstream.base_url.clone(),
                        keys: several.iter().map(|&i| format!("[{i}] {}", cfg.upstreams[i].key_label())).collect(),
                    });
                    return Ok(false);
                }
            },
            None => None,
        };
        if let Some(a) = &upstream.alias {
            if let Some(other) =
                cfg.upstreams.iter().enumerate().find(|(i, u)| Some(*i) != existing && u.alias.as_ref() == Some(a))
            {
                refused = Some(ConfigsError::AliasTaken {
                    config: name.to_string(),
                    alias: a.clone(),
                    base_url: other.1.base_url.clone(),
                });
                return Ok(false);
            }
        }
        let (action, index) = match existing {
            Some(i)
                if cfg.upstreams[i].auth == upstream.auth
                    && cfg.upstreams[i].tags == upstream.tags
                    && (upstream.alias.is_none() || cfg.upstreams[i].alias == upstream.alias)
                    && (!protocol_given || cfg.upstreams[i].protocol == upstream.protocol)
                    && upstream.model_map.0.iter().all(|(k, v)| cfg.upstreams[i].model_map.0.get(k) == Some(v))
                    && upstream.headers.iter().all(|(k, v)| cfg.upstreams[i].headers.get(k) == Some(v))
                    && (upstream.max_concurrent.is_none()
                        || cfg.upstreams[i].max_concurrent == upstream.max_concurrent) =>
            {
                (AddAction::Unchanged, i)
            }
            Some(i) => {
                let old = &mut cfg.upstreams[i];
                old.auth = upstream.auth.clone();
                if upstream.alias.is_some() {
                    old.alias = upstream.alias.clone();
                }
                if protocol_given {
                    old.protocol = upstream.protocol;
                }
                // Tags (and model map entries) given now win; those not
                // mentioned are kept.
                old.tags.extend(upstream.tags.clone());
                old.model_map.0.extend(upstream.model_map.0.clone());
                old.headers.extend(upstream.headers.clone());
                if upstream.max_concurrent.is_some() {
                    old.max_concurrent = upstream.max_concurrent;
                }
                (AddAction::Updated, i)
            }
            None => {
                cfg.upstreams.push(upstream.clone());
                (AddAction::Added, cfg.upstreams.len() - 1)
            }
        };
        let strategy_changed = strategy.is_some_and(|s| s != cfg.strategy());
        if let Some(s) = strategy {
            cfg.strategy = (s != Strategy::Priority).then_some(s);
        }
        let keys_at_url = cfg.upstreams.iter().filter(|u| u.base_url == cfg.upstreams[index].base_url).count();
        let shown = UpstreamView::of(&cfg.upstreams[index], service);
        let strategy_now = cfg.strategy();
        let became_active = section.active.is_none();
        if became_active {
            section.active = Some(name.to_string());
        }
        let changed = action != AddAction::Unchanged || alias_changed || strategy_changed || became_active || created;
        outcome = Some(AddOutcome {
            service,
            config: name.to_string(),
            action,
            created,
            became_active,
            index,
            keys_at_url,
            strategy: strategy_now,
            upstream: shown,
        });
        Ok(changed)
    })?;
    match refused {
        Some(err) => Err(err),
        None => Ok(outcome.expect("edit ran the closure")),
    }
}

/// A cap of 0 would let nothing through; no cap is `None`.
pub(crate) fn check_max_concurrent(cap: Option<u32>) -> Result<(), ConfigsError> {
    match cap {
        Some(0) => Err(ConfigsError::BadMaxConcurrent),
        _ => Ok(()),
    }
}

/// A key alias names one key among a config's: printable, not empty, no
/// spaces at the ends (it is typed back as `--key-alias`).
pub(crate) fn check_key_alias(alias: &str) -> Result<(), ConfigsError> {
    let refuse = |message: Both| ConfigsError::ControlChar { field: "--key-alias", message };
    crate::config::check_printable(alias).map_err(refuse)?;
    if alias.trim().is_empty() || alias.trim() != alias {
        return Err(refuse(crate::t_both!("err-key-alias-spaces", alias = alias)));
    }
    Ok(())
}

/// The outcome of [`set_active`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SetActiveOutcome {
    pub service: Service,
    pub previous: Option<String>,
    pub active: String,
}

/// Makes `name` the active config of `service`; a running proxy switches
/// on its next poll (a fraction of a second).
pub fn set_active(store: &ConfigStore, service: Service, name: &str) -> Result<SetActiveOutcome, ConfigsError> {
    let mut outcome = None;
    let mut missing = None;
    edit(store, |file| {
        if !file.service(service).configs.contains_key(name) {
            missing = Some(unknown(file, service, name));
            return Ok(false);
        }
        let section = file.service_mut(service);
        let previous = section.active.replace(name.to_string());
        let changed = previous.as_deref() != Some(name);
        outcome = Some(SetActiveOutcome { service, previous, active: name.to_string() });
        Ok(changed)
    })?;
    match missing {
        Some(err) => Err(err),
        None => Ok(outcome.expect("edit ran the closure")),
    }
}

/// The outcome of [`remove`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoveOutcome {
    pub service: Service,
    pub removed: ConfigView,
    /// The removed config was the active one.
    pub was_active: bool,
    /// The active config afterwards: unchanged, or (when the active one was
    /// removed) the first remaining config, or `null` when none is left.
    pub active: Option<String>,
}

/// Deletes config `name` of `service`.
pub fn remove(store: &ConfigStore, service: Service, name: &str) -> Result<RemoveOutcome, ConfigsError> {
    let mut outcome = None;
    let mut missing = None;
    edit(store, |file| {
        let section = file.service_mut(service);
        let was_active = section.active.as_deref() == Some(name);
        let Some(removed) = section.configs.shift_remove(name) else {
            missing = Some(unknown(file, service, name));
            return Ok(false);
        };
        if was_active {
            section.active = section.configs.keys().next().cloned();
        }
        outcome = Some(RemoveOutcome {
            service,
            removed: ConfigView::of(&removed, was_active, service),
            was_active,
            active: section.active.clone(),
        });
        Ok(true)
    })?;
    match missing {
        Some(err) => Err(err),
        None => Ok(outcome.expect("edit ran the closure")),
    }
}

/// Sets `default_service`.
pub fn set_default_service(store: &ConfigStore, service: Service) -> Result<DefaultService, ConfigsError> {
    edit(store, |file| {
        let changed = file.default_service != Some(service);
        file.default_service = Some(service);
        Ok(changed)
    })?;
    Ok(DefaultService { default_service: Some(service), effective: service })
}

/// Runs `f` under the store's lock. `f` returns whether it changed anything;
/// when it did not, the update is abandoned so the file (and its mtime,
/// which running proxies watch) stays exactly as it was.
fn edit(store: &ConfigStore, f: impl FnOnce(&mut ConfigFile) -> Result<bool, ConfigError>) -> Result<(), ConfigError> {
    // `ConfigStore::update` writes whenever its closure succeeds, so "no
    // change" has to leave it through the error path; this marker error is
    // recognised and swallowed right here.
    const UNCHANGED: &str = "codex-helper: nothing to change";
    let result = store.update(|file| match f(file)? {
        true => Ok(()),
        false => Err(ConfigError::Io { path: store.path().to_path_buf(), source: std::io::Error::other(UNCHANGED) }),
    });
    match result {
        Err(ConfigError::Io { source, .. }) if source.to_string() == UNCHANGED => Ok(()),
        other => other,
    }
}

/// A `base_url` an upstream may have: a valid http(s) URL that does not
/// point at one of the proxies' own ports (the proxy would forward to itself).
fn check_url(settings: &Settings, base_url: &str) -> Result<(), ConfigsError> {
    let url = validate_base_url(base_url).map_err(|message| ConfigsError::BadUrl { message })?;
    for owner in Service::ALL {
        let port = settings.service(owner).port;
        if points_at(&url, SocketAddr::from(([127, 0, 0, 1], port))) {
            return Err(ConfigsError::Loop { url: base_url.to_string(), owner, port });
        }
    }
    Ok(())
}

/// Aliases and tags are printed to terminals: no control characters.
pub(crate) fn check_text_fields(
    alias: Option<&str>,
    tags: Option<&indexmap::IndexMap<String, String>>,
) -> Result<(), ConfigsError> {
    let refuse = |field, message| ConfigsError::ControlChar { field, message };
    if let Some(alias) = alias {
        crate::config::check_printable(alias).map_err(|m| refuse("--alias", m))?;
    }
    for (k, v) in tags.into_iter().flatten() {
        crate::config::check_printable(k).map_err(|m| refuse("--tag", m))?;
        crate::config::check_printable(v).map_err(|m| refuse("--tag", m))?;
    }
    Ok(())
}

/// Both sides of every entry named and printable (the window sends rows
/// as typed; the CLI's `FROM=TO` is checked by [`ModelMap::parse_pair`]).
pub(crate) fn check_model_map(map: &ModelMap) -> Result<(), ConfigsError> {
    let refuse = |message: Both| ConfigsError::BadModelMap { message };
    if let Some((from, m)) = map.problem() {
        return Err(refuse(
            m.within(|lang, m| crate::t_in!(lang, "err-model-map-entry", from = from.as_str(), message = m)),
        ));
    }
    for (from, to) in &map.0 {
        for name in [from, to] {
            crate::config::check_printable(name).map_err(|m| {
                refuse(m.within(|lang, m| {
                    crate::t_in!(lang, "err-model-map-entry-control", from = from.as_str(), message = m)
                }))
            })?;
        }
    }
    Ok(())
}

/// Extra headers the proxy may send ([`crate::config::check_extra_header`]).
pub(crate) fn check_headers(headers: &IndexMap<String, String>) -> Result<(), ConfigsError> {
    for (name, value) in headers {
        crate::config::check_extra_header(name, value).map_err(|message| ConfigsError::BadHeader { message })?;
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), ConfigsError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigsError::BadName { name: name.to_string() });
    }
    Ok(())
}

/// Trims a key (stdin brings a newline) and refuses what would not survive
/// an HTTP header.
fn check_key(key: Option<String>, what: &'static str) -> Result<Option<String>, ConfigsError> {
    let Some(key) = key else { return Ok(None) };
    let key = key.trim();
    if key.is_empty() {
        return Err(ConfigsError::BadKey { what, problem: "is empty" });
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigsError::BadKey { what, problem: "contains spaces or control characters" });
    }
    Ok(Some(key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    fn store() -> (tempfile::TempDir, ConfigStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(&Paths::with_home(dir.path()));
        (dir, store)
    }

    fn up(url: &str, token: &str) -> NewUpstream {
        NewUpstream { base_url: url.into(), auth_token: Some(token.into()), ..Default::default() }
    }

    const KEY: &str = "sk-test-0123456789abcd";

    #[test]
    fn add_with_protocol_chat_stores_it_for_both_and_claude_refuses_responses() {
        let (_d, store) = store();
        let s = Settings::default();
        let mut new = up("https://chat.example/v1", KEY);
        new.protocol = Some(Protocol::Chat);
        let a = add_upstream(&store, &s, Service::Codex, "main", new.clone()).unwrap();
        assert_eq!(a.upstream.protocol, Protocol::Chat);
        let file = store.load().unwrap();
        assert_eq!(file.codex.configs["main"].upstreams[0].protocol, Some(Protocol::Chat));
        // The same again changes nothing; `responses` (the default) clears it.
        let again = add_upstream(&store, &s, Service::Codex, "main", new.clone()).unwrap();
        assert_eq!(again.action, AddAction::Unchanged);
        new.protocol = Some(Protocol::Responses);
        let back = add_upstream(&store, &s, Service::Codex, "main", new.clone()).unwrap();
        assert_eq!((back.action, back.upstream.protocol), (AddAction::Updated, Protocol::Responses));
        assert_eq!(
            store.load().unwrap().codex.configs["main"].upstreams[0].protocol,
            None,
            "the default is not written"
        );

        new.protocol = Some(Protocol::Responses);
        let err = add_upstream(&store, &s, Service::Claude, "c", new.clone()).unwrap_err();
        assert!(err.to_string().starts_with("--protocol is `responses`, but Claude Code"), "{err}");
        assert!(store.load().unwrap().claude.configs.is_empty(), "nothing written");
        new.protocol = Some(Protocol::Chat);
        let c = add_upstream(&store, &s, Service::Claude, "c", new).unwrap();
        assert_eq!(c.upstream.protocol, Protocol::Chat);
        assert_eq!(store.load().unwrap().claude.configs["c"].upstreams[0].protocol, Some(Protocol::Chat));
    }

    #[test]
    fn add_creates_activates_then_appends() {
        let (_d, store) = store();
        let s = Settings::default();
        let a = add_upstream(&store, &s, Service::Codex, "main", up("https://a.example/v1", KEY)).unwrap();
        assert!(a.created && a.became_active);
        assert_eq!((a.action.clone(), a.index), (AddAction::Added, 0));
        assert_eq!(a.upstream.auth_token.as_deref(), Some("sk-…abcd"));
        let b = add_upstream(&store, &s, Service::Codex, "main", up("https://b.example/v1", "cr-zzzzzzzzzzzz9999"))
            .unwrap();
        assert!(!b.created && !b.became_active);
        assert_eq!(b.index, 1);
        let other = add_upstream(&store, &s, Service::Codex, "other", up("https://c.example", KEY)).unwrap();
        assert!(other.created && !other.became_active);
        let file = store.load().unwrap();
        assert_eq!(file.codex.active.as_deref(), Some("main"));
        assert_eq!(file.codex.configs["main"].upstreams[1].key(), Some("cr-zzzzzzzzzzzz9999"));
        assert!(file.claude.configs.is_empty());
    }

    #[test]
    fn re_adding_is_unchanged_a_new_key_is_added_and_replace_replaces() {
        let (_d, store) = store();
        let s = Settings::default();
        add_upstream(&store, &s, Service::Claude, "c", up("https://a.example", KEY)).unwrap();
        let before = store.fingerprint();
        let again = add_upstream(&store, &s, Service::Claude, "c", up("https://a.example", KEY)).unwrap();
        assert_eq!(again.action, AddAction::Unchanged);
        assert_eq!(store.fingerprint(), before, "nothing was written");
        let second = NewUpstream { key_alias: Some("spare".into()), ..up("https://a.example", "sk-new-key-77778888") };
        let new = add_upstream(&store, &s, Service::Claude, "c", second).unwrap();
        assert_eq!((new.action, new.index, new.keys_at_url), (AddAction::Added, 1, 2));
        assert_eq!(new.upstream.key_label, "spare");
        let file = store.load().unwrap();
        let ups = &file.claude.configs["c"].upstreams;
        assert_eq!((ups[0].key(), ups[1].key()), (Some(KEY), Some("sk-new-key-77778888")));

        // Replacing with two keys at the URL needs to know which one.
        let replace = |key: &str, alias: Option<&str>| NewUpstream {
            replace: true,
            key_alias: alias.map(str::to_string),
            ..up("https://a.example", key)
        };
        let err = add_upstream(&store, &s, Service::Claude, "c", replace("sk-third-key-99990000", None)).unwrap_err();
        assert!(matches!(err, ConfigsError::WhichKey { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("[0] sk-…abcd") && text.contains("[1] spare") && !text.contains(KEY), "{text}");
        let out =
            add_upstream(&store, &s, Service::Claude, "c", replace("sk-third-key-99990000", Some("spare"))).unwrap();
        assert_eq!((out.action, out.index, out.keys_at_url), (AddAction::Updated, 1, 2));
        let file = store.load().unwrap();
        assert_eq!(file.claude.configs["c"].upstreams[1].key(), Some("sk-third-key-99990000"));
        assert_eq!(file.claude.configs["c"].upstreams.len(), 2);
    }

    #[test]
    fn key_aliases_are_unique_in_a_config() {
        let (_d, store) = store();
        let s = Settings::default();
        let named = |url: &str, key: &str| NewUpstream { key_alias: Some("work".into()), ..up(url, key) };
        add_upstream(&store, &s, Service::Codex, "m", named("https://a.example", KEY)).unwrap();
        let err =
            add_upstream(&store, &s, Service::Codex, "m", named("https://b.example", "sk-other-00001111")).unwrap_err();
        assert!(matches!(err, ConfigsError::AliasTaken { .. }), "{err}");
        let err = add_upstream(
            &store,
            &s,
            Service::Codex,
            "m",
            NewUpstream { key_alias: Some(" x".into()), ..up("https://b.example", KEY) },
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("--key-alias"), "{err}");
    }

    #[test]
    fn remove_upstream_takes_one_key_and_strategy_is_stored_only_when_not_priority() {
        let (_d, store) = store();
        let s = Settings::default();
        add_upstream(&store, &s, Service::Codex, "m", up("https://a.example", KEY)).unwrap();
        let spare = NewUpstream { key_alias: Some("spare".into()), ..up("https://a.example", "sk-spare-key-55556666") };
        add_upstream(&store, &s, Service::Codex, "m", spare).unwrap();
        add_upstream(&store, &s, Service::Codex, "m", up("https://b.example", KEY)).unwrap();

        let err = remove_upstream(&store, Service::Codex, "m", "https://a.example", UpstreamPick::Only).unwrap_err();
        assert!(matches!(err, ConfigsError::WhichKey { .. }), "{err}");
        let err =
            remove_upstream(&store, Service::Codex, "m", "https://a.example", UpstreamPick::Index(2)).unwrap_err();
        assert!(err.to_string().contains("no upstream [2] at this URL"), "{err}");
        let out =
            remove_upstream(&store, Service::Codex, "m", "https://a.example", UpstreamPick::Alias("spare".into()))
                .unwrap();
        assert_eq!((out.index, out.removed.key_label.as_str(), out.now.upstreams.len()), (1, "spare", 2));
        let out = remove_upstream(&store, Service::Codex, "m", "https://a.example", UpstreamPick::Only).unwrap();
        assert_eq!(out.removed.auth_token.as_deref(), Some("sk-…abcd"));
        assert_eq!(store.load().unwrap().codex.configs["m"].upstreams[0].base_url, "https://b.example");

        assert_eq!(show(&store.load().unwrap(), Service::Codex, "m").unwrap().strategy, Strategy::Priority);
        let out = set_strategy(&store, Service::Codex, "m", Strategy::RoundRobin).unwrap();
        assert_eq!((out.previous, out.strategy), (Strategy::Priority, Strategy::RoundRobin));
        let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(store.path()).unwrap()).unwrap();
        assert_eq!(raw["codex"]["configs"]["m"]["strategy"], "round-robin");
        set_strategy(&store, Service::Codex, "m", Strategy::Priority).unwrap();
        let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(store.path()).unwrap()).unwrap();
        assert!(raw["codex"]["configs"]["m"].get("strategy").is_none(), "the default is not written");
        assert!(matches!(
            set_strategy(&store, Service::Codex, "zz", Strategy::FillFirst),
            Err(ConfigsError::UnknownConfig { .. })
        ));
    }

    #[test]
    fn files_with_a_strategy_and_unknown_fields_round_trip() {
        let text = r#"{"codex":{"active":"m","configs":{"m":{"name":"m","alias":null,"strategy":"fill-first","future":1,
            "upstreams":[{"base_url":"https://a","auth":{"auth_token":"k"},"tags":{},"alias":"one","later":true}]}}}}"#;
        let file: ConfigFile = serde_json::from_str(text).unwrap();
        assert_eq!(file.codex.configs["m"].strategy(), Strategy::FillFirst);
        let back = serde_json::to_value(&file).unwrap();
        let m = &back["codex"]["configs"]["m"];
        assert_eq!((m["strategy"].as_str(), m["future"].as_i64()), (Some("fill-first"), Some(1)));
        assert_eq!(
            (m["upstreams"][0]["alias"].as_str(), m["upstreams"][0]["later"].as_bool()),
            (Some("one"), Some(true))
        );
        let err = serde_json::from_str::<ConfigFile>(&text.replace("fill-first", "random")).unwrap_err();
        assert!(err.to_string().contains("unknown variant"), "{err}");
    }

    #[test]
    fn add_refuses_loops_bad_urls_names_and_keys() {
        let (_d, store) = store();
        let s = Settings::default();
        let err = add_upstream(&store, &s, Service::Codex, "m", up("http://localhost:3210/v1", KEY)).unwrap_err();
        assert!(matches!(err, ConfigsError::Loop { owner: Service::Claude, port: 3210, .. }), "{err}");
        assert!(err.to_string().contains("loop"), "{err}");
        let err = add_upstream(&store, &s, Service::Codex, "m", up("api.example.com", KEY)).unwrap_err();
        assert!(err.to_string().starts_with("--base-url `api.example.com` is not a valid URL"), "{err}");
        assert!(matches!(
            add_upstream(&store, &s, Service::Codex, "a b", up("https://a.example", KEY)),
            Err(ConfigsError::BadName { .. })
        ));
        let err = add_upstream(&store, &s, Service::Codex, "m", up("https://a.example", " \n")).unwrap_err();
        assert!(err.to_string().contains("auth-token is empty"), "{err}");
        assert!(!store.path().exists(), "nothing written");
    }

    #[test]
    fn set_active_and_remove() {
        let (_d, store) = store();
        let s = Settings::default();
        for name in ["a", "b", "c"] {
            add_upstream(&store, &s, Service::Codex, name, up(&format!("https://{name}.example"), KEY)).unwrap();
        }
        let err = set_active(&store, Service::Codex, "zz").unwrap_err();
        assert_eq!(err.to_string(), "codex has no config named `zz`; existing configs: a, b, c");
        let out = set_active(&store, Service::Codex, "b").unwrap();
        assert_eq!((out.previous.as_deref(), out.active.as_str()), (Some("a"), "b"));
        let r = remove(&store, Service::Codex, "a").unwrap();
        assert!(!r.was_active);
        assert_eq!(r.active.as_deref(), Some("b"));
        let r = remove(&store, Service::Codex, "b").unwrap();
        assert!(r.was_active);
        assert_eq!(r.active.as_deref(), Some("c"));
        let r = remove(&store, Service::Codex, "c").unwrap();
        assert_eq!(r.active, None);
        assert!(matches!(remove(&store, Service::Codex, "c"), Err(ConfigsError::UnknownConfig { .. })));
        assert!(store.load().unwrap().codex.configs.is_empty());
    }

    #[test]
    fn views_mask_keys() {
        let (_d, store) = store();
        let mut new = up("https://a.example", KEY);
        new.tags.insert("provider_id".into(), "x".into());
        new.alias = Some("Main".into());
        add_upstream(&store, &Settings::default(), Service::Codex, "m", new).unwrap();
        let file = store.load().unwrap();
        let view = list(&file, Service::Codex);
        let text = serde_json::to_string(&view).unwrap();
        assert!(!text.contains(KEY) && text.contains("sk-…abcd"), "{text}");
        assert!(view.configs[0].active);
        assert_eq!(view.configs[0].alias.as_deref(), Some("Main"));
        assert_eq!(show(&file, Service::Codex, "m").unwrap().upstreams[0].tags["provider_id"], "x");
    }

    #[test]
    fn tags_parse_or_name_the_bad_one() {
        assert_eq!(parse_tag("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_tag("a=").unwrap(), ("a".into(), String::new()));
        for bad in ["novalue", "=x", ""] {
            let err = parse_tag(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn default_service_round_trip() {
        let (_d, store) = store();
        assert_eq!(DefaultService::of(&store.load().unwrap()).effective, Service::Codex);
        set_default_service(&store, Service::Claude).unwrap();
        let d = DefaultService::of(&store.load().unwrap());
        assert_eq!((d.default_service, d.effective), (Some(Service::Claude), Service::Claude));
    }
}
