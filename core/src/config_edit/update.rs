//! Changing one stored upstream in place (the window's Edit): its URL, its
//! tags, the config's alias and, only when a new one is given, its key.
//! Keys never travel back to the UI, so "no new key" has to mean "keep the
//! stored one", which `add_upstream` (it replaces the key) cannot express.

use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{check_key, check_url, edit, ConfigsError, UpstreamView};
use crate::config::{mask_secret, ConfigStore, ModelMap, Protocol, Settings};
use crate::Service;

/// A replacement key. Both fields `None` means "this upstream needs no key".
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewKey {
    pub auth_token: Option<String>,
    pub api_key: Option<String>,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |s: &Option<String>| s.as_deref().map(mask_secret);
        f.debug_struct("NewKey")
            .field("auth_token", &masked(&self.auth_token))
            .field("api_key", &masked(&self.api_key))
            .finish()
    }
}

/// What [`update_upstream`] changes; each `None` leaves that part as it is.
#[derive(Clone, Debug, Default)]
pub struct UpstreamChange {
    /// Move the upstream to this URL (checked as `add_upstream` checks it;
    /// its health starts afresh, since health is tracked per URL).
    pub base_url: Option<String>,
    /// Replace the stored `auth_token` and `api_key` together, as
    /// `add_upstream` does: a new token alone drops a stored `api_key`, so
    /// switching the key's kind leaves no stale second key behind. Unknown
    /// fields next to them in `auth` are kept. `None` keeps the stored auth
    /// exactly as it is.
    pub key: Option<NewKey>,
    /// Set (or replace) the config's alias.
    pub alias: Option<String>,
    /// Replace all of the upstream's tags (an edit form shows them all, so
    /// one left out was removed, unlike `add_upstream`, which merges).
    pub tags: Option<IndexMap<String, String>>,
    /// Set the API it speaks (the client's own is stored as no field).
    pub protocol: Option<Protocol>,
    /// Replace its whole model map (empty: none), as the form shows it all.
    pub model_map: Option<ModelMap>,
    /// Set its key's name (`Some("")`: remove the name).
    pub key_alias: Option<String>,
    /// Replace all of its extra headers (empty: none), as the form shows
    /// them all. A masked value shown by the form (`sk-…abcd`) sent back
    /// unchanged keeps the stored value.
    pub headers: Option<IndexMap<String, String>>,
    /// Set its concurrency cap (`Some(None)`: no cap).
    pub max_concurrent: Option<Option<u32>>,
    /// Which of several upstreams at `base_url` (its position in the
    /// config); `None`: the first one there.
    pub index: Option<usize>,
}

/// The outcome of [`update_upstream`], keys masked.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UpdateOutcome {
    pub service: Service,
    pub config: String,
    /// Where the upstream was found (differs from `upstream.base_url` when
    /// it moved).
    pub previous_base_url: String,
    /// Position of the upstream in the config (0 = primary); unchanged.
    pub index: usize,
    /// Something was written (false: it already was as asked).
    pub changed: bool,
    /// A key different from the stored one was stored.
    pub key_replaced: bool,
    pub upstream: UpstreamView,
}

/// Changes the upstream at `base_url` of config `config` of `service`.
/// `settings` supplies the proxies' own ports, which a new URL must not
/// point at. Nothing is written when the change is refused or changes
/// nothing.
pub fn update_upstream(
    store: &ConfigStore,
    settings: &Settings,
    service: Service,
    config: &str,
    base_url: &str,
    change: UpstreamChange,
) -> Result<UpdateOutcome, ConfigsError> {
    if let Some(url) = &change.base_url {
        check_url(settings, url)?;
    }
    super::check_text_fields(change.alias.as_deref(), change.tags.as_ref())?;
    if let Some(map) = &change.model_map {
        super::check_model_map(map)?;
    }
    if let Some(protocol) = change.protocol {
        protocol.usable_by(service).map_err(|message| ConfigsError::BadProtocol { message })?;
    }
    if let Some(alias) = change.key_alias.as_deref().filter(|a| !a.is_empty()) {
        super::check_key_alias(alias)?;
    }
    if let Some(headers) = &change.headers {
        super::check_headers(headers)?;
    }
    super::check_max_concurrent(change.max_concurrent.flatten())?;
    let key = match change.key {
        Some(k) => Some((check_key(k.auth_token, "auth-token")?, check_key(k.api_key, "api-key")?)),
        None => None,
    };
    let mut outcome = None;
    let mut refused = None;
    edit(store, |file| {
        let pick = change.index.map_or(super::UpstreamPick::First, super::UpstreamPick::Index);
        let index = match super::pool::locate(file, service, config, base_url, &pick) {
            Ok(index) => index,
            Err(err) => {
                refused = Some(err);
                return Ok(false);
            }
        };
        let cfg = file.service_mut(service).configs.get_mut(config).expect("located above");
        if let Some(url) = change.base_url.as_deref().filter(|url| *url != base_url) {
            let key = cfg.upstreams[index].key();
            if cfg.upstreams.iter().any(|u| u.base_url == url && u.key() == key) {
                refused =
                    Some(ConfigsError::UrlTaken { service, config: config.to_string(), base_url: url.to_string() });
                return Ok(false);
            }
        }
        if let Some(alias) = change.key_alias.as_deref().filter(|a| !a.is_empty()) {
            if let Some((_, other)) =
                cfg.upstreams.iter().enumerate().find(|(i, u)| *i != index && u.alias.as_deref() == Some(alias))
            {
                refused = Some(ConfigsError::AliasTaken {
                    config: config.to_string(),
                    alias: alias.to_string(),
                    base_url: other.base_url.clone(),
                });
                return Ok(false);
            }
        }
        let before = cfg.clone();
        if let Some(alias) = change.alias {
            cfg.alias = Some(alias);
        }
        let up = &mut cfg.upstreams[index];
        if let Some(url) = change.base_url {
            up.base_url = url;
        }
        let mut key_replaced = false;
        if let Some((auth_token, api_key)) = key {
            key_replaced = up.auth.auth_token != auth_token || up.auth.api_key != api_key;
            up.auth.auth_token = auth_token;
            up.auth.api_key = api_key;
        }
        if let Some(tags) = change.tags {
            up.tags = tags;
        }
        if let Some(protocol) = change.protocol {
            up.protocol = (protocol != Protocol::native(service)).then_some(protocol);
        }
        if let Some(map) = change.model_map {
            up.model_map = map;
        }
        if let Some(alias) = change.key_alias {
            up.alias = (!alias.is_empty()).then_some(alias);
        }
        if let Some(headers) = change.headers {
            up.headers = keep_masked(&up.headers, headers);
        }
        if let Some(cap) = change.max_concurrent {
            up.max_concurrent = cap;
        }
        let upstream = UpstreamView::of(up, service);
        let changed = *cfg != before;
        outcome = Some(UpdateOutcome {
            service,
            config: config.to_string(),
            previous_base_url: base_url.to_string(),
            index,
            changed,
            key_replaced,
            upstream,
        });
        Ok(changed)
    })?;
    match refused {
        Some(err) => Err(err),
        None => Ok(outcome.expect("edit ran the closure")),
    }
}

/// Position of the first upstream at `base_url` in config `config` (the
/// window's edit form names an upstream by its URL), or an error naming
/// what does exist.
pub(super) fn locate(
    file: &crate::config::ConfigFile,
    service: Service,
    config: &str,
    base_url: &str,
) -> Result<usize, ConfigsError> {
    super::pool::locate(file, service, config, base_url, &super::UpstreamPick::First)
}

/// The headers a form sends back: a value it got masked and returned as
/// it was means "keep the stored one" (the form never sees secrets).
fn keep_masked(stored: &IndexMap<String, String>, sent: IndexMap<String, String>) -> IndexMap<String, String> {
    let shown = crate::config::masked_headers(stored);
    sent.into_iter()
        .map(|(name, value)| {
            let kept = match (stored.get(&name), shown.get(&name)) {
                (Some(real), Some(masked)) if *masked == value && masked != real => real.clone(),
                _ => value,
            };
            (name, kept)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config_edit::{add_upstream, NewUpstream};
    use crate::Paths;

    const KEY: &str = "sk-test-0123456789abcd";
    const A: &str = "https://a.example/v1";
    const B: &str = "https://b.example/v1";

    /// A store with config `main` of Codex holding A (tagged, key `KEY`)
    /// and B.
    fn store() -> (tempfile::TempDir, ConfigStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(&Paths::with_home(dir.path()));
        let s = Settings::default();
        for url in [A, B] {
            let mut new = NewUpstream { base_url: url.into(), auth_token: Some(KEY.into()), ..Default::default() };
            new.tags.insert("provider_id".into(), "packy".into());
            add_upstream(&store, &s, Service::Codex, "main", new).unwrap();
        }
        (dir, store)
    }

    fn update(store: &ConfigStore, url: &str, change: UpstreamChange) -> Result<UpdateOutcome, ConfigsError> {
        update_upstream(store, &Settings::default(), Service::Codex, "main", url, change)
    }

    fn tags(pairs: &[(&str, &str)]) -> Option<IndexMap<String, String>> {
        Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn without_a_key_the_stored_auth_stays_byte_for_byte() {
        let (_d, store) = store();
        // Unknown keys anywhere (here a refresh token some other tool keeps
        // next to the key, and one on the upstream) must survive the edit.
        let mut file = store.load().unwrap();
        let up = &mut file.codex.configs["main"].upstreams[0];
        up.auth.extra.insert("refresh_token".into(), "rt-0000".into());
        up.extra.insert("weight".into(), 3.into());
        store.save(&file).unwrap();
        let before = store.load().unwrap().codex.configs["main"].upstreams[0].auth.clone();

        let change = UpstreamChange {
            base_url: Some("https://a2.example/v1".into()),
            alias: Some("Main".into()),
            tags: tags(&[("source", "form")]),
            ..Default::default()
        };
        let out = update(&store, A, change).unwrap();
        assert!(out.changed && !out.key_replaced);
        assert_eq!((out.previous_base_url.as_str(), out.index), (A, 0));
        assert_eq!(out.upstream.auth_token.as_deref(), Some("sk-…abcd"));

        let file = store.load().unwrap();
        let cfg = &file.codex.configs["main"];
        let up = &cfg.upstreams[0];
        assert_eq!(up.base_url, "https://a2.example/v1");
        assert_eq!(up.auth, before, "the stored auth is untouched");
        assert_eq!(up.extra["weight"], 3);
        assert_eq!(up.tags, tags(&[("source", "form")]).unwrap(), "tags are replaced, not merged");
        assert_eq!(cfg.alias.as_deref(), Some("Main"));
        assert_eq!(cfg.upstreams[1].base_url, B, "the other upstream keeps its place");
    }

    #[test]
    fn a_new_key_replaces_both_fields_and_keeps_unknown_auth_keys() {
        let (_d, store) = store();
        let mut file = store.load().unwrap();
        file.codex.configs["main"].upstreams[0].auth.extra.insert("refresh_token".into(), "rt-0000".into());
        store.save(&file).unwrap();

        let key = NewKey { auth_token: None, api_key: Some(" sk-new-key-77778888\n".into()) };
        let out = update(&store, A, UpstreamChange { key: Some(key), ..Default::default() }).unwrap();
        assert!(out.changed && out.key_replaced);
        assert_eq!((out.upstream.auth_token.clone(), out.upstream.api_key.as_deref()), (None, Some("sk-…8888")));
        let auth = &store.load().unwrap().codex.configs["main"].upstreams[0].auth;
        assert_eq!(auth.auth_token, None, "the old token is not left behind");
        assert_eq!(auth.api_key.as_deref(), Some("sk-new-key-77778888"), "trimmed like add");
        assert_eq!(auth.extra["refresh_token"], "rt-0000");

        // Both fields `None`: the upstream needs no key any more.
        update(&store, A, UpstreamChange { key: Some(NewKey::default()), ..Default::default() }).unwrap();
        assert_eq!(store.load().unwrap().codex.configs["main"].upstreams[0].key(), None);
    }

    #[test]
    fn an_edit_that_changes_nothing_writes_nothing() {
        let (_d, store) = store();
        let before = store.fingerprint();
        let same = UpstreamChange {
            base_url: Some(A.into()),
            key: Some(NewKey { auth_token: Some(KEY.into()), api_key: None }),
            tags: tags(&[("provider_id", "packy")]),
            ..Default::default()
        };
        let out = update(&store, A, same).unwrap();
        assert!(!out.changed && !out.key_replaced);
        assert_eq!(store.fingerprint(), before);
    }

    #[test]
    fn refuses_unknown_configs_and_upstreams_naming_what_exists() {
        let (_d, store) = store();
        let err =
            update_upstream(&store, &Settings::default(), Service::Codex, "nope", A, Default::default()).unwrap_err();
        assert_eq!(err.to_string(), "codex has no config named `nope`; existing configs: main");
        let err = update(&store, "https://c.example/v1", Default::default()).unwrap_err();
        assert!(matches!(err, ConfigsError::UnknownUpstream { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!("codex config `main` has no upstream at https://c.example/v1; its upstreams: {A}, {B}")
        );
    }

    #[test]
    fn refuses_a_url_the_config_already_has_or_add_would_refuse() {
        let (_d, store) = store();
        let before = store.fingerprint();
        let err = update(&store, A, UpstreamChange { base_url: Some(B.into()), ..Default::default() }).unwrap_err();
        assert!(matches!(err, ConfigsError::UrlTaken { .. }), "{err}");
        assert!(err.to_string().contains(&format!("already has an upstream at {B}")), "{err}");
        let err =
            update(&store, A, UpstreamChange { base_url: Some("a.example".into()), ..Default::default() }).unwrap_err();
        assert!(matches!(err, ConfigsError::BadUrl { .. }), "{err}");
        let looped = UpstreamChange { base_url: Some("http://127.0.0.1:3211/v1".into()), ..Default::default() };
        assert!(matches!(update(&store, A, looped), Err(ConfigsError::Loop { owner: Service::Codex, .. })));
        let blank = NewKey { auth_token: Some(" ".into()), api_key: None };
        let err = update(&store, A, UpstreamChange { key: Some(blank), ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("auth-token is empty"), "{err}");
        assert_eq!(store.fingerprint(), before, "nothing written");
    }

    #[test]
    fn new_key_debug_is_masked() {
        let key = NewKey { auth_token: Some(KEY.into()), api_key: None };
        let text = format!("{key:?}");
        assert!(!text.contains(KEY) && text.contains("sk-…abcd"), "{text}");
    }
}
