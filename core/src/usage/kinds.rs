//! How each provider kind is asked, and how its answer becomes windows.
//!
//! Every failure is a `String` naming the URL and what was wrong (HTTP
//! status, HTML instead of JSON, a missing field, a timeout): the caller
//! records it as an "unknown" state, never as "exhausted".
//!
//! Answer shapes (facts from the relays' own code):
//! - `openai_billing` (one-api / new-api `GetSubscription` / `GetUsage`):
//!   `{"object":"billing_subscription","hard_limit_usd":N,…}` and
//!   `{"object":"list","total_usage":C}` with `C` in cents; a lookup error
//!   comes as HTTP 200 `{"error":{"message":…}}`; an unlimited token
//!   reports a hard limit of 100000000.
//! - `new_api_user` (`GET /api/user/self`, `Authorization: Bearer <access
//!   token>` + `New-Api-User: <id>`): `{"success":true,"data":{"quota":Q,
//!   "used_quota":U,…}}`, `Q` what is left, both in quota units
//!   (`QuotaPerUnit`, 500000 per dollar by default).

use std::time::Duration;

use http::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;

use super::headers::{parse_rfc3339_ms, unix_ms};
use super::providers::{
    FieldWindow, Provider, BUDGET_HTTP_JSON, JSON_FIELDS, NEW_API_QUOTA_PER_UNIT, NEW_API_USER, OPENAI_BILLING,
};
use super::window::QuotaWindow;

/// Quota answers are small; anything bigger is not one.
const MAX_BODY: usize = 1 << 20;
/// one-api / new-api report an unlimited token with this hard limit.
const UNLIMITED_USD: f64 = 100_000_000.0;

/// What to ask with: the credential and the upstream it is for.
pub struct Ask<'a> {
    pub base_url: &'a str,
    pub token: &'a str,
    pub now_ms: u64,
}

/// Ask `provider` about one upstream.
pub async fn ask(http: &reqwest::Client, provider: &Provider, ask: &Ask<'_>) -> Result<Vec<QuotaWindow>, String> {
    let timeout = provider.timeout();
    match provider.kind.as_str() {
        BUDGET_HTTP_JSON => {
            let json = get_json(http, &provider.endpoint, ask.token, &[], timeout).await?;
            let (budget, spent) = super::poller::budget_of(&json).ok_or_else(|| {
                format!("{}: the answer has no monthly_budget_usd / monthly_spent_usd", provider.endpoint)
            })?;
            let limit = (budget > 0.0).then_some(budget);
            Ok(vec![QuotaWindow::used_of("monthly", "usd", Some(spent), limit)])
        }
        OPENAI_BILLING => openai_billing(http, provider, ask, timeout).await,
        NEW_API_USER => new_api_user(http, provider, ask, timeout).await,
        JSON_FIELDS => {
            let json = get_json(http, &provider.endpoint, ask.token, &[], timeout).await?;
            provider.windows.iter().map(|w| field_window(&json, w, &provider.endpoint, ask.now_ms)).collect()
        }
        other => Err(format!("kind `{other}` is not known to this version")),
    }
}

/// Which URL a provider asks for an upstream (what answers are shared by).
pub fn endpoint_for(provider: &Provider, base_url: &str) -> String {
    let given = provider.endpoint.trim();
    match provider.kind.as_str() {
        OPENAI_BILLING => {
            let base = if given.is_empty() { base_url.trim() } else { given }.trim_end_matches('/');
            format!("{}/v1/dashboard/billing", base.strip_suffix("/v1").unwrap_or(base))
        }
        NEW_API_USER if given.is_empty() => match url::Url::parse(base_url.trim()) {
            Ok(u) => format!("{}/api/user/self", u.origin().ascii_serialization()),
            Err(_) => base_url.to_string(),
        },
        _ => given.to_string(),
    }
}

async fn openai_billing(
    http: &reqwest::Client,
    provider: &Provider,
    ask: &Ask<'_>,
    timeout: Duration,
) -> Result<Vec<QuotaWindow>, String> {
    let root = endpoint_for(provider, ask.base_url);
    let sub_url = format!("{root}/subscription");
    let sub = get_json(http, &sub_url, ask.token, &[], timeout).await?;
    relay_error(&sub_url, &sub)?;
    let limit = ["hard_limit_usd", "system_hard_limit_usd", "soft_limit_usd"]
        .iter()
        .find_map(|k| sub.get(*k).and_then(as_number))
        .ok_or_else(|| format!("{sub_url}: the answer has no hard_limit_usd"))?;
    // OpenAI's own endpoint wants a date range; one-api / new-api ignore it.
    let today = chrono::Utc::now().date_naive();
    let start = today - chrono::Days::new(99);
    let end = today + chrono::Days::new(1);
    let usage_url = format!("{root}/usage?start_date={start}&end_date={end}");
    let usage = get_json(http, &usage_url, ask.token, &[], timeout).await?;
    relay_error(&usage_url, &usage)?;
    let cents = usage
        .get("total_usage")
        .and_then(as_number)
        .ok_or_else(|| format!("{root}/usage: the answer has no total_usage"))?;
    let limit = (limit > 0.0 && limit < UNLIMITED_USD).then_some(limit);
    Ok(vec![QuotaWindow::used_of("total", "usd", Some(cents / 100.0), limit)])
}

async fn new_api_user(
    http: &reqwest::Client,
    provider: &Provider,
    ask: &Ask<'_>,
    timeout: Duration,
) -> Result<Vec<QuotaWindow>, String> {
    let url = endpoint_for(provider, ask.base_url);
    let user = provider.user_id.map(|id| id.to_string()).unwrap_or_default();
    let json = get_json(http, &url, ask.token, &[("New-Api-User", &user)], timeout).await?;
    if json.get("success").and_then(Value::as_bool) == Some(false) {
        let message = json.get("message").and_then(Value::as_str).unwrap_or("no message");
        return Err(format!("{url}: the relay refused: {message}"));
    }
    let data = json.get("data").unwrap_or(&json);
    let number = |k: &str| data.get(k).and_then(as_number).ok_or_else(|| format!("{url}: the answer has no data.{k}"));
    let (left, used) = (number("quota")?, number("used_quota")?);
    let per_unit = provider.quota_per_unit.unwrap_or(NEW_API_QUOTA_PER_UNIT);
    Ok(vec![QuotaWindow::used_of("balance", "usd", Some(used / per_unit), Some((left + used) / per_unit))])
}

fn field_window(json: &Value, w: &FieldWindow, url: &str, now_ms: u64) -> Result<QuotaWindow, String> {
    let get = |path: &Option<String>| -> Result<Option<&Value>, String> {
        let Some(path) = path.as_deref().map(str::trim).filter(|p| !p.is_empty()) else { return Ok(None) };
        at_path(json, path).map(Some).ok_or_else(|| format!("{url}: the answer has no `{path}`"))
    };
    let num = |path: &Option<String>| -> Result<Option<f64>, String> {
        match get(path)? {
            None => Ok(None),
            Some(v) => as_number(v)
                .map(Some)
                .ok_or_else(|| format!("{url}: `{}` is {v}, not a number", path.as_deref().unwrap_or_default())),
        }
    };
    let name = if w.name.trim().is_empty() { "quota" } else { w.name.trim() };
    let unit = w.unit.as_deref().unwrap_or("");
    let mut window = if let Some(pct) = num(&w.used_percent)? {
        QuotaWindow::used_percent(name, pct.clamp(0.0, 100.0))
    } else {
        let (used, limit, remaining) = (num(&w.used)?, num(&w.limit)?, num(&w.remaining)?);
        let (used, limit) = match (used, limit, remaining) {
            (Some(u), l, _) if l.is_some() => (Some(u), l),
            (u, Some(l), Some(r)) => (u.or(Some(l - r)), Some(l)),
            (Some(u), None, Some(r)) => (Some(u), Some(u + r)),
            _ => return Err(format!("{url}: window `{name}` needs two of used / limit / remaining")),
        };
        QuotaWindow::used_of(name, unit, used, limit)
    };
    if !unit.is_empty() {
        window.unit = unit.into();
    }
    window.resets_at_ms = match get(&w.resets_at)? {
        Some(Value::String(s)) => Some(
            parse_rfc3339_ms(s)
                .or_else(|| s.trim().parse::<f64>().ok().map(unix_ms))
                .ok_or_else(|| format!("{url}: `{s}` is not a time (Unix seconds or RFC 3339)"))?,
        ),
        Some(v) => Some(as_number(v).map(unix_ms).ok_or_else(|| format!("{url}: reset time {v} is not a time"))?),
        None => num(&w.resets_in)?.map(|secs| now_ms + (secs.max(0.0) * 1000.0) as u64),
    };
    Ok(window)
}

/// `data.windows.0.used`: object keys and array indices, by dots.
pub fn at_path<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(json, |v, part| match v {
        Value::Object(map) => map.get(part),
        Value::Array(items) => items.get(part.parse::<usize>().ok()?),
        _ => None,
    })
}

/// one-api / new-api answer failures as HTTP 200 with an `error` object.
fn relay_error(url: &str, json: &Value) -> Result<(), String> {
    match json.get("error") {
        Some(Value::Null) | None => Ok(()),
        Some(e) => {
            let message = e.get("message").and_then(Value::as_str).map_or_else(|| e.to_string(), str::to_string);
            Err(format!("{url}: the relay answered an error: {message}"))
        }
    }
}

/// GET `url` with a bearer token; the JSON answer or why there is none.
pub async fn get_json(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    extra: &[(&str, &str)],
    timeout: Duration,
) -> Result<Value, String> {
    let mut request = http.get(url).bearer_auth(token).header(ACCEPT, "application/json").timeout(timeout);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.map_err(|e| describe(url, &e, timeout))?;
    let status = response.status();
    let html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
    if !status.is_success() {
        let hint = match status.as_u16() {
            401 | 403 => " (the key or access token was refused)",
            404 => " (no such endpoint on this relay; check the kind and endpoint)",
            _ => "",
        };
        return Err(format!("{url}: HTTP {}{hint}", status.as_u16()));
    }
    let body = response.bytes().await.map_err(|e| describe(url, &e, timeout))?;
    if body.len() > MAX_BODY {
        return Err(format!("{url}: the answer is too large to be a quota ({} bytes)", body.len()));
    }
    let looks_html = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if html || looks_html {
        return Err(format!("{url}: the answer is an HTML page, not JSON (a login or error page?)"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url}: the answer is not JSON ({e})"))
}

fn describe(url: &str, e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("{url}: no answer within {} s (timeout_secs)", timeout.as_secs_f64());
    }
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    format!("{url}: {s}")
}

/// A number, or a numeric string (`"10.00"`, `"$21"`).
pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_start_matches('$').parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_follow_the_upstream() {
        let p = Provider::new("b", OPENAI_BILLING);
        assert_eq!(endpoint_for(&p, "https://relay.example/v1/"), "https://relay.example/v1/dashboard/billing");
        assert_eq!(endpoint_for(&p, "https://relay.example"), "https://relay.example/v1/dashboard/billing");
        let given = Provider { endpoint: "https://billing.example/v1".into(), ..p };
        assert_eq!(endpoint_for(&given, "https://relay.example/v1"), "https://billing.example/v1/dashboard/billing");
        let n = Provider::new("n", NEW_API_USER);
        assert_eq!(endpoint_for(&n, "https://relay.example:8443/v1"), "https://relay.example:8443/api/user/self");
    }

    #[test]
    fn json_fields_paths_and_combinations() {
        let answer =
            json!({"data": {"w": [{"used": 3, "limit": "10", "reset": "2026-12-02T09:00:00Z"}], "left": 4, "pct": 97}});
        let w = |f: FieldWindow| field_window(&answer, &f, "u", 1000);
        let got = w(FieldWindow {
            name: "5h".into(),
            used: Some("data.w.0.used".into()),
            limit: Some("data.w.0.limit".into()),
            resets_at: Some("data.w.0.reset".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((got.used, got.limit, got.remaining_pct), (Some(3.0), Some(10.0), Some(70.0)));
        assert_eq!(got.resets_at_ms, parse_rfc3339_ms("2026-12-02T09:00:00Z"));
        let got = w(FieldWindow {
            remaining: Some("data.left".into()),
            limit: Some("data.w.0.limit".into()),
            resets_in: Some("data.left".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((got.used, got.resets_at_ms), (Some(6.0), Some(5000)));
        assert_eq!(
            w(FieldWindow { used_percent: Some("data.pct".into()), ..Default::default() }).unwrap().remaining_pct,
            Some(3.0)
        );
        let missing =
            w(FieldWindow { used: Some("data.nope".into()), limit: Some("data.left".into()), ..Default::default() });
        assert_eq!(missing.unwrap_err(), "u: the answer has no `data.nope`");
        let not_number =
            w(FieldWindow { used: Some("data.w".into()), limit: Some("data.left".into()), ..Default::default() });
        assert!(not_number.unwrap_err().contains("not a number"));
    }
}
