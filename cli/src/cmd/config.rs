//! `ch config list|add|set-active|remove|show|remove-upstream|strategy`:
//! edit `config.json`. Keys
//! are masked in every output; a running proxy follows changes on its own.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{bail, Context};
use codex_helper_core::config::Protocol;
use codex_helper_core::config::Strategy;
use codex_helper_core::config::{host_label, ConfigStore, Settings};
use codex_helper_core::config_edit::{self, AddAction, ConfigView, NewUpstream, ServiceView, UpstreamPick};
use codex_helper_core::{t, Paths, Service};

use crate::args::{
    ConfigAddArgs, ConfigCommand, ConfigListArgs, ConfigNameArgs, ConfigRemoveUpstreamArgs, ConfigShowArgs,
    ConfigStrategyArgs,
};
use crate::output::{print_json, shown};

pub fn run(command: ConfigCommand) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    match command {
        ConfigCommand::Undo(args) => undo(&paths, args),
        ConfigCommand::List(args) => list(&paths, args),
        ConfigCommand::Add(args) => add(&paths, args),
        ConfigCommand::SetActive(args) => set_active(&paths, args),
        ConfigCommand::Remove(args) => remove(&paths, args),
        ConfigCommand::Show(args) => show(&paths, args),
        ConfigCommand::RemoveUpstream(args) => remove_upstream(&paths, args),
        ConfigCommand::Strategy(args) => strategy(&paths, args),
    }
}

fn list(paths: &Paths, args: ConfigListArgs) -> anyhow::Result<ExitCode> {
    let service = super::pick_service(args.service, paths)?;
    let view = config_edit::list(&ConfigStore::new(paths).load()?, service);
    if args.output.json {
        print_json(&view)?;
    } else if view.configs.is_empty() {
        outln!("{}", t!("cli-config-none", service = service.as_str()));
    } else {
        for cfg in &view.configs {
            outln!("{}", list_line(cfg, service));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `models gpt-5-codex→deepseek-chat, *→deepseek-chat` for an upstream with
/// a model map, after `sep`; nothing without one.
pub(super) fn model_map_note<'a>(sep: &str, map: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let pairs: Vec<String> = map.into_iter().map(|(from, to)| format!("{}→{}", shown(from), shown(to))).collect();
    if pairs.is_empty() {
        return String::new();
    }
    format!("{sep}{}", codex_helper_core::t!("cli-note-models", pairs = pairs.join(", ")))
}

/// `headers X-Title: My app, x-api-token: ****` after `sep` (values
/// already masked by the view); nothing without any.
pub(super) fn headers_note<'a>(sep: &str, headers: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let pairs: Vec<String> =
        headers.into_iter().map(|(name, value)| format!("{}: {}", shown(name), shown(value))).collect();
    if pairs.is_empty() {
        return String::new();
    }
    format!("{sep}{}", codex_helper_core::t!("cli-note-headers", pairs = pairs.join(", ")))
}

/// `max_concurrent 4` after `sep`; nothing without a cap.
pub(super) fn cap_note(sep: &str, cap: Option<u32>) -> String {
    cap.map(|n| format!("{sep}max_concurrent {n}")).unwrap_or_default()
}

/// `* main (alias) — 2 upstreams: api.openai.com, co.yes.vg (protocol chat; models *→deepseek-chat)`
fn list_line(cfg: &ConfigView, service: Service) -> String {
    let mark = if cfg.active { '*' } else { ' ' };
    let alias = cfg.alias.as_deref().map(|a| format!(" ({})", shown(a))).unwrap_or_default();
    let n = cfg.upstreams.len();
    let hosts: Vec<String> = cfg
        .upstreams
        .iter()
        .map(|u| {
            // What differs from plain pass-through, in parentheses.
            let mut notes = Vec::new();
            if u.protocol != Protocol::native(service) {
                notes.push(t!("cli-note-protocol", protocol = u.protocol.to_string()));
            }
            notes.push(model_map_note("", &u.model_map));
            notes.push(headers_note("", &u.headers));
            notes.push(cap_note("", u.max_concurrent));
            notes.retain(|n| !n.is_empty());
            // Several keys for one relay: say which key each one is.
            let host = match cfg.upstreams.iter().filter(|o| o.base_url == u.base_url).count() {
                1 => host_label(&u.base_url),
                _ => format!("{} [{}]", host_label(&u.base_url), u.key_label),
            };
            match notes.is_empty() {
                true => shown(&host).to_string(),
                false => format!("{} ({})", shown(&host), notes.join("; ")),
            }
        })
        .collect();
    let hosts = if hosts.is_empty() { String::new() } else { format!(": {}", hosts.join(", ")) };
    let strategy = strategy_note(cfg.strategy);
    let name = shown(&cfg.name);
    t!(
        "cli-config-list-line",
        mark = mark.to_string(),
        name = name,
        alias = alias,
        count = n,
        strategy = strategy,
        hosts = hosts
    )
}

/// ` (round-robin)` for a strategy other than the default; nothing for it.
pub(super) fn strategy_note(strategy: Strategy) -> String {
    match strategy {
        Strategy::Priority => String::new(),
        other => format!(" ({other})"),
    }
}

fn show(paths: &Paths, args: ConfigShowArgs) -> anyhow::Result<ExitCode> {
    let service = super::pick_service(args.service, paths)?;
    let file = ConfigStore::new(paths).load()?;
    let cfg = config_edit::show(&file, service, &args.name)?;
    if args.output.json {
        let view = ServiceView { service, active: file.service(service).active.clone(), configs: vec![cfg] };
        print_json(&view)?;
        return Ok(ExitCode::SUCCESS);
    }
    let alias = cfg.alias.as_deref().map(|a| format!(" ({})", shown(a))).unwrap_or_default();
    let state = if cfg.active { t!("cli-config-active") } else { t!("cli-config-not-active") };
    let (name, strategy) = (shown(&cfg.name), cfg.strategy.to_string());
    outln!(
        "{}",
        t!(
            "cli-config-show-head",
            name = name,
            alias = alias,
            service = service.as_str(),
            state = state,
            strategy = strategy
        )
    );
    if cfg.upstreams.is_empty() {
        outln!("  {}", t!("cli-config-no-upstreams"));
    }
    for (i, u) in cfg.upstreams.iter().enumerate() {
        let key = match (&u.auth_token, &u.api_key) {
            (Some(t), _) => format!("auth_token {t}"),
            (None, Some(k)) => format!("api_key {k}"),
            (None, None) => t!("cli-config-no-key"),
        };
        let key = match &u.alias {
            Some(a) => format!("{key} ({})", shown(a)),
            None => key,
        };
        let tags: Vec<String> = u.tags.iter().map(|(k, v)| format!("{}={}", shown(k), shown(v))).collect();
        let tags =
            if tags.is_empty() { String::new() } else { format!("  {}", t!("cli-config-tags", tags = tags.join(" "))) };
        let protocol = if u.protocol == Protocol::native(service) {
            String::new()
        } else {
            format!("  {}", t!("cli-note-protocol", protocol = u.protocol.to_string()))
        };
        let models = model_map_note("  ", &u.model_map);
        let headers = headers_note("  ", &u.headers);
        let cap = cap_note("  ", u.max_concurrent);
        outln!("  [{i}] {}  {key}{protocol}{tags}{models}{headers}{cap}", shown(&u.base_url));
    }
    Ok(ExitCode::SUCCESS)
}

fn add(paths: &Paths, args: ConfigAddArgs) -> anyhow::Result<ExitCode> {
    let service = super::pick_service(args.service, paths)?;
    let settings = Settings::load(paths)?;
    let tags = args.tags.iter().map(|t| config_edit::parse_tag(t)).collect::<Result<_, _>>()?;
    let headers = args
        .headers
        .iter()
        .map(|h| codex_helper_core::config::parse_header_arg(h).map_err(|m| anyhow::anyhow!("--header {}", m.here)))
        .collect::<Result<_, _>>()?;
    let new = NewUpstream {
        base_url: args.base_url,
        auth_token: key_arg(args.auth_token, "--auth-token")?,
        api_key: key_arg(args.api_key, "--api-key")?,
        alias: args.alias,
        tags,
        protocol: args.protocol,
        model_map: args.model_map.into_iter().collect(),
        key_alias: args.key_alias,
        replace: args.replace,
        strategy: args.strategy,
        headers,
        max_concurrent: args.max_concurrent,
    };
    let out = config_edit::add_upstream(&ConfigStore::new(paths), &settings, service, &args.name, new)?;
    if args.output.json {
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let key = match (&out.upstream.alias, out.upstream.key()) {
        (Some(a), _) => format!(" ({})", t!("cli-config-key", key = shown(a))),
        (None, Some(k)) => format!(" ({})", t!("cli-config-key", key = k.to_string())),
        (None, None) => format!(" ({})", t!("cli-config-no-key")),
    };
    let (svc, config, index) = (service.as_str(), out.config.as_str(), out.index);
    let what = match out.action {
        AddAction::Added if out.keys_at_url > 1 => {
            t!("cli-config-added-key", n = out.keys_at_url, index = index, service = svc, config = config)
        }
        AddAction::Added => t!("cli-config-added", index = index, service = svc, config = config),
        AddAction::Updated => t!("cli-config-updated", index = index, service = svc, config = config),
        AddAction::Unchanged => t!("cli-config-unchanged", service = svc, config = config, index = index),
    };
    outln!("{what}: {}{key}", out.upstream.base_url);
    if out.action == AddAction::Added && out.keys_at_url > 1 {
        let strategy = out.strategy.to_string();
        outln!("{}", t!("cli-config-many-keys", n = out.keys_at_url, strategy = strategy, config = config));
    }
    if out.created {
        outln!("{}", t!("cli-config-created", config = config));
    }
    if out.became_active {
        outln!("{}", t!("cli-config-now-active", config = config, service = svc));
    }
    Ok(ExitCode::SUCCESS)
}

/// `-` reads the key from stdin (one line), keeping it out of shell history.
fn key_arg(value: Option<String>, flag: &str) -> anyhow::Result<Option<String>> {
    match value.as_deref() {
        Some("-") => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("{}", t!("cli-config-paste-key", flag = flag));
            }
            let mut line = String::new();
            stdin.lock().read_line(&mut line).with_context(|| t!("cli-config-cannot-read-key", flag = flag))?;
            if line.trim().is_empty() {
                bail!(t!("cli-config-no-key-on-stdin", flag = flag));
            }
            Ok(Some(line))
        }
        _ => Ok(value),
    }
}

fn set_active(paths: &Paths, args: ConfigNameArgs) -> anyhow::Result<ExitCode> {
    let service = super::pick_service(args.service, paths)?;
    let out = config_edit::set_active(&ConfigStore::new(paths), service, &args.name)?;
    if args.output.json {
        print_json(&out)?;
    } else if out.previous.as_deref() == Some(out.active.as_str()) {
        outln!("{}", t!("cli-config-already-active", config = out.active.as_str(), service = service.as_str()));
    } else {
        let (svc, config) = (service.as_str(), out.active.as_str());
        match out.previous.as_deref() {
            Some(was) => outln!("{}", t!("cli-config-active-now-was", service = svc, config = config, previous = was)),
            None => outln!("{}", t!("cli-config-active-now", service = svc, config = config)),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(paths: &Paths, args: ConfigNameArgs) -> anyhow::Result<ExitCode> {
    let service = super::pick_service(args.service, paths)?;
    let out = config_edit::remove(&ConfigStore::new(paths), service, &args.name)?;
    if args.output.json {
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let n = out.removed.upstreams.len();
    let svc = service.as_str();
    outln!("{}", t!("cli-config-removed", service = svc, config = out.removed.name.as_str(), count = n));
    if out.was_active {
        match &out.active {
            Some(next) => outln!("{}", t!("cli-config-removed-next", next = next.as_str(), service = svc)),
            None => outln!("{}", t!("cli-config-removed-none", service = svc)),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove_upstream(paths: &Paths, args: ConfigRemoveUpstreamArgs) -> anyhow::Result<ExitCode> {
    let service = super::pick_service(args.service, paths)?;
    let pick = match (args.key_alias, args.index) {
        (Some(alias), _) => UpstreamPick::Alias(alias),
        (None, Some(index)) => UpstreamPick::Index(index),
        (None, None) => UpstreamPick::Only,
    };
    let out = config_edit::remove_upstream(&ConfigStore::new(paths), service, &args.name, &args.base_url, pick)?;
    if args.output.json {
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let n = out.now.upstreams.len();
    outln!(
        "{}",
        t!(
            "cli-config-upstream-removed",
            index = out.index,
            url = shown(&out.removed.base_url),
            key = shown(&out.removed.key_label),
            service = service.as_str(),
            config = out.config.as_str(),
            count = n
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn strategy(paths: &Paths, args: ConfigStrategyArgs) -> anyhow::Result<ExitCode> {
    let service = super::pick_service(args.service, paths)?;
    let out = config_edit::set_strategy(&ConfigStore::new(paths), service, &args.name, args.strategy)?;
    if args.output.json {
        print_json(&out)?;
    } else if out.previous == out.strategy {
        let (svc, config, strategy) = (service.as_str(), out.config.as_str(), out.strategy.to_string());
        outln!("{}", t!("cli-config-strategy-same", service = svc, config = config, strategy = strategy));
    } else {
        let (svc, config, strategy) = (service.as_str(), out.config.as_str(), out.strategy.to_string());
        let previous = out.previous.to_string();
        outln!(
            "{}",
            t!("cli-config-strategy-changed", service = svc, config = config, strategy = strategy, previous = previous)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `ch config undo [--codex|--claude]`: the newest kept version of
/// config.json back in place, or only that service's last change
/// (core's `undo` keeps the other service's changes).
fn undo(paths: &Paths, args: crate::args::ServiceArgs) -> anyhow::Result<ExitCode> {
    use codex_helper_core::undo::{self, Scope};
    let scope = match (args.codex, args.claude) {
        (true, _) => Scope::Service(Service::Codex),
        (_, true) => Scope::Service(Service::Claude),
        _ => Scope::Config,
    };
    match undo::undo(paths, scope)? {
        Some(r) => {
            let (file, at) = (r.path.display().to_string(), r.replaced_at.to_string());
            let line = match r.service {
                Some(s) => t!(
                    "cli-config-undone-service",
                    service = s.display_name(),
                    file = file,
                    at = at,
                    remaining = r.remaining
                ),
                None => t!("cli-config-undone", file = file, at = at, remaining = r.remaining),
            };
            outln!("{line}");
            for (sign, list) in [("+", &r.configs.added), ("~", &r.configs.changed), ("-", &r.configs.removed)] {
                for name in list {
                    outln!("  {sign} {name}");
                }
            }
            for a in &r.active {
                outln!("  {}", t!("cli-config-undo-active", config = a.to_string()));
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let (file, dir) =
                (paths.config_file().display().to_string(), paths.helper_dir().join("history").display().to_string());
            match scope {
                Scope::Service(s) => anyhow::bail!(t!(
                    "cli-config-nothing-to-undo-service",
                    service = s.display_name(),
                    file = file,
                    dir = dir
                )),
                _ => anyhow::bail!(t!("cli-config-nothing-to-undo", file = file, dir = dir)),
            }
        }
    }
}
