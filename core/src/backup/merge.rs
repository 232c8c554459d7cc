//! What importing a backup would do to the current files, and doing it.
//!
//! Merge (the default): configs by `service/name`; inside a config the
//! backup's upstreams replace the current ones with the same URL and key
//! (a keyless backup upstream matches by URL alone) and are otherwise
//! added; providers by id; filter rules added when not present; settings
//! deep-merged, the backup's values winning. Replace: each file becomes the
//! backup's part (a part the backup does not have is left alone).
//!
//! Either way a backup upstream without a key takes the key of the current
//! upstream with the same config name and `base_url`, and a provider
//! without an access token keeps the current one's.

use std::collections::BTreeSet;
use std::io;

use serde::Serialize;
use serde_json::Value;

use super::{read_json, Backup, BackupError};
use crate::config::{looks_secret, mask_secret, ConfigFile, ConfigStore, Upstream};
use crate::paths::Paths;
use crate::service::Service;
use crate::usage::ProvidersFile;

/// Names added, changed and removed in one kind of thing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Changes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    pub(crate) fn between<K: PartialEq + ToString, V: PartialEq>(before: &[(K, V)], after: &[(K, V)]) -> Changes {
        fn find<'a, K: PartialEq, V>(list: &'a [(K, V)], k: &K) -> Option<&'a V> {
            list.iter().find(|(x, _)| x == k).map(|(_, v)| v)
        }
        let mut c = Changes::default();
        for (k, v) in after {
            match find(before, k) {
                None => c.added.push(k.to_string()),
                Some(old) if old != v => c.changed.push(k.to_string()),
                Some(_) => {}
            }
        }
        c.removed = before.iter().filter(|(k, _)| find(after, k).is_none()).map(|(k, _)| k.to_string()).collect();
        c
    }
}

/// What an import would change, per kind. `--json` prints this shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Diff {
    /// `service/name`.
    pub configs: Changes,
    /// `service/name base_url (masked key)`.
    pub upstreams: Changes,
    /// Each rule as compact JSON.
    pub filters: Changes,
    /// Provider ids.
    pub providers: Changes,
    /// Dotted keys of `settings.json`.
    pub settings: Changes,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        [&self.configs, &self.upstreams, &self.filters, &self.providers, &self.settings].iter().all(|c| c.is_empty())
    }
}

/// The files as they would be after the import, and how they differ.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportPlan {
    pub replace: bool,
    pub diff: Diff,
    /// `service/name base_url` of upstreams left without a key (the backup
    /// has none and no current upstream matches), and `provider ID (not
    /// imported)` for providers that would have no access token.
    pub without_key: Vec<String>,
    #[serde(skip)]
    config: ConfigFile,
    #[serde(skip)]
    settings: Option<Value>,
    #[serde(skip)]
    filter: Option<Value>,
    #[serde(skip)]
    providers: Option<ProvidersFile>,
    #[serde(skip)]
    current: Current,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Current {
    config: ConfigFile,
    settings: Option<Value>,
    filter: Option<Value>,
    providers: Option<ProvidersFile>,
}

/// What importing `backup` would do (nothing is written).
pub fn plan(paths: &Paths, backup: &Backup, replace: bool) -> Result<ImportPlan, BackupError> {
    let filter_path = paths.filter_file();
    let current = Current {
        config: ConfigStore::new(paths).load()?,
        settings: read_json(&paths.settings_file())?,
        filter: read_json(&filter_path)?,
        providers: ProvidersFile::load(&paths.usage_providers_file())?,
    };
    let (config, without_key) = merged_config(&current.config, &backup.config, replace);
    let settings = match (&current.settings, &backup.settings) {
        (_, None) => current.settings.clone(),
        (Some(cur), Some(b)) if !replace => Some(deep_merge(cur.clone(), b.clone())),
        (_, Some(b)) => Some(b.clone()),
    };
    let filter = match (&current.filter, &backup.filter) {
        (_, None) => current.filter.clone(),
        (Some(Value::Array(cur)), Some(Value::Array(b))) if !replace => {
            let mut rules = cur.clone();
            rules.extend(b.iter().filter(|r| !cur.contains(r)).cloned());
            Some(Value::Array(rules))
        }
        (_, Some(b)) => Some(b.clone()),
    };
    let mut without_key = without_key;
    let providers =
        merged_providers(current.providers.as_ref(), backup.usage_providers.as_ref(), replace, &mut without_key);
    let diff = Diff {
        configs: Changes::between(&config_items(&current.config), &config_items(&config)),
        upstreams: Changes::between(&upstream_items(&current.config), &upstream_items(&config)),
        filters: Changes::between(&rule_items(current.filter.as_ref()), &rule_items(filter.as_ref())),
        providers: Changes::between(&provider_items(current.providers.as_ref()), &provider_items(providers.as_ref())),
        settings: Changes::between(&leaves(current.settings.as_ref()), &leaves(settings.as_ref())),
    };
    Ok(ImportPlan { replace, diff, without_key, config, settings, filter, providers, current })
}

/// Writes the planned files (each through the history, so undoable).
/// Refuses when one of them changed since [`plan`] read it.
pub fn apply(paths: &Paths, plan: &ImportPlan) -> Result<Vec<String>, BackupError> {
    let mut written = Vec::new();
    let store = ConfigStore::new(paths);
    if plan.config != plan.current.config {
        store.update(|file| {
            if *file != plan.current.config {
                return Err(crate::config::ConfigError::invalid(
                    store.path(),
                    "config.json",
                    crate::t_both!("err-import-changed"),
                    crate::t_both!("err-import-changed-hint"),
                ));
            }
            *file = plan.config.clone();
            Ok(())
        })?;
        written.push("config.json".to_string());
    }
    if plan.settings != plan.current.settings {
        if let Some(v) = &plan.settings {
            write_json(&paths.settings_file(), v, 0o600)?;
            written.push("settings.json".into());
        }
    }
    if plan.filter != plan.current.filter {
        if let Some(v) = &plan.filter {
            write_json(&paths.filter_file(), v, crate::history::mode_for("filter.json"))?;
            written.push("filter.json".into());
        }
    }
    if plan.providers != plan.current.providers {
        if let Some(p) = &plan.providers {
            let secret = p.providers.iter().any(|p| p.access_token.as_deref().is_some_and(|t| !t.is_empty()));
            let v = serde_json::to_value(p).map_err(|e| super::io_err(&paths.usage_providers_file(), e))?;
            write_json(&paths.usage_providers_file(), &v, if secret { 0o600 } else { 0o644 })?;
            written.push("usage_providers.json".into());
        }
    }
    Ok(written)
}

fn write_json(path: &std::path::Path, value: &Value, mode: u32) -> Result<(), BackupError> {
    let io_err = |source: io::Error| BackupError::Io { path: path.into(), source };
    if let Some(dir) = path.parent() {
        if !dir.exists() {
            crate::fsutil::ensure_private_dir(dir).map_err(io_err)?;
        }
    }
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| io_err(io::Error::other(e)))?;
    bytes.push(b'\n');
    crate::history::write_kept(path, &bytes, mode).map_err(io_err)?;
    Ok(())
}

fn merged_config(current: &ConfigFile, backup: &ConfigFile, replace: bool) -> (ConfigFile, Vec<String>) {
    let mut out = if replace { backup.clone() } else { current.clone() };
    let mut without_key = Vec::new();
    for service in Service::ALL {
        let cur = current.service(service);
        let theirs = backup.service(service);
        for (name, config) in &theirs.configs {
            let mut config = config.clone();
            for u in &mut config.upstreams {
                if u.key().is_none() {
                    let old = cur
                        .configs
                        .get(name)
                        .and_then(|c| c.upstreams.iter().find(|o| o.base_url == u.base_url && o.key().is_some()));
                    match old {
                        Some(old) => fill_keys(u, old),
                        None => without_key.push(format!("{service}/{name} {}", u.base_url)),
                    }
                }
            }
            let section = out.service_mut(service);
            match section.configs.get_mut(name) {
                Some(existing) if !replace => {
                    for u in config.upstreams {
                        let same = existing.upstreams.iter().position(|o| {
                            o.base_url == u.base_url && (o.key() == u.key() || u.key().is_none() || o.key().is_none())
                        });
                        match same {
                            Some(i) => existing.upstreams[i] = u,
                            None => existing.upstreams.push(u),
                        }
                    }
                    existing.alias = config.alias.or(existing.alias.take());
                    existing.strategy = config.strategy.or(existing.strategy);
                }
                _ => {
                    section.configs.insert(name.clone(), config);
                }
            }
        }
        if !replace && out.service(service).active.is_none() {
            out.service_mut(service).active = theirs.active.clone();
        }
    }
    if !replace && out.default_service.is_none() {
        out.default_service = backup.default_service;
    }
    (out, without_key)
}

fn fill_keys(u: &mut Upstream, old: &Upstream) {
    u.auth.auth_token = old.auth.auth_token.clone();
    u.auth.api_key = old.auth.api_key.clone();
    // In the stored order, so an unchanged upstream compares equal.
    let mut headers = indexmap::IndexMap::new();
    for (name, value) in &old.headers {
        match u.headers.get(name) {
            Some(theirs) => headers.insert(name.clone(), theirs.clone()),
            None if looks_secret(name) => headers.insert(name.clone(), value.clone()),
            None => None,
        };
    }
    for (name, value) in &u.headers {
        headers.entry(name.clone()).or_insert_with(|| value.clone());
    }
    u.headers = headers;
}

fn merged_providers(
    current: Option<&ProvidersFile>,
    backup: Option<&ProvidersFile>,
    replace: bool,
    without_key: &mut Vec<String>,
) -> Option<ProvidersFile> {
    let Some(backup) = backup else { return current.cloned() };
    let mut out = match current {
        Some(cur) if !replace => cur.clone(),
        _ => ProvidersFile { providers: Vec::new(), extra: backup.extra.clone() },
    };
    for p in &backup.providers {
        let mut p = p.clone();
        if p.access_token.is_none() {
            p.access_token = current.and_then(|c| c.providers.iter().find(|o| o.id == p.id)?.access_token.clone());
        }
        if p.check().is_err() {
            // Only a missing token gets here (`read` checked the rest):
            // a provider that cannot authenticate would break the file.
            without_key.push(format!("provider {} (not imported)", p.id));
            continue;
        }
        match out.providers.iter_mut().find(|o| o.id == p.id) {
            Some(o) => *o = p,
            None => out.providers.push(p),
        }
    }
    Some(out)
}

fn deep_merge(mut base: Value, over: Value) -> Value {
    match (&mut base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                let merged = match b.remove(&k) {
                    Some(old) => deep_merge(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            base
        }
        (_, over) => over,
    }
}

pub(crate) fn config_items(file: &ConfigFile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for service in Service::ALL {
        for (name, c) in &file.service(service).configs {
            out.push((format!("{service}/{name}"), serde_json::to_string(c).unwrap_or_default()));
        }
    }
    out
}

fn upstream_items(file: &ConfigFile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for service in Service::ALL {
        for (name, c) in &file.service(service).configs {
            for u in &c.upstreams {
                let key = u.key().map_or_else(|| "no key".to_string(), mask_secret);
                out.push((
                    format!("{service}/{name} {} ({key})", u.base_url),
                    serde_json::to_string(u).unwrap_or_default(),
                ));
            }
        }
    }
    out
}

fn rule_items(filter: Option<&Value>) -> Vec<(String, ())> {
    let rules = filter.and_then(Value::as_array).cloned().unwrap_or_default();
    let set: BTreeSet<String> = rules.iter().map(Value::to_string).collect();
    set.into_iter().map(|r| (r, ())).collect()
}

fn provider_items(file: Option<&ProvidersFile>) -> Vec<(String, String)> {
    file.map(|f| f.providers.iter().map(|p| (p.id.clone(), serde_json::to_string(p).unwrap_or_default())).collect())
        .unwrap_or_default()
}

fn leaves(settings: Option<&Value>) -> Vec<(String, Value)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, v) in m {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(&key, v, out);
                }
            }
            _ => out.push((prefix.to_string(), v.clone())),
        }
    }
    let mut out = Vec::new();
    if let Some(v) = settings {
        walk("", v, &mut out);
    }
    out
}
