//! The `budget_http_json` poller: every `poll_interval_secs`, ask each
//! provider about the upstreams of both services' active configs whose host
//! matches its domains, and mark the exhausted ones in the load balancer.
//!
//! One GET per (provider, token) per interval, however many upstreams share
//! that token. Lookups run in their own tasks with a 10 s timeout, so a slow
//! provider delays nothing but itself, and never a request. A failed lookup
//! means "unknown": the upstream is not blocked on a guess.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::header::ACCEPT;
use serde_json::Value;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::providers::Provider;
use super::{QuotaBoard, QuotaState};
use crate::lb::{LoadBalancer, UpstreamId};
use crate::live::{LiveConfig, Snapshot};
use crate::watch::Watched;
use crate::{Paths, Service};

/// How often the loop wakes to look for due providers and edits of the
/// file (which the runtime's file watcher has already read).
const TICK: Duration = Duration::from_millis(250);
/// A provider that has not answered by then is "unknown" this round.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Quota answers are small; anything bigger is not one.
const MAX_BODY: usize = 1 << 20;

/// The client for quota lookups (rustls, our user agent, a total timeout).
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(LOOKUP_TIMEOUT)
        .user_agent(concat!("codex-helper/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// One upstream a provider is asked about.
#[derive(Clone, Debug)]
struct Target {
    service: Service,
    id: UpstreamId,
    token: Result<String, String>,
    /// The upstream's own key, masked, to tell its state from another key's
    /// at the same URL (the token asked with may be `token_env`'s).
    key: Option<String>,
}

/// The poller of one runtime; [`Poller::run`] is its task.
pub struct Poller {
    providers: Arc<Watched<Vec<Provider>>>,
    state_path: PathBuf,
    config: Arc<LiveConfig>,
    lbs: Vec<LoadBalancer>,
    http: reqwest::Client,
    board: QuotaBoard,
}

impl Poller {
    /// `providers` is the watched `usage_providers.json`
    /// ([`super::providers::watch`]).
    pub fn new(
        paths: &Paths,
        providers: Arc<Watched<Vec<Provider>>>,
        config: Arc<LiveConfig>,
        lbs: Vec<LoadBalancer>,
        http: reqwest::Client,
        board: QuotaBoard,
    ) -> Poller {
        Poller { providers, state_path: super::state_file(paths), config, lbs, http, board }
    }

    /// Poll until `shutdown` resolves.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut providers: Arc<Vec<Provider>> = Arc::default();
        let mut seen: Option<u64> = None;
        let mut next_due: HashMap<String, Instant> = HashMap::new();
        let mut in_flight: HashSet<String> = HashSet::new();
        let mut marked: HashMap<String, HashSet<(Service, UpstreamId)>> = HashMap::new();
        let mut last_error: HashMap<String, Option<String>> = HashMap::new();
        let mut lookups: JoinSet<(String, Vec<(Target, QuotaState)>)> = JoinSet::new();
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
                    let changed = self.apply(&id, results, &mut marked);
                    if had_targets || changed {
                        self.save().await;
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
                            let gone: Vec<String> = marked.keys().filter(|k| !ids.contains(*k)).cloned().collect();
                            for id in gone {
                                self.apply(&id, Vec::new(), &mut marked);
                            }
                            self.board.retain(|id| ids.contains(id));
                        }
                        self.save().await;
                    }
                    let now = Instant::now();
                    for p in providers.iter().filter(|p| p.is_supported()) {
                        if in_flight.contains(&p.id) || next_due.get(&p.id).is_some_and(|due| *due > now) {
                            continue;
                        }
                        next_due.insert(p.id.clone(), now + p.poll_interval());
                        in_flight.insert(p.id.clone());
                        let targets = targets(&self.config.snapshot(), p);
                        lookups.spawn(lookup_all(self.http.clone(), p.clone(), targets));
                    }
                }
            }
        }
    }

    /// The file changed (the watcher read it): `Some(providers)` to use,
    /// `None` to keep `current` (the edit is broken; the watcher said so).
    fn reload(&self, current: &Arc<Vec<Provider>>, first: bool) -> Option<Arc<Vec<Provider>>> {
        self.board.set_problem(self.providers.problem().map(|p| p.to_string()));
        let new = self.providers.get();
        (first || !Arc::ptr_eq(&new, current)).then_some(new)
    }

    /// Record `provider`'s answers and (un)mark upstreams in the LBs.
    fn apply(
        &self,
        provider: &str,
        results: Vec<(Target, QuotaState)>,
        marked: &mut HashMap<String, HashSet<(Service, UpstreamId)>>,
    ) -> bool {
        let now: HashSet<(Service, UpstreamId)> =
            results.iter().filter(|(_, s)| s.exhausted == Some(true)).map(|(t, _)| (t.service, t.id.clone())).collect();
        let before = marked.remove(provider).unwrap_or_default();
        let others: HashSet<&(Service, UpstreamId)> = marked.values().flatten().collect();
        for key in before.difference(&now) {
            if !others.contains(key) {
                tracing::info!(service = %key.0, upstream = %key.1.base_url, provider, "quota available again");
                self.lb(key.0).set_exhausted(&key.1, false);
            }
        }
        for key in now.difference(&before) {
            tracing::warn!(service = %key.0, upstream = %key.1.base_url, provider, "quota exhausted; preferring other upstreams");
            self.lb(key.0).set_exhausted(&key.1, true);
        }
        marked.insert(provider.to_string(), now);
        self.board.replace(provider, results.into_iter().map(|(_, s)| s).collect())
    }

    fn lb(&self, service: Service) -> &LoadBalancer {
        self.lbs.iter().find(|lb| lb.service() == service).expect("one load balancer per service")
    }

    /// Say a provider's error once, not every interval.
    fn log_errors(&self, provider: &str, results: &[(Target, QuotaState)], last: &mut HashMap<String, Option<String>>) {
        let error = results.iter().find_map(|(_, s)| s.error.clone());
        if last.get(provider) != Some(&error) {
            if let Some(error) = &error {
                tracing::warn!(provider, "quota lookup failed: {error} (the upstream is treated as not exhausted)");
            }
            last.insert(provider.to_string(), error);
        }
    }

    async fn save(&self) {
        let path = self.state_path.clone();
        let board = self.board.clone();
        let written = tokio::task::spawn_blocking(move || super::write_state(&path, &board)).await;
        if let Ok(Err(err)) = written {
            tracing::debug!("cannot write {}: {err}", self.state_path.display());
        }
    }
}

/// The upstreams of both services' active configs that `provider` covers,
/// with the token to ask with.
fn targets(snapshot: &Snapshot, provider: &Provider) -> Vec<Target> {
    let env_token = provider.token_env.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().to_string())
            .ok_or_else(|| format!("environment variable {name} (token_env) is not set"))
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
            let key = upstream.and_then(|u| u.key()).map(crate::redact::mask_secret);
            let token = env_token.clone().unwrap_or_else(|| {
                upstream
                    .and_then(|u| u.key())
                    .map(|k| k.trim().to_string())
                    .ok_or_else(|| "the upstream has no auth_token to ask the provider with; set token_env".to_string())
            });
            out.push(Target { service, id: id.clone(), token, key });
        }
    }
    out
}

/// Ask once per distinct token, then answer for every target.
async fn lookup_all(
    http: reqwest::Client,
    provider: Provider,
    targets: Vec<Target>,
) -> (String, Vec<(Target, QuotaState)>) {
    let mut answers: BTreeMap<String, Result<(f64, f64), String>> = BTreeMap::new();
    for token in targets.iter().filter_map(|t| t.token.as_ref().ok()) {
        if !answers.contains_key(token) {
            let answer = lookup(&http, &provider.endpoint, token).await;
            answers.insert(token.clone(), answer);
        }
    }
    let checked_at_ms = crate::logs::now_ms();
    let results = targets
        .into_iter()
        .map(|t| {
            let answer = match &t.token {
                Ok(token) => answers[token].clone(),
                Err(e) => Err(e.clone()),
            };
            let state = state_of(&provider.id, &t, answer, checked_at_ms);
            (t, state)
        })
        .collect();
    (provider.id, results)
}

fn state_of(provider: &str, t: &Target, answer: Result<(f64, f64), String>, checked_at_ms: u64) -> QuotaState {
    let (budget, spent, error) = match answer {
        Ok((budget, spent)) => (Some(budget), Some(spent), None),
        Err(e) => (None, None, Some(e)),
    };
    QuotaState {
        provider_id: provider.to_string(),
        service: t.service,
        config: t.id.config.to_string(),
        base_url: t.id.base_url.to_string(),
        budget_usd: budget,
        spent_usd: spent,
        remaining_pct: budget
            .zip(spent)
            .filter(|(b, _)| *b > 0.0)
            .map(|(b, s)| ((b - s) / b * 100.0).clamp(0.0, 100.0)),
        exhausted: budget.zip(spent).map(|(b, s)| is_exhausted(b, s)),
        checked_at_ms,
        error,
        key: t.key.clone(),
    }
}

/// Spent reached the budget. A budget of 0 (or less) means the relay sets
/// no monthly limit, so nothing to exhaust.
pub fn is_exhausted(budget: f64, spent: f64) -> bool {
    budget > 0.0 && spent >= budget
}

/// GET the endpoint; `(budget, spent)` or why we can't tell.
async fn lookup(http: &reqwest::Client, endpoint: &str, token: &str) -> Result<(f64, f64), String> {
    let response = http
        .get(endpoint)
        .bearer_auth(token)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("{endpoint}: {}", error_chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{endpoint}: HTTP {}", status.as_u16()));
    }
    let body = response.bytes().await.map_err(|e| format!("{endpoint}: {}", error_chain(&e)))?;
    if body.len() > MAX_BODY {
        return Err(format!("{endpoint}: the answer is too large to be a quota ({} bytes)", body.len()));
    }
    let json: Value = serde_json::from_slice(&body).map_err(|e| format!("{endpoint}: the answer is not JSON ({e})"))?;
    budget_of(&json).ok_or_else(|| format!("{endpoint}: the answer has no monthly_budget_usd / monthly_spent_usd"))
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
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

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_start_matches('$').parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

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
        let t =
            Target { service: Service::Codex, id: UpstreamId::new("m", "https://a"), token: Ok("t".into()), key: None };
        let s = state_of("p", &t, Ok((10.0, 2.5)), 7);
        assert_eq!((s.exhausted, s.remaining_pct, s.checked_at_ms), (Some(false), Some(75.0), 7));
        let s = state_of("p", &t, Err("HTTP 500".into()), 7);
        assert_eq!((s.exhausted, s.budget_usd, s.error.as_deref()), (None, None, Some("HTTP 500")));
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
        // Each state names its upstream's own key (masked), not the URL's.
        let keys: Vec<Option<&str>> = got.iter().map(|t| t.key.as_deref()).collect();
        assert_eq!(keys, [Some("****"), None, Some("****")]);
    }
}
