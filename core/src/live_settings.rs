//! `settings.json` kept current under a running proxy: a [`Watched`]
//! [`LiveSettings`] holding the settings and what is derived from them
//! once per change (the proxy's [`Limits`], the load balancers'
//! [`HealthPolicy`], the upstream HTTP client), so an edit applies to the
//! next request, the next failure and the next log rotation without a
//! restart.
//!
//! Ports and `enabled` are not applied here: moving a listener is the
//! supervisor's job; it follows [`Watched::subscribe`] for that.
//!
//! The HTTP client carries the connect timeout, so it is rebuilt only when
//! that value changes (a rebuild drops pooled connections).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{ConfigError, Settings};
use crate::lb::HealthPolicy;
use crate::proxy::{self, Limits};
use crate::watch::Watched;
use crate::Paths;

/// The settings a running proxy uses now, with what follows from them.
#[derive(Debug)]
pub struct LiveSettings {
    pub settings: Settings,
    pub limits: Limits,
    pub policy: HealthPolicy,
    /// `lb.max_concurrent_wait_ms`: how long a request waits for a slot
    /// when every upstream is at its cap.
    pub max_concurrent_wait: Duration,
    /// The client for upstreams (its connect timeout is `limits`').
    pub http: proxy::client::UpstreamClient,
    /// The shipped prices with `settings.prices` on top, built once per edit.
    pub prices: crate::cost::SharedPrices,
}

impl LiveSettings {
    fn new(settings: Settings, http: proxy::client::UpstreamClient) -> LiveSettings {
        let limits = Limits::from(&settings.proxy);
        let max_concurrent_wait = Duration::from_millis(settings.lb.max_concurrent_wait_ms);
        let prices = std::sync::Arc::new(crate::cost::PriceTable::with_overrides(&settings.prices));
        LiveSettings { policy: policy_of(&settings), limits, http, max_concurrent_wait, prices, settings }
    }
}

/// The load balancers' policy from `settings.lb`.
pub fn policy_of(settings: &Settings) -> HealthPolicy {
    HealthPolicy {
        failure_threshold: settings.lb.failure_threshold,
        base_cooldown: Duration::from_millis(settings.lb.cooldown_ms),
        max_cooldown: Duration::from_millis(settings.lb.max_cooldown_ms),
    }
}

/// Watch `settings.json` starting from `settings` (already loaded, or
/// given by the caller). Fails only if the HTTP client can't be built.
pub fn watch(paths: &Paths, settings: Settings) -> Result<Watched<LiveSettings>, proxy::client::BuildError> {
    let limits = Limits::from(&settings.proxy);
    let http = proxy::http_client(&limits)?;
    let client = Mutex::new((limits.connect_timeout, http.clone()));
    let initial = LiveSettings::new(settings, http);
    let home = paths.clone();
    let load = move |path: &Path| -> Result<LiveSettings, ConfigError> {
        if std::fs::read(path).is_ok_and(|b| b.iter().all(u8::is_ascii_whitespace)) {
            // At start an empty file means defaults; under a running proxy it
            // is an editor caught between truncate and write (as for
            // config.json), not a wish to reset every setting.
            return Err(ConfigError::invalid(path, "", crate::t_both!("err-settings-empty"), ""));
        }
        let settings = Settings::load(&home)?;
        let limits = Limits::from(&settings.proxy);
        let mut cached = client.lock().unwrap_or_else(|e| e.into_inner());
        if cached.0 != limits.connect_timeout {
            match proxy::http_client(&limits) {
                Ok(http) => *cached = (limits.connect_timeout, http),
                Err(err) => tracing::warn!(path = %path.display(), "{err}; keeping the previous connect timeout"),
            }
        }
        Ok(LiveSettings::new(settings, cached.1.clone()))
    };
    Ok(Watched::with_value(paths.settings_file(), "settings", initial, load))
}

/// A reader of the live load-balancer policy, for [`crate::lb::LoadBalancer`].
pub fn policy_source(settings: &Arc<Watched<LiveSettings>>) -> impl Fn() -> HealthPolicy + Send + Sync + 'static {
    let settings = settings.clone();
    move || settings.load().policy
}
