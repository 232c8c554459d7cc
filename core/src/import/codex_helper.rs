//! The original codex-helper's `~/.codex-helper/config.toml` (read only):
//!
//! - `version = 2`: per service `providers.<id>` (`auth`, `endpoints.<name>.base_url`
//!   with `priority`) and `stations` (alias `groups`) whose `members` name
//!   providers (and optionally their endpoints); one config per station,
//!   `active_station` becomes active. Without stations, one per provider.
//! - `version = 3`: `providers.<id>` (`base_url` or `endpoints`) and
//!   `routing.order`: one config per provider plus `routing` (the order).
//! - `version = 4`/`5`: as 3, the order from `routing.entry`'s route,
//!   `routing.routes.<name>.children` (providers or further routes) flattened.
//!
//! Keys: `auth_token`/`api_key`, inline or under `auth`, or named by
//! `auth_token_env`/`api_key_env` (read from the environment now; unset is
//! reported). Disabled providers and endpoints are reported, not imported.

use std::path::Path;

use toml_edit::{DocumentMut, Item, TableLike};

use super::{planned, ImportError, Plan, PlannedConfig, Skipped};
use crate::config::{Upstream, UpstreamAuth};
use crate::service::Service;

/// Reads `path` and plans one config per station / provider / route.
pub fn plan(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Plan, ImportError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImportError::NotFound { path: path.to_path_buf() })
        }
        Err(e) => return Err(ImportError::Format { path: path.to_path_buf(), message: e.to_string() }),
    };
    let fmt_err = |message: String| ImportError::Format { path: path.to_path_buf(), message };
    let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| fmt_err(e.to_string()))?;
    let version = doc.get("version").and_then(Item::as_integer).unwrap_or(2);
    if !(2..=5).contains(&version) {
        return Err(fmt_err(format!(
            "version = {version}: only versions 2 to 5 of the original codex-helper are known"
        )));
    }
    let mut out = Plan {
        source: path.to_path_buf(),
        format: format!("toml v{version}"),
        configs: Vec::new(),
        skipped: Vec::new(),
    };
    for service in Service::ALL {
        let Some(view) = doc.get(service.as_str()).and_then(Item::as_table_like) else { continue };
        let mut reader = Reader { service, env, skipped: &mut out.skipped };
        let providers: Vec<(String, Vec<Upstream>)> = view
            .get("providers")
            .and_then(Item::as_table_like)
            .map(|t| {
                t.iter().filter_map(|(id, p)| Some((id.to_string(), reader.provider(id, p.as_table_like()?)))).collect()
            })
            .unwrap_or_default();
        let find = |id: &str| providers.iter().find(|(p, _)| p == id).map(|(_, u)| u.clone());
        if version == 2 {
            let stations = view.get("stations").or_else(|| view.get("groups")).and_then(Item::as_table_like);
            let active = view.get("active_station").or_else(|| view.get("active_group")).and_then(Item::as_str);
            match stations {
                Some(stations) if !stations.is_empty() => {
                    for (name, station) in stations.iter() {
                        let mut ups = Vec::new();
                        let members = station.get("members").and_then(Item::as_array_of_tables);
                        let inline = station.get("members").and_then(Item::as_value).and_then(|v| v.as_array());
                        let mut add = |m: &dyn TableLike| {
                            let Some(id) = m.get("provider").and_then(Item::as_str) else { return };
                            match find(id) {
                                Some(u) => ups.extend(u),
                                None => reader
                                    .skip(id, &format!("station `{name}` names provider `{id}`, which is not defined")),
                            }
                        };
                        for m in members.into_iter().flat_map(|a| a.iter()) {
                            add(m);
                        }
                        for m in inline.into_iter().flat_map(|a| a.iter()).filter_map(|v| v.as_inline_table()) {
                            add(m);
                        }
                        push(&mut out.configs, &mut reader, name, active == Some(name), ups);
                    }
                }
                _ => {
                    for (id, ups) in &providers {
                        push(&mut out.configs, &mut reader, id, false, ups.clone());
                    }
                }
            }
            continue;
        }
        for (id, ups) in &providers {
            push(&mut out.configs, &mut reader, id, false, ups.clone());
        }
        let routing = view.get("routing").and_then(Item::as_table_like);
        let (name, order) = match (version, routing) {
            (3, Some(r)) => ("routing".to_string(), strings(r.get("order"))),
            (_, Some(r)) => {
                let entry = r.get("entry").and_then(Item::as_str).unwrap_or("main").to_string();
                let routes = r.get("routes").and_then(Item::as_table_like);
                let mut order = Vec::new();
                flatten(routes, &entry, &mut order, 0);
                (entry, order)
            }
            _ => continue,
        };
        let mut ups = Vec::new();
        for id in &order {
            match find(id) {
                Some(u) => ups.extend(u),
                None => reader.skip(id, "named by the routing but not a provider"),
            }
        }
        if !ups.is_empty() {
            push(&mut out.configs, &mut reader, &format!("{name}-route"), true, ups);
        }
    }
    Ok(out)
}

/// Route `name`'s children in order, routes expanded (depth-limited: a
/// cycle in a hand-edited file must not hang us).
fn flatten(routes: Option<&dyn TableLike>, name: &str, out: &mut Vec<String>, depth: usize) {
    let node = routes.and_then(|r| r.get(name)).and_then(Item::as_table_like);
    match node {
        Some(node) if depth < 16 => {
            for child in strings(node.get("children")) {
                flatten(routes, &child, out, depth + 1);
            }
        }
        _ if !out.contains(&name.to_string()) => out.push(name.to_string()),
        _ => {}
    }
}

fn strings(item: Option<&Item>) -> Vec<String> {
    item.and_then(Item::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn push(configs: &mut Vec<PlannedConfig>, reader: &mut Reader, name: &str, current: bool, ups: Vec<Upstream>) {
    let mut ups = ups.into_iter();
    let Some(first) = ups.next() else {
        reader.skip(name, "no enabled endpoint with a base_url");
        return;
    };
    let mut c = planned(reader.service, name, current, first, None);
    c.config.upstreams.extend(ups);
    configs.push(c);
}

struct Reader<'a> {
    service: Service,
    env: &'a dyn Fn(&str) -> Option<String>,
    skipped: &'a mut Vec<Skipped>,
}

impl Reader<'_> {
    fn skip(&mut self, name: &str, reason: &str) {
        self.skipped.push(Skipped {
            app: self.service.to_string(),
            name: name.to_string(),
            reason: reason.to_string(),
        });
    }

    /// The provider's upstreams: its `base_url`, then its enabled endpoints
    /// by `priority` (lower first), each with the provider's key.
    fn provider(&mut self, id: &str, p: &dyn TableLike) -> Vec<Upstream> {
        if p.get("enabled").and_then(Item::as_bool) == Some(false) {
            self.skip(id, "disabled in the original tool");
            return Vec::new();
        }
        let auth = self.auth(id, p);
        let mut urls: Vec<(i64, String)> = Vec::new();
        if let Some(url) = p.get("base_url").and_then(Item::as_str) {
            urls.push((i64::MIN, url.to_string()));
        }
        if let Some(endpoints) = p.get("endpoints").and_then(Item::as_table_like) {
            for (name, e) in endpoints.iter() {
                let Some(e) = e.as_table_like() else { continue };
                if e.get("enabled").and_then(Item::as_bool) == Some(false) {
                    self.skip(&format!("{id}.{name}"), "endpoint disabled in the original tool");
                    continue;
                }
                if let Some(url) = e.get("base_url").and_then(Item::as_str) {
                    urls.push((e.get("priority").and_then(Item::as_integer).unwrap_or(0), url.to_string()));
                }
            }
        }
        urls.sort_by_key(|(p, _)| *p);
        urls.into_iter()
            .map(|(_, base_url)| {
                let mut u = Upstream { base_url, auth: auth.clone(), ..Default::default() };
                u.tags.insert("source".into(), "codex-helper".into());
                u.tags.insert("provider_id".into(), id.to_string());
                u
            })
            .collect()
    }

    fn auth(&mut self, id: &str, p: &dyn TableLike) -> UpstreamAuth {
        let nested = p.get("auth").and_then(Item::as_table_like);
        let mut auth = UpstreamAuth::default();
        for (field, slot) in [("auth_token", &mut auth.auth_token), ("api_key", &mut auth.api_key)] {
            let get =
                |k: &str| nested.and_then(|a| a.get(k)).or_else(|| p.get(k)).and_then(Item::as_str).map(str::to_string);
            if let Some(v) = get(field).filter(|v| !v.trim().is_empty()) {
                *slot = Some(v);
            } else if let Some(var) = get(&format!("{field}_env")) {
                match (self.env)(&var).filter(|v| !v.trim().is_empty()) {
                    Some(v) => *slot = Some(v),
                    None => self.skip(
                        id,
                        &format!("only its key: {field} is read from ${var}, which is not set here (the relay itself is imported, without a key)"),
                    ),
                }
            }
        }
        auth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(toml: &str) -> Plan {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, toml).unwrap();
        let env = |n: &str| (n == "RELAY_KEY").then(|| "sk-from-env-4242".to_string());
        plan(&path, &env).unwrap()
    }

    /// `(service/name, [(base_url, key)], current)` per planned config.
    type Summary = Vec<(String, Vec<(String, Option<String>)>, bool)>;

    fn summary(p: &Plan) -> Summary {
        p.configs
            .iter()
            .map(|c| {
                let ups =
                    c.config.upstreams.iter().map(|u| (u.base_url.clone(), u.key().map(str::to_string))).collect();
                (format!("{}/{}", c.service, c.name), ups, c.current)
            })
            .collect()
    }

    #[test]
    fn version_2_stations_of_provider_endpoints() {
        let p = plan_of(
            r#"version = 2
[codex]
active_station = "daily"
[codex.providers.packy]
auth = { auth_token = "sk-packy-1111" }
[codex.providers.packy.endpoints.hk]
base_url = "https://hk.packy.example/v1"
priority = 1
[codex.providers.packy.endpoints.us]
base_url = "https://us.packy.example/v1"
priority = 0
[codex.providers.yes]
auth = { api_key_env = "RELAY_KEY" }
endpoints = { main = { base_url = "https://yes.example/v1" } }
[codex.providers.off]
enabled = false
endpoints = { main = { base_url = "https://off.example" } }
[codex.stations.daily]
members = [{ provider = "packy" }, { provider = "yes" }, { provider = "ghost" }]
"#,
        );
        assert_eq!(p.format, "toml v2");
        let k = |s: &str| Some(s.to_string());
        assert_eq!(
            summary(&p),
            [(
                "codex/daily".into(),
                vec![
                    ("https://us.packy.example/v1".into(), k("sk-packy-1111")),
                    ("https://hk.packy.example/v1".into(), k("sk-packy-1111")),
                    ("https://yes.example/v1".into(), k("sk-from-env-4242")),
                ],
                true
            )]
        );
        let skipped: Vec<_> = p.skipped.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(skipped, ["off", "ghost"]);
    }

    #[test]
    fn version_3_routing_order() {
        let p = plan_of(
            r#"version = 3
[claude.providers.a]
base_url = "https://a.example"
auth_token = "sk-a-2222"
[claude.providers.b]
base_url = "https://b.example"
auth_token_env = "UNSET_VAR"
[claude.routing]
policy = "ordered-failover"
order = ["b", "a"]
"#,
        );
        let names: Vec<_> = summary(&p).into_iter().map(|(n, u, c)| (n, u.len(), c)).collect();
        assert_eq!(
            names,
            [("claude/a".into(), 1, false), ("claude/b".into(), 1, false), ("claude/routing-route".into(), 2, true)]
        );
        let route = &p.configs[2].config.upstreams;
        assert_eq!((route[0].base_url.as_str(), route[1].key()), ("https://b.example", Some("sk-a-2222")));
        assert!(p.skipped.iter().any(|s| s.name == "b" && s.reason.contains("$UNSET_VAR")), "{:?}", p.skipped);
    }

    #[test]
    fn versions_4_and_5_routing_entry_with_nested_children() {
        for version in [4, 5] {
            let p = plan_of(&format!(
                r#"version = {version}
[codex.providers.openai]
base_url = "https://api.openai.com/v1"
auth_token = "sk-openai-3333"
[codex.providers.relay]
base_url = "https://relay.example/v1"
api_key = "sk-relay-4444"
[codex.routing]
entry = "main"
[codex.routing.routes.main]
strategy = "ordered-failover"
children = ["backup", "openai"]
[codex.routing.routes.backup]
children = ["relay"]
"#
            ));
            assert_eq!(p.format, format!("toml v{version}"));
            let main = p.configs.iter().find(|c| c.name == "main-route").unwrap();
            let urls: Vec<_> = main.config.upstreams.iter().map(|u| u.base_url.as_str()).collect();
            assert_eq!(urls, ["https://relay.example/v1", "https://api.openai.com/v1"]);
            assert!(main.current);
            assert_eq!(p.configs.len(), 3);
        }
    }

    #[test]
    fn an_unknown_version_or_broken_toml_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for (text, says) in [("version = 9\n", "versions 2 to 5"), ("version = [\n", "config.toml")] {
            std::fs::write(&path, text).unwrap();
            let err = plan(&path, &|_| None).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
    }
}
