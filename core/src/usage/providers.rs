//! `~/.codex-helper/usage_providers.json`: where to ask about quota.
//!
//! ```json
//! {"providers":[{"id":"packycode","kind":"budget_http_json","domains":["packycode.com"],
//!   "endpoint":"https://www.packycode.com/api/backend/users/info","token_env":null,
//!   "poll_interval_secs":60}]}
//! ```
//!
//! Kinds ([`Provider::kind`]): `budget_http_json` (the original tool's),
//! `openai_billing` (`/v1/dashboard/billing/subscription` + `/usage`, as
//! one-api / new-api answer them, asked with the upstream's own key),
//! `new_api_user` (new-api's `/api/user/self` with an access token) and
//! `json_fields` (any JSON answer, the user names the paths). How each is
//! asked and read is [`super::kinds`]'.
//!
//! Tokens come from the environment or from `config.json`, so the file
//! normally holds no secret and is written 0644; a `new_api_user`
//! provider with an inline `access_token` makes it 0600. It is written
//! when missing and by [`ProvidersFile::save`] (the window's editor); a
//! file we cannot parse is reported and left alone.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::config::error::display_path;
use crate::fsutil;
use crate::watch::Watched;

/// The original tool's kind: `monthly_budget_usd` / `monthly_spent_usd`.
pub const BUDGET_HTTP_JSON: &str = "budget_http_json";
/// one-api / new-api's OpenAI-style billing pair.
pub const OPENAI_BILLING: &str = "openai_billing";
/// new-api's user endpoint (`/api/user/self`).
pub const NEW_API_USER: &str = "new_api_user";
/// Any JSON answer; the user names the fields.
pub const JSON_FIELDS: &str = "json_fields";
/// Every kind this version asks.
pub const KINDS: [&str; 4] = [BUDGET_HTTP_JSON, OPENAI_BILLING, NEW_API_USER, JSON_FIELDS];
/// new-api's default `QuotaPerUnit`: quota units per US dollar.
pub const NEW_API_QUOTA_PER_UNIT: f64 = 500_000.0;

/// Polling faster than this would hammer a relay's API for no benefit.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Why `usage_providers.json` could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProvidersError {
    #[error("cannot read/write {}: {source}", display_path(path))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Bad JSON or a value of the wrong type; `key` is the dotted path.
    #[error(
        "{}:{line}:{column}: {}{message}. Fix the file by hand (it was not changed).",
        display_path(path),
        key_prefix(key)
    )]
    Parse { path: PathBuf, line: usize, column: usize, key: String, message: String },
    /// Parsed, but a value can't be used.
    #[error("{}: {key}: {message}. Fix the file by hand (it was not changed).", display_path(path))]
    Invalid { path: PathBuf, key: String, message: String },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}: ")
    }
}

/// The whole file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProvidersFile {
    #[serde(default)]
    pub providers: Vec<Provider>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One quota source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    pub id: String,
    /// One of [`KINDS`]; providers of other kinds (from a newer version)
    /// are skipped, not an error.
    pub kind: String,
    /// Upstreams whose host is one of these, or a subdomain of one.
    #[serde(default)]
    pub domains: Vec<String>,
    /// The URL to ask. `openai_billing` and `new_api_user`: optional, the
    /// upstream's `base_url` (its origin, for `new_api_user`) when empty.
    #[serde(default)]
    pub endpoint: String,
    /// Read the Bearer token from this environment variable instead of the
    /// upstream's own key (`new_api_user`: the access token).
    #[serde(default)]
    pub token_env: Option<String>,
    /// Seconds between lookups; fractions allowed, at least 0.25.
    #[serde(default = "default_interval")]
    pub poll_interval_secs: f64,
    /// Seconds before a lookup counts as failed (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<f64>,
    /// `new_api_user`: the access token (Settings → security in new-api),
    /// when not in `token_env`. Makes the file 0600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// `new_api_user`: the user's numeric id, sent as `New-Api-User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    /// `new_api_user`: quota units per dollar (the relay's `QuotaPerUnit`,
    /// default 500000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_per_unit: Option<f64>,
    /// `json_fields`: where each window's numbers are in the answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<FieldWindow>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `json_fields`: one window as paths into the answer (`data.used`,
/// `data.windows.0.limit`: keys and array indices joined by dots).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldWindow {
    /// Shown as the window's name (`5h`, `weekly`, `balance`).
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<String>,
    /// A share used, 0–100, instead of two of used/limit/remaining.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_percent: Option<String>,
    /// When the window resets: Unix seconds or ms, or an RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<String>,
    /// Or: seconds from now until it resets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets_in: Option<String>,
    /// The numbers' unit (`usd`, `requests`, `credits`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

fn default_interval() -> f64 {
    60.0
}

impl Provider {
    pub fn is_supported(&self) -> bool {
        KINDS.contains(&self.kind.as_str())
    }

    /// How long one lookup may take.
    pub fn timeout(&self) -> Duration {
        let secs = self.timeout_secs.filter(|s| s.is_finite() && *s > 0.0).unwrap_or(10.0);
        Duration::from_secs_f64(secs.min(120.0))
    }

    /// A provider of `kind` with nothing else set (the editor's new form).
    pub fn new(id: &str, kind: &str) -> Provider {
        Provider {
            id: id.into(),
            kind: kind.into(),
            domains: Vec::new(),
            endpoint: String::new(),
            token_env: None,
            poll_interval_secs: default_interval(),
            timeout_secs: None,
            access_token: None,
            user_id: None,
            quota_per_unit: None,
            windows: Vec::new(),
            extra: Map::new(),
        }
    }

    pub fn poll_interval(&self) -> Duration {
        let secs = if self.poll_interval_secs.is_finite() { self.poll_interval_secs } else { 60.0 };
        Duration::from_secs_f64(secs.max(0.0)).max(MIN_POLL_INTERVAL)
    }

    /// What is wrong with it, as (field, message); kinds from a newer
    /// version are not checked.
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |field: &str, message: &str| Err((field.to_string(), message.to_string()));
        let url_ok = |text: &str| Url::parse(text.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !self.poll_interval_secs.is_finite() || self.poll_interval_secs < 0.0 {
            return err("poll_interval_secs", "must be a number of seconds (at least 0.25)");
        }
        match self.kind.as_str() {
            BUDGET_HTTP_JSON | JSON_FIELDS if !url_ok(&self.endpoint) => {
                return err("endpoint", "must be an http:// or https:// URL")
            }
            OPENAI_BILLING | NEW_API_USER if !self.endpoint.trim().is_empty() && !url_ok(&self.endpoint) => {
                return err("endpoint", "must be an http:// or https:// URL, or empty to use the upstream's base_url")
            }
            _ => {}
        }
        if self.kind == NEW_API_USER {
            if self.user_id.is_none() {
                return err("user_id", "is missing; new-api needs the user's numeric id (sent as New-Api-User)");
            }
            let has_env = self.token_env.as_deref().is_some_and(|t| !t.trim().is_empty());
            let has_inline = self.access_token.as_deref().is_some_and(|t| !t.trim().is_empty());
            if !has_env && !has_inline {
                return err(
                    "access_token",
                    "is missing; set access_token or token_env (new-api: Settings → generate access token)",
                );
            }
            if self.quota_per_unit.is_some_and(|q| !q.is_finite() || q <= 0.0) {
                return err("quota_per_unit", "must be a positive number (new-api's default is 500000)");
            }
        }
        if self.kind == JSON_FIELDS {
            if self.windows.is_empty() {
                return err("windows", "is empty; name at least one window's fields (e.g. {\"name\":\"balance\",\"used\":\"data.used\",\"limit\":\"data.limit\"})");
            }
            for (j, w) in self.windows.iter().enumerate() {
                let set = |p: &Option<String>| p.as_deref().is_some_and(|p| !p.trim().is_empty());
                let counted = [&w.used, &w.limit, &w.remaining].into_iter().filter(|p| set(p)).count();
                if !set(&w.used_percent) && counted < 2 {
                    return err(&format!("windows[{j}]"), "needs used_percent, or two of used / limit / remaining");
                }
            }
        }
        Ok(())
    }

    /// Whether `base_url`'s host is one of `domains` or below one of them.
    pub fn matches(&self, base_url: &str) -> bool {
        let Some(host) = Url::parse(base_url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)) else {
            return false;
        };
        let host = host.trim_end_matches('.');
        self.domains.iter().any(|d| {
            let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
            !d.is_empty() && (host == d || host.strip_suffix(&d).is_some_and(|rest| rest.ends_with('.')))
        })
    }
}

impl ProvidersFile {
    /// What the file holds when we create it (the original tool's default).
    pub fn default_file() -> ProvidersFile {
        ProvidersFile {
            providers: vec![Provider {
                domains: vec!["packycode.com".into()],
                endpoint: "https://www.packycode.com/api/backend/users/info".into(),
                ..Provider::new("packycode", BUDGET_HTTP_JSON)
            }],
            extra: Map::new(),
        }
    }

    /// Parse the file's text; `path` is only used in messages.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<ProvidersFile, ProvidersError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let parse_err = |key: String, e: &serde_json::Error| {
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            ProvidersError::Parse {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                key,
                message: full.strip_suffix(&suffix).unwrap_or(&full).to_string(),
            }
        };
        let file: ProvidersFile = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| parse_err(e.path().to_string().trim_start_matches('.').to_string(), e.inner()))?;
        de.end().map_err(|e| parse_err(String::new(), &e))?;
        file.validate(path)?;
        Ok(file)
    }

    fn validate(&self, path: &Path) -> Result<(), ProvidersError> {
        let invalid = |key: String, message: &str| ProvidersError::Invalid {
            path: path.to_path_buf(),
            key,
            message: message.to_string(),
        };
        for (i, p) in self.providers.iter().enumerate() {
            if p.id.trim().is_empty() {
                return Err(invalid(format!("providers[{i}].id"), "is empty; give the provider a name"));
            }
            if self.providers[..i].iter().any(|q| q.id == p.id) {
                return Err(invalid(format!("providers[{i}].id"), "is used twice; give each provider its own id"));
            }
            if let Err((field, message)) = p.check() {
                return Err(invalid(format!("providers[{i}].{field}"), &message));
            }
        }
        Ok(())
    }

    /// Validate and write `path` (atomically; 0600 when a provider holds
    /// an inline access token, else 0644). Unknown fields survive.
    pub fn save(&self, path: &Path) -> Result<(), ProvidersError> {
        self.validate(path)?;
        let io_err = |source| ProvidersError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent() {
            if !dir.exists() {
                fsutil::ensure_private_dir(dir).map_err(io_err)?;
            }
        }
        let secret = self.providers.iter().any(|p| p.access_token.as_deref().is_some_and(|t| !t.is_empty()));
        let mut text = serde_json::to_string_pretty(self).expect("plain data serializes");
        text.push('\n');
        fsutil::write_atomic(path, text.as_bytes(), if secret { 0o600 } else { 0o644 }).map_err(io_err)
    }

    /// Read `path`; `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<ProvidersFile>, ProvidersError> {
        match fs::read(path) {
            Ok(bytes) => ProvidersFile::parse(&bytes, path).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ProvidersError::Io { path: path.to_path_buf(), source }),
        }
    }

    /// Write the default file if there is none. Returns whether it wrote.
    /// An existing file (even a broken one) is never touched.
    pub fn ensure_default(path: &Path) -> Result<bool, ProvidersError> {
        if path.exists() {
            return Ok(false);
        }
        let io_err = |source| ProvidersError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent() {
            if !dir.exists() {
                fsutil::ensure_private_dir(dir).map_err(io_err)?;
            }
        }
        let mut text = serde_json::to_string_pretty(&ProvidersFile::default_file()).expect("plain data serializes");
        text.push('\n');
        fsutil::write_atomic(path, text.as_bytes(), 0o644).map_err(io_err)?;
        Ok(true)
    }
}

/// `usage_providers.json` watched by a running proxy: written with the
/// default when missing (never when broken), then read on every change; a
/// broken edit keeps the last good providers (no providers, if it was
/// broken from the start) and is the watched file's problem.
pub fn watch(path: PathBuf) -> Watched<Vec<Provider>> {
    if let Err(err) = ProvidersFile::ensure_default(&path) {
        tracing::warn!("{err}; quota polling is off until the file exists");
    }
    Watched::start_or(path, "usage providers", Vec::new(), "no quota is polled until it is fixed", |p: &Path| {
        ProvidersFile::load(p).map(|f| f.map(|f| f.providers).unwrap_or_default())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_DEFAULT: &str = r#"{"providers":[{"id":"packycode","kind":"budget_http_json","domains":["packycode.com"],"endpoint":"https://www.packycode.com/api/backend/users/info","token_env":null,"poll_interval_secs":60}]}"#;

    #[test]
    fn default_is_the_spec_file() {
        let parsed = ProvidersFile::parse(SPEC_DEFAULT.as_bytes(), Path::new("u.json")).unwrap();
        assert_eq!(parsed, ProvidersFile::default_file());
        assert_eq!(parsed.providers[0].poll_interval(), Duration::from_secs(60));
    }

    #[test]
    fn domain_matching_is_by_host_suffix_on_dot() {
        let p = &ProvidersFile::default_file().providers[0];
        assert!(p.matches("https://codex-api.packycode.com/v1"));
        assert!(p.matches("https://PACKYCODE.com"));
        assert!(!p.matches("https://notpackycode.com/v1"));
        assert!(!p.matches("https://packycode.com.evil.net/v1"));
        assert!(!p.matches("not a url"));
        let local = Provider { domains: vec!["127.0.0.1".into()], ..p.clone() };
        assert!(local.matches("http://127.0.0.1:8080/v1"));
    }

    #[test]
    fn errors_name_file_position_and_key() {
        let path = Path::new("/x/usage_providers.json");
        let err = ProvidersFile::parse(b"{\"providers\": [\n {\"id\": 3}]}", path).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("/x/usage_providers.json:2:"), "{shown}");
        assert!(shown.contains("providers[0].id"), "{shown}");
        let err = ProvidersFile::parse(b"{\"providers\": [", path).unwrap_err();
        assert!(matches!(err, ProvidersError::Parse { line: 1, .. }), "{err:?}");
        let bad_url = r#"{"providers":[{"id":"a","kind":"budget_http_json","endpoint":"ftp://x"}]}"#;
        let err = ProvidersFile::parse(bad_url.as_bytes(), path).unwrap_err();
        assert!(err.to_string().contains("providers[0].endpoint"), "{err}");
    }

    #[test]
    fn intervals_are_clamped_and_unknown_kinds_tolerated() {
        let text = r#"{"providers":[{"id":"a","kind":"budget_http_json","endpoint":"http://h/","poll_interval_secs":0.01},
            {"id":"b","kind":"from_the_future","endpoint":"whatever"}]}"#;
        let f = ProvidersFile::parse(text.as_bytes(), Path::new("u.json")).unwrap();
        assert_eq!(f.providers[0].poll_interval(), MIN_POLL_INTERVAL);
        assert!(!f.providers[1].is_supported());
        assert_eq!(f.providers[1].poll_interval(), Duration::from_secs(60));
    }

    #[test]
    fn ensure_default_writes_once_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h/usage_providers.json");
        assert!(ProvidersFile::ensure_default(&path).unwrap());
        assert_eq!(ProvidersFile::load(&path).unwrap().unwrap(), ProvidersFile::default_file());
        fs::write(&path, "{ broken").unwrap();
        assert!(!ProvidersFile::ensure_default(&path).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "{ broken");
        assert!(ProvidersFile::load(&dir.path().join("none.json")).unwrap().is_none());
    }
}
