//! `~/.codex-helper/settings.json`: our own knobs (ports, timeouts, limits),
//! kept apart from `config.json` because that file's format is shared with
//! the original tool. The file is optional and may be partial; every missing
//! value takes its default, and unknown top-level keys survive a rewrite.

use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use indexmap::IndexMap;

use super::error::{parse_json, ConfigError};
use crate::cost::Price;
use crate::fsutil;
use crate::i18n::{Both, LanguagePref};
use crate::paths::Paths;
use crate::service::Service;
use crate::t_both;

/// All settings, with defaults for anything the file leaves out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default = "codex_defaults", deserialize_with = "codex_settings")]
    pub codex: ServiceSettings,
    #[serde(default = "claude_defaults", deserialize_with = "claude_settings")]
    pub claude: ServiceSettings,
    #[serde(default)]
    pub proxy: ProxySettings,
    #[serde(default)]
    pub logs: LogSettings,
    #[serde(default)]
    pub lb: LbSettings,
    /// The desktop app's own preferences (ignored by `ch`).
    #[serde(default)]
    pub app: AppPrefs,
    /// How many previous versions of each of our files are kept for undo.
    #[serde(default)]
    pub history: HistorySettings,
    /// Model → price (USD per million tokens), on top of the shipped table
    /// (see [`crate::cost`]): models a relay sells that it lacks, or other
    /// prices than the vendors'.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub prices: IndexMap<String, Price>,
    /// The language of human output, the tray and the window: `"auto"`
    /// (the default: the system locale), `"en"`, `"zh-CN"`;
    /// `CODEX_HELPER_LANG` overrides it for one run (see [`crate::i18n`]).
    #[serde(default, skip_serializing_if = "LanguagePref::is_auto")]
    pub language: LanguagePref,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            codex: ServiceSettings::defaults_for(Service::Codex),
            claude: ServiceSettings::defaults_for(Service::Claude),
            proxy: ProxySettings::default(),
            logs: LogSettings::default(),
            lb: LbSettings::default(),
            app: AppPrefs::default(),
            history: HistorySettings::default(),
            prices: IndexMap::new(),
            language: LanguagePref::Auto,
            extra: Map::new(),
        }
    }
}

/// Per-service settings. There is deliberately no `Default`: the right port
/// depends on the service, see [`ServiceSettings::defaults_for`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceSettings {
    /// Loopback port the proxy listens on.
    pub port: u16,
    /// Whether `serve` starts this service's proxy.
    pub enabled: bool,
}

impl ServiceSettings {
    pub fn defaults_for(service: Service) -> Self {
        ServiceSettings { port: service.default_port(), enabled: true }
    }
}

/// What a service section may contain on disk: any field may be missing, and
/// is filled with the default *for that service* (a partial
/// `{"claude": {"enabled": false}}` must still get port 3210).
#[derive(Default, Deserialize)]
#[serde(default)]
struct PartialServiceSettings {
    port: Option<u16>,
    enabled: Option<bool>,
}

fn service_settings<'de, D: Deserializer<'de>>(d: D, service: Service) -> Result<ServiceSettings, D::Error> {
    let p = PartialServiceSettings::deserialize(d)?;
    let def = ServiceSettings::defaults_for(service);
    Ok(ServiceSettings { port: p.port.unwrap_or(def.port), enabled: p.enabled.unwrap_or(def.enabled) })
}

fn codex_settings<'de, D: Deserializer<'de>>(d: D) -> Result<ServiceSettings, D::Error> {
    service_settings(d, Service::Codex)
}

fn claude_settings<'de, D: Deserializer<'de>>(d: D) -> Result<ServiceSettings, D::Error> {
    service_settings(d, Service::Claude)
}

fn codex_defaults() -> ServiceSettings {
    ServiceSettings::defaults_for(Service::Codex)
}

fn claude_defaults() -> ServiceSettings {
    ServiceSettings::defaults_for(Service::Claude)
}

/// Timeouts and limits of the forwarding proxy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ProxySettings {
    /// TCP + TLS connect to an upstream.
    pub connect_timeout_ms: u64,
    /// From sending the request to the upstream's response headers; long
    /// because models may think before answering.
    pub response_header_timeout_ms: u64,
    /// Longest silence allowed between two chunks of a streamed answer.
    pub stream_idle_timeout_ms: u64,
    /// Larger request bodies are refused (they are buffered for filtering).
    pub max_request_body_bytes: u64,
    /// A client's request head must be complete this long after it
    /// connected (or after the head's first byte, on a reused connection);
    /// local clients send it at once.
    pub request_header_timeout_ms: u64,
    /// An idle keep-alive connection is closed after this long without a
    /// new request. Never applies while an answer is being sent. Longer
    /// than common client pools keep theirs (reqwest: 90 s), so the client
    /// closes first and never reuses a connection we are closing.
    pub keep_alive_timeout_ms: u64,
    /// Most client connections each proxy keeps open; at the cap, idle ones
    /// are closed to make room. 0 (the default) derives it from the
    /// process's file-descriptor limit (240 for the usual 1024).
    pub max_connections: u32,
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            connect_timeout_ms: 5_000,
            response_header_timeout_ms: 120_000,
            stream_idle_timeout_ms: 300_000,
            max_request_body_bytes: 32 * 1024 * 1024,
            request_header_timeout_ms: 30_000,
            keep_alive_timeout_ms: 120_000,
            max_connections: 0,
        }
    }
}

/// Rotation of `logs/requests.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// Rotate when the current file would exceed this size.
    pub max_bytes: u64,
    /// Rotated files kept (including the current one).
    pub max_files: u32,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { max_bytes: 50 * 1024 * 1024, max_files: 10 }
    }
}

/// When the load balancer gives up on an upstream for a while.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct LbSettings {
    /// Consecutive failures that start a cooldown.
    pub failure_threshold: u32,
    /// First cooldown; each repeated trip doubles it.
    pub cooldown_ms: u64,
    /// Longest cooldown (also caps `Retry-After`).
    pub max_cooldown_ms: u64,
    /// How long a request waits for a free slot when every upstream it may
    /// use is at its `max_concurrent` cap, before the proxy answers that
    /// they all are. 0: answer at once.
    pub max_concurrent_wait_ms: u64,
}

/// The longest `lb.max_concurrent_wait_ms` accepted: a client waiting
/// longer without a byte is better told to retry.
pub const MAX_CONCURRENT_WAIT_LIMIT_MS: u64 = 600_000;

impl Default for LbSettings {
    fn default() -> Self {
        // 30 s: long enough for a short turn elsewhere to end and free a
        // slot (most answers take seconds), well inside the clients' own
        // patience (Codex waits minutes for a first byte), and short enough
        // that a user at a full pool gets a clear error, not a hang.
        LbSettings {
            failure_threshold: 3,
            cooldown_ms: 30_000,
            max_cooldown_ms: 600_000,
            max_concurrent_wait_ms: 30_000,
        }
    }
}

/// The desktop app's preferences, in settings.json's `app` section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AppPrefs {
    /// Start in the tray without opening the window.
    pub start_hidden: bool,
    /// Start with the desktop session (an XDG autostart entry).
    pub start_at_login: bool,
}

/// Undo history (`crate::history`, which reads `keep` itself, leniently).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistorySettings {
    /// Previous versions kept per file; 0 keeps none.
    pub keep: u32,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings { keep: crate::history::DEFAULT_KEEP as u32 }
    }
}

impl Settings {
    pub fn service(&self, service: Service) -> &ServiceSettings {
        match service {
            Service::Codex => &self.codex,
            Service::Claude => &self.claude,
        }
    }

    /// Reads `settings.json`: missing (or empty) → defaults; malformed →
    /// [`ConfigError::Parse`] with line/column; out of range →
    /// [`ConfigError::Invalid`].
    pub fn load(paths: &Paths) -> Result<Settings, ConfigError> {
        let path = paths.settings_file();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(ConfigError::io(&path, e)),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Settings::default());
        }
        let settings: Settings = parse_json(&bytes, &path)?;
        settings.validate(&path).map_err(|e| e.placed_in(&bytes))?;
        Ok(settings)
    }

    /// Validates and writes `settings.json` atomically (0600, in a 0700 dir).
    pub fn save(&self, paths: &Paths) -> Result<(), ConfigError> {
        let path = paths.settings_file();
        self.validate(&path)?;
        let dir = paths.helper_dir();
        fsutil::ensure_private_dir(&dir).map_err(|e| ConfigError::io(&dir, e))?;
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| ConfigError::io(&path, io::Error::other(e)))?;
        bytes.push(b'\n');
        crate::history::write_kept(&path, &bytes, 0o600).map_err(|e| ConfigError::io(&path, e))
    }

    /// Rejects values that would make the proxy unusable rather than merely
    /// unusual. `path` is only used in messages.
    pub fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &str, message: Both, hint: Both| Err(ConfigError::invalid(path, key, message, hint));
        for service in Service::ALL {
            if self.service(service).port == 0 {
                let key = format!("{service}.port");
                let hint = t_both!("err-set-port-zero-hint", port = service.default_port().to_string());
                return bad(&key, t_both!("err-set-port-zero"), hint);
            }
        }
        if self.codex.port == self.claude.port {
            return bad(
                "claude.port",
                t_both!("err-set-same-port", port = self.claude.port.to_string()),
                t_both!("err-set-same-port-hint"),
            );
        }
        let p = &self.proxy;
        let timeouts = [
            ("proxy.connect_timeout_ms", p.connect_timeout_ms),
            ("proxy.response_header_timeout_ms", p.response_header_timeout_ms),
            ("proxy.stream_idle_timeout_ms", p.stream_idle_timeout_ms),
            ("proxy.request_header_timeout_ms", p.request_header_timeout_ms),
            ("proxy.keep_alive_timeout_ms", p.keep_alive_timeout_ms),
        ];
        for (key, v) in timeouts {
            if v == 0 {
                return bad(key, t_both!("err-set-above-zero"), t_both!("err-set-timeout-hint"));
            }
        }
        if p.max_request_body_bytes < 1024 {
            return bad(
                "proxy.max_request_body_bytes",
                t_both!("err-set-body-small", value = p.max_request_body_bytes.to_string()),
                t_both!("err-set-body-small-hint"),
            );
        }
        if self.logs.max_bytes == 0 {
            return bad(
                "logs.max_bytes",
                t_both!("err-set-above-zero"),
                t_both!("err-set-default", value = "52428800 (50 MiB)"),
            );
        }
        if self.logs.max_files == 0 {
            return bad("logs.max_files", t_both!("err-set-at-least-one"), t_both!("err-set-default", value = "10"));
        }
        if self.lb.failure_threshold == 0 {
            return bad(
                "lb.failure_threshold",
                t_both!("err-set-at-least-one"),
                t_both!("err-set-default", value = "3"),
            );
        }
        if self.lb.max_cooldown_ms < self.lb.cooldown_ms {
            return bad("lb.max_cooldown_ms", t_both!("err-set-cooldown"), t_both!("err-set-cooldown-hint"));
        }
        if self.lb.max_concurrent_wait_ms > MAX_CONCURRENT_WAIT_LIMIT_MS {
            return bad(
                "lb.max_concurrent_wait_ms",
                t_both!(
                    "err-set-wait-long",
                    value = self.lb.max_concurrent_wait_ms.to_string(),
                    limit = MAX_CONCURRENT_WAIT_LIMIT_MS.to_string()
                ),
                t_both!("err-set-wait-long-hint"),
            );
        }
        for (model, price) in &self.prices {
            // Quoted: model names hold dots (`gpt-5.1`), see `locate`.
            let key = format!("prices.{}", super::locate::quoted(model));
            if model.trim().is_empty() {
                return bad(&key, t_both!("err-set-price-model"), t_both!("err-set-price-model-hint"));
            }
            if let Some((field, value)) = price.problem() {
                return bad(
                    &format!("{key}.{field}"),
                    t_both!("err-set-price", value = value.to_string()),
                    t_both!("err-set-price-hint"),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn home_with(settings: Option<&str>) -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        if let Some(text) = settings {
            fs::create_dir_all(paths.helper_dir()).unwrap();
            fs::write(paths.settings_file(), text).unwrap();
        }
        (dir, paths)
    }

    #[test]
    fn defaults_are_per_service() {
        let s = Settings::default();
        assert_eq!(s.service(Service::Codex).port, 3211);
        assert_eq!(s.service(Service::Claude).port, 3210);
        assert!(s.codex.enabled && s.claude.enabled);
        assert_eq!(s.proxy.connect_timeout_ms, 5000);
        assert_eq!(s.proxy.response_header_timeout_ms, 120_000);
        assert_eq!(s.proxy.stream_idle_timeout_ms, 300_000);
        assert_eq!(s.proxy.max_request_body_bytes, 33_554_432);
        assert_eq!(s.proxy.request_header_timeout_ms, 30_000);
        assert_eq!(s.proxy.keep_alive_timeout_ms, 120_000);
        assert_eq!(s.proxy.max_connections, 0, "derived from the fd limit");
        assert_eq!(s.logs.max_bytes, 52_428_800);
        assert_eq!(s.logs.max_files, 10);
        assert_eq!(s.lb.max_concurrent_wait_ms, 30_000);
    }

    #[test]
    fn missing_and_empty_files_give_defaults() {
        let (_d, paths) = home_with(None);
        assert_eq!(Settings::load(&paths).unwrap(), Settings::default());
        let (_d, paths) = home_with(Some("\n"));
        assert_eq!(Settings::load(&paths).unwrap(), Settings::default());
        let (_d, paths) = home_with(Some("{}"));
        assert_eq!(Settings::load(&paths).unwrap(), Settings::default());
    }

    #[test]
    fn partial_file_keeps_service_specific_defaults() {
        let (_d, paths) = home_with(Some(r#"{"claude": {"enabled": false}, "proxy": {"connect_timeout_ms": 750}}"#));
        let s = Settings::load(&paths).unwrap();
        assert_eq!(s.claude, ServiceSettings { port: 3210, enabled: false });
        assert_eq!(s.codex, ServiceSettings { port: 3211, enabled: true });
        assert_eq!(s.proxy.connect_timeout_ms, 750);
        assert_eq!(s.proxy.stream_idle_timeout_ms, 300_000);

        let (_d, paths) = home_with(Some(r#"{"codex": {"port": 4000}}"#));
        let s = Settings::load(&paths).unwrap();
        assert_eq!(s.codex, ServiceSettings { port: 4000, enabled: true });
    }

    #[test]
    fn the_language_setting_is_read_and_a_wrong_one_says_what_is_allowed() {
        let (_d, paths) = home_with(Some(r#"{"language": "zh-CN"}"#));
        assert_eq!(Settings::load(&paths).unwrap().language, LanguagePref::ZhCn);
        let (_d, paths) = home_with(Some(r#"{"language": "auto"}"#));
        assert_eq!(Settings::load(&paths).unwrap().language, LanguagePref::Auto);
        // "auto" is the default and is not written out.
        let text = serde_json::to_string(&Settings::default()).unwrap();
        assert!(!text.contains("language"), "{text}");
        let (_d, paths) = home_with(Some("{\n  \"language\": \"fr\"\n}"));
        let err = Settings::load(&paths).unwrap_err().to_string();
        assert!(err.contains("fr") && err.contains("zh-CN") && err.contains("settings.json:2:"), "{err}");
    }

    #[test]
    fn malformed_file_reports_position_and_key() {
        let (_d, paths) = home_with(Some("{\n  \"codex\": {\"port\": \"x\"}\n}"));
        match Settings::load(&paths).unwrap_err() {
            ConfigError::Parse { line, key, .. } => {
                assert_eq!(line, 2);
                assert_eq!(key, "codex.port");
            }
            other => panic!("{other:?}"),
        }
        let (_d, paths) = home_with(Some("{\"logs\": "));
        assert!(matches!(Settings::load(&paths), Err(ConfigError::Parse { .. })));
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let cases = [
            (r#"{"codex": {"port": 0}}"#, "codex.port"),
            (r#"{"claude": {"port": 3211}}"#, "claude.port"),
            (r#"{"proxy": {"stream_idle_timeout_ms": 0}}"#, "proxy.stream_idle_timeout_ms"),
            (r#"{"proxy": {"max_request_body_bytes": 1023}}"#, "proxy.max_request_body_bytes"),
            (r#"{"proxy": {"request_header_timeout_ms": 0}}"#, "proxy.request_header_timeout_ms"),
            (r#"{"proxy": {"keep_alive_timeout_ms": 0}}"#, "proxy.keep_alive_timeout_ms"),
            (r#"{"logs": {"max_files": 0}}"#, "logs.max_files"),
            (r#"{"lb": {"max_concurrent_wait_ms": 600001}}"#, "lb.max_concurrent_wait_ms"),
        ];
        for (text, want) in cases {
            let (_d, paths) = home_with(Some(text));
            match Settings::load(&paths) {
                Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, want, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let (_d, paths) = home_with(Some(r#"{"proxy": {"max_request_body_bytes": 1024}}"#));
        assert!(Settings::load(&paths).is_ok());
    }

    /// A value that parses but is out of range was named by key only; it
    /// is placed at its line and column, as a parse error is.
    #[test]
    fn regression_an_out_of_range_value_is_placed_at_file_line_column() {
        let text = "{\n  \"codex\": { \"port\": 4000 },\n  \"proxy\": {\n    \"stream_idle_timeout_ms\": 0\n  }\n}\n";
        let (_d, paths) = home_with(Some(text));
        let err = Settings::load(&paths).unwrap_err();
        assert!(matches!(&err, ConfigError::Invalid { at: Some((4, 5)), .. }), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains("settings.json:4:5: proxy.stream_idle_timeout_ms: must be greater than 0"), "{shown}");
        // A rule broken by a default (not in the file): the key, no position.
        let (_d, paths) = home_with(Some(r#"{"lb": {"cooldown_ms": 700000}}"#));
        let err = Settings::load(&paths).unwrap_err();
        assert!(matches!(&err, ConfigError::Invalid { at: None, .. }), "{err:?}");
        assert!(err.to_string().contains("settings.json: lb.max_cooldown_ms"), "{err}");
    }

    #[test]
    fn price_overrides_load_and_a_bad_one_is_placed_at_its_key() {
        let (_d, paths) =
            home_with(Some(r#"{"prices": {"deepseek-chat": {"input": 0.27, "cached_input": 0.07, "output": 1.1}}}"#));
        let s = Settings::load(&paths).unwrap();
        assert_eq!(s.prices["deepseek-chat"].cached_input, Some(0.07));
        let text = "{\n  \"prices\": {\n    \"gpt-5.1\": {\"input\": 1, \"output\": -2}\n  }\n}\n";
        let (_d, paths) = home_with(Some(text));
        let err = Settings::load(&paths).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("settings.json:3:29: prices.\"gpt-5.1\".output: is -2"), "{shown}");
        // A misspelt field is a parse error at its place, not a silent default.
        let (_d, paths) = home_with(Some("{\"prices\": {\"m\": {\"input\": 1, \"ouput\": 2}}}"));
        assert!(matches!(Settings::load(&paths), Err(ConfigError::Parse { .. })));
    }

    #[test]
    fn save_round_trips_and_keeps_unknown_keys() {
        let (_d, paths) = home_with(Some(r#"{"future": {"x": 1}, "logs": {"max_files": 3}}"#));
        let mut s = Settings::load(&paths).unwrap();
        s.codex.enabled = false;
        s.save(&paths).unwrap();
        let back = Settings::load(&paths).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.extra["future"]["x"], 1);
        assert_eq!(back.logs.max_files, 3);
        let mode = fs::metadata(paths.settings_file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let invalid = Settings { logs: LogSettings { max_bytes: 1, max_files: 0 }, ..Settings::default() };
        assert!(invalid.save(&paths).is_err());
        assert_eq!(Settings::load(&paths).unwrap(), s, "invalid settings were not written");
    }
}
