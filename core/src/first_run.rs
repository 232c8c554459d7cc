//! What the window offers when it opens with no config for either service:
//! a login the clients already use (what `ch bootstrap` imports), a
//! cc-switch store or the original codex-helper's config to migrate; the
//! window adds the form for a relay by hand.

use serde::Serialize;

use crate::bootstrap;
use crate::config::error::display_path;
use crate::config::{mask_secret, ConfigError, ConfigStore};
use crate::import::Source;
use crate::paths::Paths;
use crate::service::Service;

/// A client's own upstream, found and not yet imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FoundLogin {
    pub service: Service,
    pub base_url: String,
    /// Masked; `None`: the login has no key (it still imports).
    pub key: Option<String>,
    /// Where it was read (`~/.codex/config.toml (model_provider `packy`)`).
    pub source: String,
}

/// What to offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FirstRun {
    /// Neither service has a config yet: the offers apply.
    pub empty: bool,
    pub logins: Vec<FoundLogin>,
    /// cc-switch's store (shown with `~`), when there.
    pub cc_switch: Option<String>,
    /// The original codex-helper's `config.toml`, when there.
    pub codex_helper: Option<String>,
}

/// Looks around (reads only). A client with nothing usable is simply not
/// offered; its reason is what `ch bootstrap` says.
pub fn offers(paths: &Paths) -> Result<FirstRun, ConfigError> {
    let file = ConfigStore::new(paths).load()?;
    let empty = Service::ALL.iter().all(|s| file.service(*s).configs.is_empty());
    let mut out = FirstRun { empty, logins: Vec::new(), cc_switch: None, codex_helper: None };
    if !empty {
        return Ok(out);
    }
    for service in Service::ALL {
        if let Ok(found) = bootstrap::find_client_upstream(paths, service) {
            out.logins.push(FoundLogin {
                service,
                base_url: found.upstream.base_url.clone(),
                key: found.upstream.key().map(mask_secret),
                source: found.source,
            });
        }
    }
    let found = |source: Source| source.found(paths).then(|| display_path(&source.default_path(paths)));
    out.cc_switch = found(Source::CcSwitch);
    out.codex_helper = found(Source::CodexHelper);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_home_offers_what_is_there_and_a_configured_one_nothing() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(home.path());
        let claude = home.path().join(".claude");
        std::fs::create_dir_all(&claude).unwrap();
        std::fs::write(
            claude.join("settings.json"),
            r#"{"env":{"ANTHROPIC_BASE_URL":"https://relay.example.com","ANTHROPIC_AUTH_TOKEN":"sk-relay-secret-9876"}}"#,
        )
        .unwrap();
        std::fs::create_dir_all(home.path().join(".cc-switch")).unwrap();
        std::fs::write(home.path().join(".cc-switch/cc-switch.db"), b"SQLite format 3\0").unwrap();
        let offers = offers(&paths).unwrap();
        assert!(offers.empty);
        let claude = offers.logins.iter().find(|l| l.service == Service::Claude).expect("the Claude login");
        assert_eq!(claude.base_url, "https://relay.example.com");
        assert_eq!(claude.key.as_deref(), Some(mask_secret("sk-relay-secret-9876").as_str()));
        assert!(offers.cc_switch.as_deref().is_some_and(|p| p.ends_with(".cc-switch/cc-switch.db")), "{offers:?}");
        assert_eq!(offers.codex_helper, None);

        bootstrap::bootstrap(&paths, Service::Claude).unwrap().unwrap();
        let offers = super::offers(&paths).unwrap();
        assert!(!offers.empty && offers.logins.is_empty() && offers.cc_switch.is_none());
    }
}
