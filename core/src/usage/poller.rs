//! The provider poller: every `poll_interval_secs`, ask each provider about
//! the upstreams of both services' active configs whose host matches its
//! domains, and hand the answers to the [`QuotaTracker`] (which marks the
//! exhausted ones in the load balancer).
//!
//! Each upstream gets its own answer: the keys of a pool are asked one by
//! one (`openai_billing` answers per key). One GET per (URL, token) per
//! interval, however many upstreams share them. Lookups run in their own
//! tasks with a timeout (`timeout_secs`, 10 s), so a slow provider delays
//! nothing but itself, and never a request. A failed lookup means
//! "unknown": the upstream is not blocked on a guess.
//!
//! The loop also writes `usage_state.json` when the board changed (at most
//! every [`SAVE_EVERY`] for passive header quota, which changes with every
//! answer), for `ch usage` and `ch status` in other processes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::kinds::{self, Ask};
use super::providers::{Provider, NEW_API_USER};
use super::tracker::{blank, finish, QuotaTracker};
use super::window::Thresholds;
use super::QuotaState;
use crate::config::ConfigFile;
use crate::lb::UpstreamId;
use crate::live::{LiveConfig, Snapshot};
use crate::watch::Watched;
use crate::{Paths, Service};

/// How often the loop wakes to look for due providers and edits of the
/// file (which the runtime's file watcher has already read).
const TICK: Duration = Duration::from_millis(250);
/// Header quota changes are written at most this often.
const SAVE_EVERY: Duration = Duration::from_secs(2);

/// The client for quota lookups (rustls, our user agent). Each lookup sets
/// its own timeout ([`Provider::timeout`]).
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("codex-helper/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// One upstream a provider is asked about.
#[derive(Clone, Debug)]
pub struct Target {
    pub service: Service,
    pub id: UpstreamId,
    pub key_label: String,
    pub token: Result<String, String>,
}

/// The poller of one runtime; [`Poller::run`] is its task.
pub struct Poller {
    providers: Arc<Watched<Vec<Provider>>>,
    state_path: PathBuf,
    config: Arc<LiveConfig>,
    http: reqwest::Client,
    tracker: QuotaTracker,
}

type Answers = (String, Vec<QuotaState>);

impl Poller {
    /// `providers` is the watched `usage_providers.json`
    /// ([`super::providers::watch`]).
    pub fn new(
        paths: &Paths,
        providers: Arc<Watched<Vec<Provider>>>,
        config: Arc<LiveConfig>,
        http: reqwest::Client,
        tracker: QuotaTracker,
    ) -> Poller {
        Poller { providers, state_path: super::state_file(paths), config, http, tracker }
    }

    /// Poll until `shutdown` resolves.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut providers: Arc<Vec<Provider>> = Arc::default();
        let mut seen: Option<u64> = None;
        let mut next_due: HashMap<String, Instant> = HashMap::new();
        let mut in_flight: HashSet<String> = HashSet::new();
        let mut last_error: HashMap<String, Option<String>> = HashMap::new();
        let mut lookups: JoinSet<Answers> = JoinSet::new();
        let mut saved: (u64, Instant) = (self.tracker.board().version(), Instant::now());
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                Some(done) = lookups.join_next(), if !lookups.is_empty() => {
                    let Ok((id, results)) = done else { continue };
                    in_flight.remove(&id);
                    if providers.iter().all(|p| p.id != id) {
                        continue; // removed from the file while asking
                    }
                    self.log_errors(&id, &results, &mut last_error);
                    let had_targets = !results.is_empty();
                    let changed = self.tracker.apply_provider(&id, results);
                    if had_targets || changed {
                        self.save(&mut saved).await;
                    }
                }
                _ = tick.tick() => {
                    let version = self.providers.version();
                    if seen != Some(version) {
                        let first = seen.is_none();
                        seen = Some(version);
                        if let Some(new) = self.reload(&providers, first) {
                            providers = new;
                            next_due.clear(); // edits take effect at once
                            let ids: HashSet<String> = providers.iter().map(|p| p.id.clone()).collect();
                            self.tracker.retain_providers(|id| ids.contains(id));
                        }
                        self.save(&mut saved).await;
                    }
                    let now = Instant::now();
                    for p in providers.iter().filter(|p| p.is_supported()) {
                        if in_flight.contains(&p.id) || next_due.get(&p.id).is_some_and(|due| *due > now) {
                            continue;
                        }
                        next_due.insert(p.id.clone(), now + p.poll_interval());
                        in_flight.insert(p.id.clone());
                        let targets = targets(&self.config.snapshot(), p);
                        let (http, p) = (self.http.clone(), p.clone());
                        lookups.spawn(async move {
                            let states = lookup_all(&http, &p, targets).await;
                            (p.id, states)
                        });
                    }
                    // Header quota moved since the last write.
                    if self.tracker.board().version() != saved.0 && saved.1.elapsed() >= SAVE_EVERY {
                        self.save(&mut saved).await;
                    }
                }
            }
        }
    }

    /// The file changed (the watcher read it): `Some(providers)` to use,
    /// `None` to keep `current` (the edit is broken; the watcher said so).
    fn reload(&self, current: &Arc<Vec<Provider>>, first: bool) -> Option<Arc<Vec<Provider>>> {
        self.tracker.board().set_problem(self.providers.problem().map(|p| p.to_string()));
        let new = self.providers.get();
        (first || !Arc::ptr_eq(&new, current)).then_some(new)
    }

    /// Say a provider's error once, not every interval.
    fn log_errors(&self, provider: &str, results: &[QuotaState], last: &mut HashMap<String, Option<String>>) {
        let error = results.iter().find_map(|s| s.error.clone());
        if last.get(provider) != Some(&error) {
            if let Some(error) = &error {
                tracing::warn!(provider, "quota lookup failed: {error} (the upstream is treated as not exhausted)");
            }
            last.insert(provider.to_string(), error);
        }
    }

    async fn save(&self, saved: &mut (u64, Instant)) {
        let path = self.state_path.clone();
        let board = self.tracker.board().clone();
        *saved = (board.version(), Instant::now());
        let written = tokio::task::spawn_blocking(move || super::write_state(&path, &board)).await;
        if let Ok(Err(err)) = written {
            tracing::debug!("cannot write {}: {err}", self.state_path.display());
        }
    }
}

/// Ask `provider` now about the upstreams of `file`'s active configs it
/// covers, levels decided under their configs' thresholds: the window's
/// "Check now" (nothing is marked or stored).
pub async fn check_now(http: &reqwest::Client, provider: &Provider, file: ConfigFile) -> Vec<QuotaState> {
    let snapshot = Snapshot::new(file);
    let mut states = lookup_all(http, provider, targets(&snapshot, provider)).await;
    let now_ms = crate::logs::now_ms();
    for s in &mut states {
        let named = snapshot.file.service(s.service).configs.get(&s.config);
        let t = named
            .map_or_else(Thresholds::default, |n| Thresholds::of(n.quota_threshold_percent, n.quota_warning_percent));
        finish(s, t, now_ms);
    }
    states
}

/// The upstreams of both services' active configs that `provider` covers,
/// with the token to ask with.
pub fn targets(snapshot: &Snapshot, provider: &Provider) -> Vec<Target> {
    let from_env = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().to_string())
            .ok_or_else(|| format!("environment variable {name} (token_env) is not set"))
    };
    let env_token = provider.token_env.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(from_env);
    // new-api's user endpoint takes the account's access token, never an API key.
    let provider_token = (provider.kind == NEW_API_USER).then(|| {
        env_token.clone().unwrap_or_else(|| {
            provider
                .access_token
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .ok_or_else(|| "no access_token (or token_env) to ask new-api with".to_string())
        })
    });
    let mut out = Vec::new();
    for service in Service::ALL {
        let Some(active) = snapshot.active(service) else { continue };
        let named = snapshot.file.service(service).configs.get(&*active.name);
        for (i, id) in active.ids.iter().enumerate() {
            if !provider.matches(&id.base_url) {
                continue;
            }
            let upstream = named.and_then(|n| n.upstreams.get(i));
            let token = provider_token.clone().or_else(|| env_token.clone()).unwrap_or_else(|| {
                upstream
                    .and_then(|u| u.key())
                    .map(|k| k.trim().to_string())
                    .ok_or_else(|| "the upstream has no auth_token to ask the provider with; set token_env".to_string())
            });
            let key_label = upstream.map(|u| u.key_label()).unwrap_or_default();
            out.push(Target { service, id: id.clone(), key_label, token });
        }
    }
    out
}

/// Ask once per distinct (URL, token), then answer for every target.
pub async fn lookup_all(http: &reqwest::Client, provider: &Provider, targets: Vec<Target>) -> Vec<QuotaState> {
    let mut answers: BTreeMap<(String, String), Result<Vec<super::QuotaWindow>, String>> = BTreeMap::new();
    let now_ms = crate::logs::now_ms();
    for t in &targets {
        let Ok(token) = &t.token else { continue };
        let key = (kinds::endpoint_for(provider, &t.id.base_url), token.clone());
        if let std::collections::btree_map::Entry::Vacant(slot) = answers.entry(key) {
            let ask = Ask { base_url: &t.id.base_url, token, now_ms };
            slot.insert(kinds::ask(http, provider, &ask).await);
        }
    }
    let checked_at_ms = crate::logs::now_ms();
    targets
        .into_iter()
        .map(|t| {
            let answer = match &t.token {
                Ok(token) => answers[&(kinds::endpoint_for(provider, &t.id.base_url), token.clone())].clone(),
                Err(e) => Err(e.clone()),
            };
            let mut state = blank(&provider.id, &provider.kind, t.service, &t.id, Some(t.key_label), checked_at_ms);
            match answer {
                Ok(windows) => state.windows = windows,
                Err(e) => state.error = Some(crate::redact::scrub_owned(e)),
            }
            state
        })
        .collect()
}

/// Spent reached the budget. A budget of 0 (or less) means the relay sets
/// no monthly limit, so nothing to exhaust.
pub fn is_exhausted(budget: f64, spent: f64) -> bool {
    budget > 0.0 && spent >= budget
}

/// `monthly_budget_usd` and `monthly_spent_usd`, wherever they are nested
/// (the first of each, depth first); numbers or numeric strings.
pub fn budget_of(json: &Value) -> Option<(f64, f64)> {
    Some((find_number(json, "monthly_budget_usd")?, find_number(json, "monthly_spent_usd")?))
}

fn find_number(v: &Value, key: &str) -> Option<f64> {
    match v {
        Value::Object(map) => {
            if let Some(n) = map.get(key).and_then(as_number) {
                return Some(n);
            }
            map.values().find_map(|v| find_number(v, key))
        }
        Value::Array(items) => items.iter().find_map(|v| find_number(v, key)),
        _ => None,
    }
}

use kinds::as_number;

#[cfg(test)]
mod tests {
    use super::super::providers::ProvidersFile;
    use super::*;
    use serde_json::json;

    #[test]
    fn budget_is_found_wherever_it_nests() {
        assert_eq!(budget_of(&json!({"monthly_budget_usd": 10, "monthly_spent_usd": 2.5})), Some((10.0, 2.5)));
        let nested = json!({"code": 0, "data": {"user": [{"x": 1}, {"monthly_budget_usd": "20.00", "monthly_spent_usd": "$21"}]}});
        assert_eq!(budget_of(&nested), Some((20.0, 21.0)));
        assert_eq!(budget_of(&json!({"data": {"monthly_budget_usd": 1}})), None);
        assert_eq!(budget_of(&json!({"monthly_budget_usd": "lots", "monthly_spent_usd": 1})), None);
    }

    #[test]
    fn exhaustion_and_remaining() {
        assert!(is_exhausted(10.0, 12.0));
        assert!(is_exhausted(10.0, 10.0));
        assert!(!is_exhausted(10.0, 9.99));
        assert!(!is_exhausted(0.0, 5.0), "no budget set means no limit");
        let id = UpstreamId::new("m", "https://a");
        let mut s = blank("p", "budget_http_json", Service::Codex, &id, None, 7);
        s.windows = vec![super::super::QuotaWindow::used_of("monthly", "usd", Some(2.5), Some(10.0))];
        finish(&mut s, Thresholds::default(), 7);
        assert_eq!((s.exhausted, s.remaining_pct, s.checked_at_ms), (Some(false), Some(75.0), 7));
        assert_eq!((s.budget_usd, s.spent_usd), (Some(10.0), Some(2.5)));
        let mut s = blank("p", "budget_http_json", Service::Codex, &id, None, 7);
        s.error = Some("HTTP 500".into());
        finish(&mut s, Thresholds::default(), 7);
        assert_eq!((s.exhausted, s.budget_usd, s.error.as_deref()), (None, None, Some("HTTP 500")));
        assert_eq!(s.state, super::super::QuotaLevel::Unknown);
    }

    #[test]
    fn targets_follow_the_active_configs_and_their_keys() {
        let file: crate::config::ConfigFile = serde_json::from_value(json!({
            "codex": {"active": "m", "configs": {"m": {"name": "m", "upstreams": [
                {"base_url": "https://codex.packycode.com/v1", "auth": {"auth_token": "tok-a"}},
                {"base_url": "https://other.example/v1", "auth": {"auth_token": "tok-b"}},
                {"base_url": "https://x.packycode.com/v1", "auth": {}}]}}},
            "claude": {"active": "c", "configs": {"c": {"name": "c", "upstreams": [
                {"base_url": "https://packycode.com", "auth": {"api_key": "key-c"}}]}}}
        }))
        .unwrap();
        let snap = Snapshot::new(file);
        let provider = ProvidersFile::default_file().providers.remove(0);
        let got = targets(&snap, &provider);
        let shown: Vec<(Service, &str, Result<&str, bool>)> = got
            .iter()
            .map(|t| (t.service, &*t.id.base_url, t.token.as_deref().map_err(|e| e.contains("no auth_token"))))
            .collect();
        assert_eq!(
            shown,
            vec![
                (Service::Codex, "https://codex.packycode.com/v1", Ok("tok-a")),
                (Service::Codex, "https://x.packycode.com/v1", Err(true)),
                (Service::Claude, "https://packycode.com", Ok("key-c")),
            ]
        );
    }
}
