//! The shape of `~/.codex-helper/config.json`: per service, a map of named
//! configs, each an ordered list of upstreams (primary first, then backups).
//!
//! Compatibility rules, because the file is shared with the original tool and
//! with future versions of this one:
//! - every struct keeps unknown keys in `extra`, so they survive a rewrite;
//! - every field has a default, so sparse hand-written files load;
//! - optional fields are written as `null` (not omitted), as the original
//!   tool writes them.

use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::model_map::ModelMap;
use super::protocol::Protocol;
use super::strategy::Strategy;
use crate::service::Service;

/// The file format version this build reads and writes.
pub const CURRENT_VERSION: u32 = 1;

/// The whole `config.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    /// Format version; absent in files from early versions of the original
    /// tool. Always written as [`CURRENT_VERSION`].
    #[serde(default, serialize_with = "write_current_version")]
    pub version: Option<u32>,
    #[serde(default)]
    pub codex: ServiceConfigs,
    #[serde(default)]
    pub claude: ServiceConfigs,
    /// Which service commands act on when neither `--codex` nor `--claude`
    /// is given; `null` means Codex.
    #[serde(default)]
    pub default_service: Option<Service>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn write_current_version<S: Serializer>(_: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u32(CURRENT_VERSION)
}

impl Default for ConfigFile {
    fn default() -> Self {
        ConfigFile {
            version: Some(CURRENT_VERSION),
            codex: ServiceConfigs::default(),
            claude: ServiceConfigs::default(),
            default_service: None,
            extra: Map::new(),
        }
    }
}

impl ConfigFile {
    pub fn service(&self, service: Service) -> &ServiceConfigs {
        match service {
            Service::Codex => &self.codex,
            Service::Claude => &self.claude,
        }
    }

    pub fn service_mut(&mut self, service: Service) -> &mut ServiceConfigs {
        match service {
            Service::Codex => &mut self.codex,
            Service::Claude => &mut self.claude,
        }
    }

    /// Fills in what a hand-written file may leave out: a config whose
    /// `name` is empty takes its map key (the key is what users refer to).
    pub fn normalize(&mut self) {
        for service in Service::ALL {
            for (key, cfg) in self.service_mut(service).configs.iter_mut() {
                if cfg.name.is_empty() {
                    cfg.name = key.clone();
                }
            }
        }
    }
}

/// One service's section: the named configs and which one is live.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceConfigs {
    /// Name of the active config, or `null` when none is selected.
    #[serde(default)]
    pub active: Option<String>,
    /// Named configs in file order (order is kept for listing).
    #[serde(default)]
    pub configs: IndexMap<String, NamedConfig>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ServiceConfigs {
    /// The config named by `active`. `None` when nothing is active or the
    /// name is dangling; callers report that rather than guessing a config.
    pub fn active_config(&self) -> Option<&NamedConfig> {
        self.active.as_deref().and_then(|name| self.configs.get(name))
    }

    /// The config requests are served from: the one named by `active`, or
    /// the first one when none is named (a file with a single config
    /// shouldn't need `active` set to work). `None` when there are no
    /// configs, or `active` names one that does not exist.
    pub fn serving_config(&self) -> Option<&NamedConfig> {
        match self.active.as_deref() {
            Some(_) => self.active_config(),
            None => self.configs.values().next(),
        }
    }

    /// The name to show as active: [`Self::serving_config`]'s, else what
    /// `active` says (a dangling name is still what the user chose).
    pub fn serving_name(&self) -> Option<&str> {
        self.serving_config().map(|c| c.name.as_str()).or(self.active.as_deref())
    }
}

/// A short name for an upstream, from its base URL: the host and port
/// (`https://api.example.com:8443/v1` → `api.example.com:8443`). The one
/// label the CLI, the notifications, the tray and the window show.
pub fn host_label(base_url: &str) -> String {
    let url = base_url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest).to_string()
}

/// A named group of upstreams the load balancer chooses between.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedConfig {
    /// Equal to the map key (filled from it on load when empty).
    #[serde(default)]
    pub name: String,
    /// Free-form description shown in listings.
    #[serde(default)]
    pub alias: Option<String>,
    /// In priority order: `[0]` is the primary.
    #[serde(default)]
    pub upstreams: Vec<Upstream>,
    /// How requests spread over the upstreams; absent: `priority`. Omitted
    /// when it is the default, so the original tool's files round-trip.
    #[serde(default, skip_serializing_if = "Strategy::is_default")]
    pub strategy: Option<Strategy>,
    /// Share of a quota window used (percent) at which an upstream is
    /// treated as exhausted before it fails; absent: 95. Omitted when
    /// absent, as `strategy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_threshold_percent: Option<f64>,
    /// Share used (percent) at which the tray warns; absent: 80.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_warning_percent: Option<f64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One endpoint requests can be forwarded to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Upstream {
    /// e.g. `https://api.openai.com/v1`; request paths are appended to it.
    #[serde(default)]
    pub base_url: String,
    #[serde(default)]
    pub auth: UpstreamAuth,
    /// A name for this key, shown instead of the masked key and used to
    /// pick one of several keys for one URL (`--key-alias`). Omitted when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Free-form labels (`provider_id`, `source`, ...).
    #[serde(default)]
    pub tags: IndexMap<String, String>,
    /// The API it speaks; absent: the client's own. Omitted when absent (not
    /// `null`): the original tool has no such field, so its files round-trip
    /// unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// The client's model name → this upstream's (`*`: every other model).
    /// Omitted when empty, for the same reason as `protocol`.
    #[serde(default, skip_serializing_if = "ModelMap::is_empty")]
    pub model_map: ModelMap,
    /// Extra headers sent on every request to this upstream (name → value;
    /// see [`super::extra_headers`]). Omitted when empty, as `protocol`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Upstream {
    /// The protocol requests to it are sent in, for `service`'s clients.
    pub fn protocol(&self, service: Service) -> Protocol {
        self.protocol.unwrap_or_else(|| Protocol::native(service))
    }

    /// The credential to send: `auth_token`, else `api_key` (empty strings
    /// count as absent, since an empty bearer token is never intended).
    pub fn key(&self) -> Option<&str> {
        fn non_empty(s: &Option<String>) -> Option<&str> {
            s.as_deref().filter(|s| !s.is_empty())
        }
        non_empty(&self.auth.auth_token).or_else(|| non_empty(&self.auth.api_key))
    }

    /// How it is shown: its alias, else its masked key, else `no key`.
    pub fn key_label(&self) -> String {
        match (&self.alias, self.key()) {
            (Some(alias), _) if !alias.trim().is_empty() => alias.clone(),
            (_, Some(key)) => mask_secret(key),
            _ => "no key".to_string(),
        }
    }
}

impl NamedConfig {
    pub fn strategy(&self) -> Strategy {
        self.strategy.unwrap_or_default()
    }
}

/// Credentials for an upstream. `Debug` masks them so keys never end up in
/// logs or panic messages.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpstreamAuth {
    #[serde(default)]
    pub auth_token: Option<String>,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for UpstreamAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |s: &Option<String>| s.as_deref().map(mask_secret);
        // Unknown auth fields may be secrets too: show only their names.
        let extra_keys: Vec<&String> = self.extra.keys().collect();
        f.debug_struct("UpstreamAuth")
            .field("auth_token", &masked(&self.auth_token))
            .field("api_key", &masked(&self.api_key))
            .field("extra_keys", &extra_keys)
            .finish()
    }
}

/// One masking rule for the whole crate; it lives with the scrubber.
pub use crate::redact::mask_secret;

#[cfg(test)]
mod tests {
    use super::*;

    /// The "Example ~/.codex-helper/config.json" from the spec, verbatim.
    const SPEC_EXAMPLE: &str = r#"{
"version": 1,
"codex": {
"active": "codex-main",
"configs": {
"codex-main": {
"name": "codex-main",
"alias": null,
"upstreams": [
{
"base_url": "https://codex-api.packycode.com/v1",
"auth": { "auth_token": "sk-packy-..." },
"tags": { "provider_id": "packycode", "source": "codex-config" }
},
{
"base_url": "https://co.yes.vg/v1",
"auth": { "auth_token": "cr-..." },
"tags": { "provider_id": "yes", "source": "codex-config" }
}
]
}
}
},
"claude": { "active": null, "configs": {} },
"default_service": null
}"#;

    /// The "config.json structure (brief)" from the spec: no `version`, no
    /// `claude`, no `default_service`.
    const SPEC_BRIEF: &str = r#"{
"codex": {
"active": "openai-main",
"configs": {
"openai-main": {
"name": "openai-main",
"alias": "Main OpenAI quota",
"upstreams": [
{
"base_url": "https://api.openai.com/v1",
"auth": {
"auth_token": "sk-...",
"api_key": null
},
"tags": {
"source": "codex-config",
"provider_id": "openai"
}
}
]
}
}
}
}"#;

    #[test]
    fn loads_spec_example() {
        let cfg: ConfigFile = serde_json::from_str(SPEC_EXAMPLE).unwrap();
        assert_eq!(cfg.version, Some(1));
        let active = cfg.codex.active_config().unwrap();
        assert_eq!(active.name, "codex-main");
        assert_eq!(active.upstreams.len(), 2);
        assert_eq!(active.upstreams[1].base_url, "https://co.yes.vg/v1");
        assert_eq!(active.upstreams[0].key(), Some("sk-packy-..."));
        let tags: Vec<_> = active.upstreams[0].tags.keys().collect();
        assert_eq!(tags, ["provider_id", "source"], "tag order is kept");
        assert!(cfg.claude.configs.is_empty());
        assert_eq!(cfg.default_service, None);
        assert!(cfg.extra.is_empty());
        crate::config::validate(&cfg, std::path::Path::new("c.json")).unwrap();
    }

    #[test]
    fn loads_spec_brief_without_version_or_claude() {
        let cfg: ConfigFile = serde_json::from_str(SPEC_BRIEF).unwrap();
        assert_eq!(cfg.version, None);
        assert_eq!(cfg.claude, ServiceConfigs::default());
        let main = cfg.service(Service::Codex).active_config().unwrap();
        assert_eq!(main.alias.as_deref(), Some("Main OpenAI quota"));
        assert_eq!(main.upstreams[0].auth.api_key, None);
        assert_eq!(main.upstreams[0].tags["provider_id"], "openai");
        crate::config::validate(&cfg, std::path::Path::new("c.json")).unwrap();
    }

    #[test]
    fn protocol_is_optional_and_written_only_when_set() {
        let mut cfg: ConfigFile = serde_json::from_str(SPEC_EXAMPLE).unwrap();
        let up = &cfg.codex.configs["codex-main"].upstreams[0];
        assert_eq!(up.protocol, None);
        assert_eq!(up.protocol(Service::Codex), Protocol::Responses);
        let v = serde_json::to_value(&cfg).unwrap();
        assert!(v["codex"]["configs"]["codex-main"]["upstreams"][0].get("protocol").is_none());
        cfg.codex.configs[0].upstreams[1].protocol = Some(Protocol::Chat);
        let v = serde_json::to_value(&cfg).unwrap();
        assert_eq!(v["codex"]["configs"]["codex-main"]["upstreams"][1]["protocol"], "chat");
        let back: ConfigFile = serde_json::from_value(v).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn headers_are_written_only_when_set_and_unknown_fields_survive() {
        let mut cfg: ConfigFile = serde_json::from_str(SPEC_EXAMPLE).unwrap();
        let v = serde_json::to_value(&cfg).unwrap();
        assert!(v["codex"]["configs"]["codex-main"]["upstreams"][0].get("headers").is_none());
        let up = &mut cfg.codex.configs[0].upstreams[0];
        up.headers.insert("X-Title".into(), "My app".into());
        up.extra.insert("future_field".into(), serde_json::json!(1));
        let v = serde_json::to_value(&cfg).unwrap();
        let written = &v["codex"]["configs"]["codex-main"]["upstreams"][0];
        assert_eq!(written["headers"], serde_json::json!({ "X-Title": "My app" }));
        assert_eq!(written["future_field"], 1);
        let back: ConfigFile = serde_json::from_value(v).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn writes_nulls_and_version_1() {
        let mut cfg: ConfigFile = serde_json::from_str(SPEC_BRIEF).unwrap();
        cfg.codex.configs[0].upstreams[0].auth.auth_token = None;
        let v = serde_json::to_value(&cfg).unwrap();
        assert_eq!(v["version"], 1);
        assert!(v["default_service"].is_null() && v.get("default_service").is_some());
        assert!(v["claude"]["active"].is_null() && v["claude"].get("active").is_some());
        let auth = &v["codex"]["configs"]["openai-main"]["upstreams"][0]["auth"];
        assert!(auth.get("auth_token").is_some_and(Value::is_null));
        assert!(auth.get("api_key").is_some_and(Value::is_null));
        let cfg2 = ConfigFile { version: Some(7), ..ConfigFile::default() };
        assert_eq!(serde_json::to_value(&cfg2).unwrap()["version"], 1);
    }

    #[test]
    fn the_serving_config_is_the_active_one_else_the_first() {
        let mut sc = ServiceConfigs::default();
        assert!(sc.serving_config().is_none());
        assert_eq!(sc.serving_name(), None);
        for name in ["a", "b"] {
            sc.configs.insert(name.into(), NamedConfig { name: name.into(), ..Default::default() });
        }
        assert_eq!(sc.serving_config().unwrap().name, "a", "none named: the first");
        sc.active = Some("b".into());
        assert_eq!(sc.serving_config().unwrap().name, "b");
        sc.active = Some("gone".into());
        assert!(sc.serving_config().is_none(), "a dangling name serves nothing");
        assert_eq!(sc.serving_name(), Some("gone"), "but is what the user chose");
    }

    #[test]
    fn host_label_is_host_and_port() {
        assert_eq!(host_label("https://api.example.com:8443/v1"), "api.example.com:8443");
        assert_eq!(host_label("https://packy.example/v1?x=1"), "packy.example");
        assert_eq!(host_label(" http://127.0.0.1:3211#frag "), "127.0.0.1:3211");
        assert_eq!(host_label("relay.example/v1"), "relay.example");
    }

    #[test]
    fn active_config_is_none_when_unset_or_dangling() {
        let mut sc = ServiceConfigs::default();
        sc.configs.insert("a".into(), NamedConfig { name: "a".into(), ..Default::default() });
        assert!(sc.active_config().is_none());
        sc.active = Some("b".into());
        assert!(sc.active_config().is_none());
        sc.active = Some("a".into());
        assert_eq!(sc.active_config().unwrap().name, "a");
    }

    #[test]
    fn normalize_fills_empty_names_from_keys() {
        let mut cfg: ConfigFile = serde_json::from_str(r#"{"claude": {"configs": {"k": {"upstreams": []}}}}"#).unwrap();
        assert_eq!(cfg.claude.configs["k"].name, "");
        cfg.normalize();
        assert_eq!(cfg.claude.configs["k"].name, "k");
    }

    #[test]
    fn key_prefers_auth_token_then_api_key() {
        let mut u = Upstream::default();
        assert_eq!(u.key(), None);
        u.auth.api_key = Some("ak".into());
        assert_eq!(u.key(), Some("ak"));
        u.auth.auth_token = Some(String::new());
        assert_eq!(u.key(), Some("ak"));
        u.auth.auth_token = Some("tok".into());
        assert_eq!(u.key(), Some("tok"));
    }

    #[test]
    fn debug_masks_keys() {
        let mut auth = UpstreamAuth {
            auth_token: Some("sk-supersecretvalue9876".into()),
            api_key: Some("another-secret-key-5555".into()),
            extra: Map::new(),
        };
        auth.extra.insert("refresh_token".into(), Value::String("rt-hidden-value-0000".into()));
        let up = Upstream { auth, ..Default::default() };
        let shown = format!("{up:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(!shown.contains("another-secret"), "{shown}");
        assert!(!shown.contains("rt-hidden"), "{shown}");
        assert!(shown.contains("sk-…9876") && shown.contains("refresh_token"), "{shown}");
    }
}
