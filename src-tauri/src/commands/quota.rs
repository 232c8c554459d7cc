//! The quota-sources editor: `usage_providers.json` as forms (one per
//! provider kind), which upstreams each covers, and "Check now". Saves go
//! through core's own validation ([`ProvidersFile::save`]); an error names
//! the field of the source it is about (`providers[1].user_id`).
//!
//! An inline new-api access token never travels to the UI: a source says
//! whether it has one, and a save without one keeps the stored token.

use codex_helper_core::config::{host_label, ConfigStore};
use codex_helper_core::i18n::Localized;
use codex_helper_core::live::Snapshot;
use codex_helper_core::t;
use codex_helper_core::usage::poller::{check_now, http_client, targets};
use codex_helper_core::usage::providers::{FieldWindow, ProvidersError, KINDS};
use codex_helper_core::usage::{Provider, ProvidersFile, QuotaState};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

/// One quota source as the form edits it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct QuotaSource {
    pub id: String,
    /// `budget_http_json`, `openai_billing`, `new_api_user`, `json_fields`.
    pub kind: String,
    pub domains: Vec<String>,
    pub endpoint: String,
    pub token_env: Option<String>,
    pub poll_interval_secs: f64,
    pub timeout_secs: Option<f64>,
    /// `new_api_user`: a new token to store; `null` keeps the stored one.
    pub access_token: Option<String>,
    /// Whether a token is stored in the file (never the token itself).
    pub has_access_token: bool,
    pub user_id: Option<u32>,
    pub quota_per_unit: Option<f64>,
    pub windows: Vec<FieldWindow>,
    /// The upstreams of the active configs it covers now (`codex · main ·
    /// relay.example (work)`); filled on load, ignored on save.
    pub covers: Vec<String>,
}

/// The editor's whole state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct QuotaSources {
    pub sources: Vec<QuotaSource>,
    /// The kinds this version asks.
    pub kinds: Vec<String>,
    /// Why the file on disk can't be used as it is (it is then not shown).
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Deserialize, specta::Type)]
pub struct SaveQuotaSources {
    pub sources: Vec<QuotaSource>,
}

#[derive(Clone, Debug, Deserialize, specta::Type)]
pub struct CheckQuotaSource {
    pub source: QuotaSource,
}

#[tauri::command]
#[specta::specta]
pub fn quota_sources(state: State<'_, WindowState>) -> CmdResult<QuotaSources> {
    let path = state.paths.usage_providers_file();
    let _ = ProvidersFile::ensure_default(&path);
    match ProvidersFile::load(&path) {
        Ok(file) => Ok(view(&state, file.unwrap_or_else(empty), None)),
        Err(err) => Ok(view(&state, empty(), Some(err.localized()))),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn save_quota_sources(state: State<'_, WindowState>, args: SaveQuotaSources) -> CmdResult<QuotaSources> {
    let path = state.paths.usage_providers_file();
    // Unknown fields of the file and of each source (by id) survive.
    let old = ProvidersFile::load(&path).ok().flatten().unwrap_or_else(empty);
    let providers = args.sources.into_iter().map(|s| to_provider(s, &old)).collect();
    let file = ProvidersFile { providers, extra: old.extra.clone() };
    file.save(&path).map_err(field_error)?;
    Ok(view(&state, file, None))
}

/// Ask the source now about the upstreams it covers (nothing is saved or
/// marked): the parsed windows, or the exact error, per upstream.
#[tauri::command]
#[specta::specta]
pub async fn check_quota_source(state: State<'_, WindowState>, args: CheckQuotaSource) -> CmdResult<Vec<QuotaState>> {
    let old = ProvidersFile::load(&state.paths.usage_providers_file()).ok().flatten().unwrap_or_else(empty);
    let provider = to_provider(args.source, &old);
    provider.check().map_err(|(field, message)| CommandError::invalid(&field, message))?;
    if !provider.is_supported() {
        return Err(CommandError::invalid("kind", t!("err-window-unknown-quota-kind", kind = provider.kind.as_str())));
    }
    let file = ConfigStore::new(&state.paths).load().map_err(CommandError::new)?;
    let http = http_client().map_err(|e| CommandError::Failed { message: e.to_string() })?;
    let states = check_now(&http, &provider, file).await;
    if states.is_empty() {
        return Err(CommandError::invalid(
            "domains",
            "no upstream of the active configs has a host in these domains, so there is nobody to ask about",
        ));
    }
    Ok(states)
}

fn empty() -> ProvidersFile {
    ProvidersFile { providers: Vec::new(), extra: Default::default() }
}

fn view(state: &WindowState, file: ProvidersFile, problem: Option<String>) -> QuotaSources {
    let snapshot = ConfigStore::new(&state.paths).load().ok().map(Snapshot::new);
    let sources = file
        .providers
        .into_iter()
        .map(|p| {
            let covers = snapshot
                .as_ref()
                .map(|snap| {
                    targets(snap, &p)
                        .into_iter()
                        .map(|t| {
                            format!(
                                "{} · {} · {} ({})",
                                t.service,
                                t.id.config,
                                host_label(&t.id.base_url),
                                t.key_label
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            QuotaSource {
                has_access_token: p.access_token.as_deref().is_some_and(|t| !t.is_empty()),
                access_token: None,
                id: p.id,
                kind: p.kind,
                domains: p.domains,
                endpoint: p.endpoint,
                token_env: p.token_env,
                poll_interval_secs: p.poll_interval_secs,
                timeout_secs: p.timeout_secs,
                user_id: p.user_id.and_then(|id| u32::try_from(id).ok()),
                quota_per_unit: p.quota_per_unit,
                windows: p.windows,
                covers,
            }
        })
        .collect();
    QuotaSources { sources, kinds: KINDS.iter().map(|k| k.to_string()).collect(), problem }
}

fn to_provider(s: QuotaSource, old: &ProvidersFile) -> Provider {
    let before = old.providers.iter().find(|p| p.id == s.id);
    let blank = |v: Option<String>| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let access_token = match s.access_token {
        Some(t) => blank(Some(t)),
        None if s.has_access_token => before.and_then(|p| p.access_token.clone()),
        None => None,
    };
    Provider {
        id: s.id.trim().to_string(),
        kind: s.kind,
        domains: s.domains.into_iter().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect(),
        endpoint: s.endpoint.trim().to_string(),
        token_env: blank(s.token_env),
        poll_interval_secs: s.poll_interval_secs,
        timeout_secs: s.timeout_secs,
        access_token,
        user_id: s.user_id.map(u64::from),
        quota_per_unit: s.quota_per_unit,
        windows: s.windows,
        extra: before.map(|p| p.extra.clone()).unwrap_or_default(),
    }
}

/// `providers[1].user_id: …` → the field `providers[1].user_id`.
fn field_error(err: ProvidersError) -> CommandError {
    match err {
        ProvidersError::Invalid { key, message, .. } => CommandError::invalid(&key, message),
        other => CommandError::new(other),
    }
}

impl From<ProvidersError> for CommandError {
    fn from(err: ProvidersError) -> CommandError {
        match err {
            ProvidersError::Io { ref path, .. } => {
                CommandError::Io { path: Some(path.display().to_string()), message: err.localized() }
            }
            other => CommandError::Failed { message: other.localized() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: &str) -> QuotaSource {
        QuotaSource {
            id: "s".into(),
            kind: kind.into(),
            domains: vec![" relay.example ".into(), "".into()],
            endpoint: String::new(),
            token_env: Some(" ".into()),
            poll_interval_secs: 60.0,
            timeout_secs: None,
            access_token: None,
            has_access_token: true,
            user_id: Some(7),
            quota_per_unit: None,
            windows: Vec::new(),
            covers: vec!["ignored".into()],
        }
    }

    #[test]
    fn a_save_without_a_new_token_keeps_the_stored_one_and_unknown_fields() {
        let mut old = empty();
        let mut stored = Provider::new("s", "new_api_user");
        stored.access_token = Some("at-secret".into());
        stored.extra.insert("from_the_future".into(), serde_json::json!(1));
        old.providers.push(stored);
        let p = to_provider(source("new_api_user"), &old);
        assert_eq!(p.access_token.as_deref(), Some("at-secret"));
        assert_eq!(p.extra["from_the_future"], 1);
        assert_eq!((p.domains, p.token_env), (vec!["relay.example".to_string()], None));
        let cleared = to_provider(QuotaSource { has_access_token: false, ..source("new_api_user") }, &old);
        assert_eq!(cleared.access_token, None);
    }

    #[test]
    fn validation_errors_name_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("usage_providers.json");
        let bad = ProvidersFile {
            providers: vec![Provider { user_id: None, ..to_provider(source("new_api_user"), &empty()) }],
            extra: Default::default(),
        };
        match field_error(bad.save(&path).unwrap_err()) {
            CommandError::InvalidInput { field, message } => {
                assert_eq!(field.as_deref(), Some("providers[0].user_id"));
                assert!(message.contains("New-Api-User"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!path.exists(), "nothing written");
    }
}
