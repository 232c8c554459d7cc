//! `ch status [--codex|--claude] [--port N] [--json]`: per service, is a
//! proxy running (and whose), the active config, live upstream health and
//! request counters.

use std::process::ExitCode;

use codex_helper_core::config::Protocol;
use codex_helper_core::report::{ReportUpstream, ServiceReport};
use codex_helper_core::status;
use codex_helper_core::{t, Paths, Service};

use crate::args::StatusArgs;
use crate::output::print_json;

pub fn run(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let services = if args.service.codex || args.service.claude || args.port.is_some() {
        vec![super::pick_service(args.service, &paths)?]
    } else {
        Service::ALL.to_vec()
    };
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let report = tokio.block_on(status::status(&paths, &services, args.port))?;
    if args.output.json {
        print_json(&report)?;
    } else {
        for s in &report.services {
            print_service(s);
            outln!();
        }
        // The same word (and rule) as the tray icon and `--json`'s `level`.
        outln!("{}", t!("cli-status-overall", level = crate::output::level_word(report.level)));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_service(s: &ServiceReport) {
    let name = s.service.display_name();
    let headline = if s.listening {
        let who = if s.owner.as_deref() == Some("app") { t!("owner-app") } else { t!("owner-cli") };
        let pid = s.pid.map_or_else(|| "none".to_string(), |p| p.to_string());
        let other = s
            .serves_service
            .map(|o| format!(" {}", t!("cli-status-other-proxy", other = o.to_string())))
            .unwrap_or_default();
        t!("cli-status-listening", port = s.port, who = who, pid = pid) + &other
    } else if s.port_taken_by_other {
        t!("cli-status-port-taken", port = s.port)
    } else if s.enabled {
        t!("cli-status-port-free", port = s.port)
    } else {
        t!("cli-status-port-free-disabled", port = s.port)
    };
    outln!("{}", t!("cli-status-headline", service = name, headline = headline));
    outln!("  {}", t!("cli-status-level", level = crate::output::level_word(s.level)));
    match &s.active_config {
        Some(c) if s.requests.is_some() => outln!("  {}", t!("cli-status-active", config = crate::output::shown(c))),
        Some(c) => outln!("  {}", t!("cli-status-active-from-file", config = crate::output::shown(c))),
        None => outln!("  {}", t!("cli-status-no-active", service = s.service.to_string())),
    }
    if let Some(problem) = s.shown.config_problem.as_ref().or(s.config_problem.as_ref()) {
        outln!("  {}", t!("cli-status-config-problem", problem = problem.to_string()));
    }
    if let Some(problem) = &s.settings_problem {
        outln!("  {}", t!("cli-status-settings-problem", problem = problem.to_string()));
    }
    if let Some(err) = &s.live_error {
        outln!("  {}", t!("cli-status-live-error", error = err.to_string()));
    }
    if let Some(strategy) = s.strategy.filter(|st| *st != codex_helper_core::config::Strategy::Priority) {
        outln!("  {}", t!("cli-status-strategy", strategy = strategy.to_string()));
    }
    if let Some(r) = &s.requests {
        outln!("  {}", t!("cli-status-requests", total = r.total, errors = r.errors));
    }
    for (i, u) in s.upstreams.iter().enumerate() {
        // Only an upstream reached through a bridge says what it speaks.
        let protocol = u
            .protocol
            .filter(|p| *p != Protocol::native(s.service))
            .map(|p| format!("  {}", t!("cli-note-protocol", protocol = p.to_string())))
            .unwrap_or_default();
        let cap = match (u.max_concurrent, &u.live) {
            (Some(cap), Some(live)) => format!("  {}", t!("cli-status-in-flight", now = live.in_flight, cap = cap)),
            (Some(cap), None) => format!("  max_concurrent {cap}"),
            (None, _) => String::new(),
        };
        outln!(
            "  [{i}] {}  {}{}{protocol}{}{}{cap}",
            u.base_url,
            describe(u),
            match (&u.alias, &u.key) {
                (Some(a), _) => format!("  {}", t!("cli-status-key", key = crate::output::shown(a))),
                (None, Some(k)) => format!("  {}", t!("cli-status-key", key = k.to_string())),
                (None, None) => String::new(),
            },
            super::config::model_map_note("  ", &u.model_map),
            super::config::headers_note("  ", &u.headers)
        );
    }
    for q in &s.quota {
        let key = q
            .key_label
            .as_deref()
            .map(|k| format!(" {}", t!("cli-status-key", key = crate::output::shown(k))))
            .unwrap_or_default();
        let state = super::usage::quota_state(q);
        let detail = super::usage::quota_windows(q);
        let provider = q.provider_id.as_str();
        let url = q.base_url.as_str();
        outln!(
            "  {}",
            t!("cli-status-quota", url = url, key = key, provider = provider, state = state, detail = detail)
        );
    }
    let client = s.service.client_name();
    match (&s.switch, s.shown.switch_error.as_ref().or(s.switch_error.as_ref())) {
        (Some(sw), _) if sw.points_at_proxy => {
            let at = sw.port.map(|p| format!("127.0.0.1:{p}")).unwrap_or_else(|| t!("cli-status-a-local-proxy"));
            let file = sw.file.display().to_string();
            if sw.port == Some(s.port) && s.listening {
                outln!("  {}", t!("cli-status-client-points", client = client, where = at, file = file));
            } else {
                outln!("  {}", t!("cli-status-client-points-dead", client = client, where = at, file = file));
            }
        }
        (Some(sw), _) => {
            let file = sw.file.display().to_string();
            outln!("  {}", t!("cli-status-client-direct", client = client, file = file, flag = s.service.cli_flag()))
        }
        (None, Some(err)) => outln!("  {}", t!("cli-status-client-error", error = err.to_string())),
        (None, None) => {}
    }
    if let Some(backup) = s.switch.as_ref().and_then(|sw| sw.backup.as_ref()) {
        outln!("  {}", t!("cli-backup", path = backup.display().to_string()));
    }
}

fn describe(u: &ReportUpstream) -> String {
    let Some(live) = &u.live else { return t!("cli-status-not-observed") };
    let state = match live.state.as_str() {
        "cooling_down" => {
            let secs = live.cooldown_remaining_ms.unwrap_or(0).div_ceil(1000);
            t!("cli-status-cooling", seconds = secs)
        }
        "exhausted" => t!("cli-status-exhausted"),
        "ok" => t!("cli-status-ok"),
        other => other.to_string(),
    };
    let mut s = t!("cli-status-counts", state = state, requests = live.requests, failures = live.failures);
    if let Some(err) = &live.last_error {
        s.push_str(&format!("; {}", t!("cli-status-last-error", error = err.to_string())));
    }
    s
}
