//! cc-switch's provider store, read-only.
//!
//! - SQLite (`~/.cc-switch/cc-switch.db`, cc-switch 3.x+): table `providers`
//!   (`id`, `app_type`, `name`, `settings_config` JSON, `sort_index`,
//!   `created_at`, `is_current`), listed as cc-switch lists them: by
//!   `sort_index` (unset last), then `created_at`, then `id`.
//! - JSON (`~/.cc-switch/config.json`, older versions): `{"version": 2,
//!   "claude": {"providers": {id: {name, settingsConfig, sortIndex}},
//!   "current": id}, "codex": {...}}`.
//!
//! `settings_config` holds the client's own settings: for Claude
//! `{"env": {"ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN" | "ANTHROPIC_API_KEY"}}`,
//! for Codex `{"auth": {"OPENAI_API_KEY"}, "config": "<config.toml text>"}`
//! whose active `model_provider` names the `base_url`.

use std::path::Path;

use indexmap::IndexMap;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use super::{planned, ImportError, Plan, Skipped};
use crate::config::{Upstream, UpstreamAuth};
use crate::service::Service;

/// One provider row, whatever the store's format.
struct Row {
    app: String,
    name: String,
    settings: Value,
    current: bool,
}

/// Reads `path` (SQLite, or JSON when it does not start with SQLite's magic).
pub fn plan(path: &Path) -> Result<Plan, ImportError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImportError::NotFound { path: path.to_path_buf() })
        }
        Err(e) => return Err(ImportError::Format { path: path.to_path_buf(), message: e.to_string() }),
    };
    let (format, rows) = if bytes.starts_with(b"SQLite format 3\0") {
        ("sqlite", read_sqlite(path)?)
    } else {
        ("json", read_json(path, &bytes)?)
    };
    let mut out = Plan { source: path.to_path_buf(), format: format.into(), configs: Vec::new(), skipped: Vec::new() };
    for row in rows {
        let service = match row.app.as_str() {
            "claude" => Service::Claude,
            "codex" => Service::Codex,
            other => {
                out.skipped.push(Skipped {
                    app: other.into(),
                    name: row.name,
                    reason: format!("codex-helper proxies Codex and Claude Code only, not {other}"),
                });
                continue;
            }
        };
        let mapped = match service {
            Service::Claude => claude_upstream(&row.settings),
            Service::Codex => codex_upstream(&row.settings),
        };
        match mapped {
            Ok(up) => out.configs.push(planned(
                service,
                &row.name,
                row.current,
                up,
                Some(format!("from cc-switch: {}", row.name)),
            )),
            Err(reason) => out.skipped.push(Skipped { app: row.app, name: row.name, reason }),
        }
    }
    Ok(out)
}

fn read_sqlite(path: &Path) -> Result<Vec<Row>, ImportError> {
    let err = |e: rusqlite::Error| ImportError::Database { path: path.to_path_buf(), message: e.to_string() };
    // Read-only, no create: cc-switch's files are never touched.
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(err)?;
    let mut stmt = conn
        .prepare(
            "SELECT app_type, name, settings_config, COALESCE(is_current, 0) FROM providers \
             ORDER BY app_type, COALESCE(sort_index, 999999), created_at ASC, id ASC",
        )
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| {
            let settings: String = r.get(2)?;
            Ok(Row {
                app: r.get(0)?,
                name: r.get(1)?,
                settings: serde_json::from_str(&settings).unwrap_or(Value::Null),
                current: r.get::<_, i64>(3)? != 0,
            })
        })
        .map_err(err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(err)
}

fn read_json(path: &Path, bytes: &[u8]) -> Result<Vec<Row>, ImportError> {
    let value: Value = crate::config::error::parse_json(bytes, path)?;
    let Some(top) = value.as_object() else {
        return Err(ImportError::Format { path: path.to_path_buf(), message: "not a JSON object".into() });
    };
    // v1: one Claude manager at the top level; v2: one per app.
    let managers: Vec<(String, &Value)> = if top.contains_key("providers") && !top.contains_key("claude") {
        vec![("claude".into(), &value)]
    } else {
        top.iter().filter(|(_, v)| v.get("providers").is_some()).map(|(k, v)| (k.clone(), v)).collect()
    };
    let mut rows = Vec::new();
    for (app, manager) in managers {
        let current = manager.get("current").and_then(Value::as_str).unwrap_or_default();
        let mut providers: Vec<(&String, &Value)> =
            manager.get("providers").and_then(Value::as_object).map(|m| m.iter().collect()).unwrap_or_default();
        providers.sort_by_key(|(_, p)| p.get("sortIndex").and_then(Value::as_u64).unwrap_or(999_999));
        for (id, p) in providers {
            rows.push(Row {
                app: app.clone(),
                name: p.get("name").and_then(Value::as_str).unwrap_or(id).to_string(),
                settings: p.get("settingsConfig").cloned().unwrap_or(Value::Null),
                current: id == current,
            });
        }
    }
    Ok(rows)
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn claude_upstream(settings: &Value) -> Result<Upstream, String> {
    let token = text(settings, "/env/ANTHROPIC_AUTH_TOKEN");
    let api_key = text(settings, "/env/ANTHROPIC_API_KEY");
    if token.is_none() && api_key.is_none() {
        return Err(
            "no ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY in its env (an official login cannot be proxied)".into()
        );
    }
    let base_url = text(settings, "/env/ANTHROPIC_BASE_URL").unwrap_or("https://api.anthropic.com");
    Ok(upstream(base_url, token, api_key))
}

fn codex_upstream(settings: &Value) -> Result<Upstream, String> {
    let Some(key) = text(settings, "/auth/OPENAI_API_KEY") else {
        return Err("no OPENAI_API_KEY in its auth.json (a ChatGPT login cannot be proxied)".into());
    };
    let toml_text = text(settings, "/config").unwrap_or_default();
    let doc: toml_edit::DocumentMut = toml_text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("its config.toml does not parse: {}", e.message()))?;
    let base_url = match doc.get("model_provider").and_then(|v| v.as_str()) {
        None | Some("openai") => "https://api.openai.com/v1".to_string(),
        Some(p) => doc
            .get("model_providers")
            .and_then(|t| t.get(p))
            .and_then(|t| t.get("base_url"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("its config.toml has no base_url for model_provider `{p}`"))?,
    };
    Ok(upstream(&base_url, Some(key), None))
}

fn upstream(base_url: &str, token: Option<&str>, api_key: Option<&str>) -> Upstream {
    let mut tags = IndexMap::new();
    tags.insert("source".into(), "cc-switch".into());
    Upstream {
        base_url: base_url.to_string(),
        auth: UpstreamAuth {
            auth_token: token.map(str::to_string),
            api_key: api_key.map(str::to_string),
            ..Default::default()
        },
        tags,
        ..Default::default()
    }
}
