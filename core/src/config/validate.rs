//! Checks that go beyond "the JSON has the right shape": URLs that the proxy
//! can actually forward to, names that agree with their keys, and an
//! `active` that points at something. Run on every load and before every
//! write, so a bad value is reported with its dotted key instead of surfacing
//! later as a confusing proxy error.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use url::{Host, Url};

use super::error::ConfigError;
use super::model::{ConfigFile, CURRENT_VERSION};
use crate::i18n::Both;
use crate::service::Service;
use crate::t_both;

const GOOD_URL: &str = "https://api.openai.com/v1";

/// Text we print to terminals must not carry control characters (ESC
/// sequences recolour or rewrite the screen, CR/LF forge lines): C0, DEL
/// and C1 are refused. The message names the first one found.
pub fn check_printable(value: &str) -> Result<(), Both> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => {
            Err(t_both!("err-printable", code = format!("{:04X}", c as u32), value = value.escape_debug().to_string()))
        }
        None => Ok(()),
    }
}

/// Checks an upstream `base_url` and returns it parsed. The error message
/// says what is wrong and shows a good example (in English and for the
/// reader: it ends up in a typed error's `Display` and its localized text).
pub fn validate_base_url(url: &str) -> Result<Url, Both> {
    let good = GOOD_URL;
    if url.trim().is_empty() {
        return Err(t_both!("err-url-empty", good = good));
    }
    // Before parsing: the URL parser silently drops tabs and newlines, but
    // the raw string is what we store and print.
    check_printable(url)?;
    // The URL parser silently trims spaces, but other code uses the raw
    // string; a pasted trailing space should be fixed, not carried along.
    if url.trim() != url {
        return Err(t_both!("err-url-spaces", url = url, good = good));
    }
    let parsed =
        Url::parse(url).map_err(|e| t_both!("err-url-invalid", url = url, reason = e.to_string(), good = good))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(t_both!("err-url-scheme", url = url, scheme = parsed.scheme(), good = good));
    }
    if parsed.host().is_none() {
        return Err(t_both!("err-url-no-host", url = url, good = good));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(t_both!("err-url-credentials", url = url, good = good));
    }
    if parsed.query().is_some() {
        return Err(t_both!("err-url-query", url = url, good = good));
    }
    if parsed.fragment().is_some() {
        return Err(t_both!("err-url-fragment", url = url, good = good));
    }
    Ok(parsed)
}

/// Whether `url` would send requests back to the proxy listening on
/// `listen`, which would loop forever. The host counts as "us" when it
/// [reaches this machine](crate::loopback::reaches_this_machine) or is the
/// listen IP itself; the effective port (explicit or the scheme default)
/// must also match.
pub fn points_at(url: &Url, listen: SocketAddr) -> bool {
    let host_is_us = match url.host() {
        Some(h) if crate::loopback::reaches_this_machine(&h) => true,
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip) == listen.ip().to_canonical(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).to_canonical() == listen.ip().to_canonical(),
        _ => false,
    };
    host_is_us && url.port_or_known_default() == Some(listen.port())
}

/// Validates a whole config file (already normalised). `path` is only used
/// in error messages.
pub fn validate(cfg: &ConfigFile, path: &Path) -> Result<(), ConfigError> {
    if let Some(v) = cfg.version {
        if v > CURRENT_VERSION {
            return Err(ConfigError::UnsupportedVersion { path: path.to_path_buf(), version: v.into() });
        }
    }
    for service in Service::ALL {
        let section = cfg.service(service);
        let svc = service.as_str();
        for (key, named) in &section.configs {
            if !named.name.is_empty() && named.name != *key {
                return Err(ConfigError::invalid(
                    path,
                    format!("{svc}.configs.{key}.name"),
                    t_both!("err-valid-name", name = named.name.as_str(), key = key.as_str()),
                    t_both!("err-valid-name-hint", key = key.as_str()),
                ));
            }
            for (field, value) in [
                ("quota_threshold_percent", named.quota_threshold_percent),
                ("quota_warning_percent", named.quota_warning_percent),
            ] {
                if value.is_some_and(|v| !(v.is_finite() && (0.0..=100.0).contains(&v))) {
                    return Err(ConfigError::invalid(
                        path,
                        format!("{svc}.configs.{key}.{field}"),
                        t_both!("err-valid-percent"),
                        t_both!("err-valid-percent-hint"),
                    ));
                }
            }
            for (i, up) in named.upstreams.iter().enumerate() {
                if let Err(message) = validate_base_url(&up.base_url) {
                    return Err(ConfigError::invalid(
                        path,
                        format!("{svc}.configs.{key}.upstreams[{i}].base_url"),
                        message,
                        t_both!("err-valid-edit-value"),
                    ));
                }
                if let Some((from, message)) = up.model_map.problem() {
                    return Err(ConfigError::invalid(
                        path,
                        format!("{svc}.configs.{key}.upstreams[{i}].model_map.{from}"),
                        message,
                        t_both!("err-valid-model-map-hint"),
                    ));
                }
                for (name, value) in &up.headers {
                    if let Err(message) = super::check_extra_header(name, value) {
                        return Err(ConfigError::invalid(
                            path,
                            format!("{svc}.configs.{key}.upstreams[{i}].headers.{name}"),
                            message,
                            t_both!("err-valid-change-entry"),
                        ));
                    }
                }
                if up.max_concurrent == Some(0) {
                    return Err(ConfigError::invalid(
                        path,
                        format!("{svc}.configs.{key}.upstreams[{i}].max_concurrent"),
                        t_both!("err-valid-max-concurrent"),
                        t_both!("err-valid-max-concurrent-hint"),
                    ));
                }
                if let Err(message) = up.protocol(service).usable_by(service) {
                    return Err(ConfigError::invalid(
                        path,
                        format!("{svc}.configs.{key}.upstreams[{i}].protocol"),
                        message,
                        t_both!("err-valid-change-value"),
                    ));
                }
            }
        }
        if let Some(active) = &section.active {
            if !section.configs.contains_key(active) {
                let known: Vec<&str> = section.configs.keys().map(String::as_str).collect();
                let message = if known.is_empty() {
                    t_both!("err-valid-active-none", active = active.as_str(), service = svc)
                } else {
                    t_both!("err-valid-active-unknown", active = active.as_str(), known = known.join(", "))
                };
                return Err(ConfigError::invalid(
                    path,
                    format!("{svc}.active"),
                    message,
                    t_both!("err-valid-active-hint", service = svc),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{NamedConfig, Upstream};

    #[test]
    fn good_urls_pass() {
        for u in ["https://api.openai.com/v1", "http://127.0.0.1:8080", "https://co.yes.vg/v1/"] {
            assert!(validate_base_url(u).is_ok(), "{u}");
        }
    }

    #[test]
    fn bad_urls_say_why() {
        let cases = [
            ("", "is empty"),
            (" https://a.com", "spaces"),
            ("api.openai.com/v1", "not a valid URL"),
            ("ftp://a.com/", "scheme `ftp`"),
            ("unix:/tmp/sock", "scheme `unix`"),
            ("https://user:pw@a.com/v1", "user name or password"),
            ("https://a.com/v1?x=1", "query"),
            ("https://a.com/v1#frag", "fragment"),
        ];
        for (u, want) in cases {
            let msg = validate_base_url(u).unwrap_err().en;
            assert!(msg.contains(want), "{u}: {msg}");
            assert!(msg.contains(GOOD_URL), "{u}: {msg}");
        }
    }

    #[test]
    fn points_at_detects_loops() {
        let listen: SocketAddr = "127.0.0.1:3211".parse().unwrap();
        let yes = [
            "http://127.0.0.1:3211/v1",
            "http://localhost:3211",
            "http://LOCALHOST.:3211",
            "http://127.1.2.3:3211",
            "http://0.0.0.0:3211",
            "http://[::1]:3211",
        ];
        for u in yes {
            assert!(points_at(&Url::parse(u).unwrap(), listen), "{u}");
        }
        let no = ["http://127.0.0.1:3210", "https://localhost/v1", "http://10.0.0.1:3211"];
        for u in no {
            assert!(!points_at(&Url::parse(u).unwrap(), listen), "{u}");
        }
        // Default port counts: a proxy on :80 is hit by a port-less http URL.
        let on80: SocketAddr = "192.168.1.5:80".parse().unwrap();
        assert!(points_at(&Url::parse("http://192.168.1.5/v1").unwrap(), on80));
        assert!(!points_at(&Url::parse("https://192.168.1.5/v1").unwrap(), on80));
    }

    fn cfg_with(urls: &[&str]) -> ConfigFile {
        let mut cfg = ConfigFile::default();
        let upstreams = urls.iter().map(|u| Upstream { base_url: u.to_string(), ..Default::default() }).collect();
        cfg.codex.configs.insert("main".into(), NamedConfig { name: "main".into(), upstreams, ..Default::default() });
        cfg.codex.active = Some("main".into());
        cfg
    }

    #[test]
    fn validate_reports_bad_url_with_key() {
        let p = Path::new("/c.json");
        assert!(validate(&cfg_with(&["https://a.com/v1"]), p).is_ok());
        let err = validate(&cfg_with(&["https://a.com/v1", "nope"]), p).unwrap_err();
        match err {
            ConfigError::Invalid { key, .. } => {
                assert_eq!(key, "codex.configs.main.upstreams[1].base_url")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn validate_checks_names_and_active() {
        let p = Path::new("/c.json");
        let mut cfg = cfg_with(&[]);
        cfg.codex.configs[0].name = "other".into();
        let err = validate(&cfg, p).unwrap_err();
        assert!(matches!(&err, ConfigError::Invalid { key, .. } if key == "codex.configs.main.name"), "{err}");

        cfg.codex.configs[0].name = String::new();
        assert!(validate(&cfg, p).is_ok(), "empty name is allowed");

        cfg.codex.active = Some("missing".into());
        let err = validate(&cfg, p).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("codex.active") && shown.contains("ch config set-active NAME"), "{shown}");
        assert!(shown.contains("not one of: main"), "{shown}");

        cfg.codex.active = None;
        cfg.claude.active = Some("x".into());
        let err = validate(&cfg, p).unwrap_err();
        assert!(matches!(&err, ConfigError::Invalid { key, .. } if key == "claude.active"), "{err}");
    }

    #[test]
    fn validate_refuses_extra_headers_the_proxy_owns() {
        let p = Path::new("/c.json");
        let mut cfg = cfg_with(&["https://a.com/v1"]);
        cfg.codex.configs[0].upstreams[0].headers.insert("X-Title".into(), "My app".into());
        assert!(validate(&cfg, p).is_ok());
        cfg.codex.configs[0].upstreams[0].headers.insert("Content-Length".into(), "3".into());
        let err = validate(&cfg, p).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { key, .. } if key == "codex.configs.main.upstreams[0].headers.Content-Length"),
            "{err}"
        );
    }

    #[test]
    fn validate_refuses_a_cap_of_zero() {
        let p = Path::new("/c.json");
        let mut cfg = cfg_with(&["https://a.com/v1"]);
        cfg.codex.configs[0].upstreams[0].max_concurrent = Some(1);
        assert!(validate(&cfg, p).is_ok());
        cfg.codex.configs[0].upstreams[0].max_concurrent = Some(0);
        let err = validate(&cfg, p).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { key, .. } if key == "codex.configs.main.upstreams[0].max_concurrent"),
            "{err}"
        );
        assert!(err.to_string().contains("use at least 1"), "{err}");
    }

    #[test]
    fn validate_rejects_newer_version() {
        let cfg = ConfigFile { version: Some(2), ..ConfigFile::default() };
        let err = validate(&cfg, Path::new("/c.json")).unwrap_err();
        assert!(matches!(err, ConfigError::UnsupportedVersion { version: 2, .. }));
        assert!(err.to_string().contains("newer codex-helper"));
    }

    #[test]
    fn control_characters_are_not_printable_and_urls_with_them_are_refused() {
        for bad in ["a\x1b[31m", "a\rb", "a\nb", "a\u{7f}", "a\u{9b}"] {
            assert!(check_printable(bad).unwrap_err().en.contains("control character"), "{bad:?}");
        }
        assert!(check_printable("ordinary — text ✓").is_ok());
        let err = validate_base_url("https://relay.example/v1\x1b[2J").unwrap_err().en;
        assert!(err.contains("U+001B") && !err.contains('\x1b'), "{err}");
    }
}
