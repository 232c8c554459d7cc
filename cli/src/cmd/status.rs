//! `ch status [--codex|--claude] [--port N] [--json]`: per service, is a
//! proxy running (and whose), the active config, live upstream health and
//! request counters.

use std::process::ExitCode;

use codex_helper_core::config::Protocol;
use codex_helper_core::report::{ReportUpstream, ServiceReport};
use codex_helper_core::status;
use codex_helper_core::{Paths, Service};

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
        outln!("overall: {}", report.level);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_service(s: &ServiceReport) {
    let name = s.service.display_name();
    let headline = if s.listening {
        let who = if s.owner.as_deref() == Some("app") { "desktop app" } else { "CLI" };
        let pid = s.pid.map(|p| format!(", pid {p}")).unwrap_or_default();
        let other = s.serves_service.map(|o| format!(" — but it is the {o} proxy")).unwrap_or_default();
        format!("listening on 127.0.0.1:{} ({who}{pid}){other}", s.port)
    } else if s.port_taken_by_other {
        format!("not running; port {} is taken by another program", s.port)
    } else {
        format!("not running (port {} is free){}", s.port, if s.enabled { "" } else { "; disabled in settings.json" })
    };
    outln!("{name}: {headline}");
    outln!("  level: {}", s.level);
    let source = if s.requests.is_some() { "" } else { " (from config.json)" };
    match &s.active_config {
        Some(c) => outln!("  active config: {}{source}", crate::output::shown(c)),
        None => outln!(
            "  active config: none — add one with `ch config add NAME --base-url URL --auth-token - --{}`",
            s.service
        ),
    }
    if let Some(problem) = &s.config_problem {
        outln!("  config problem: {problem}");
    }
    if let Some(problem) = &s.settings_problem {
        outln!("  settings problem: {problem}");
    }
    if let Some(err) = &s.live_error {
        outln!("  live state unavailable: {err}");
    }
    if let Some(strategy) = s.strategy.filter(|st| *st != codex_helper_core::config::Strategy::Priority) {
        outln!("  strategy: {strategy}");
    }
    if let Some(r) = &s.requests {
        outln!("  requests: {} ({} errors)", r.total, r.errors);
    }
    for (i, u) in s.upstreams.iter().enumerate() {
        // Only an upstream reached through a bridge says what it speaks.
        let protocol = u
            .protocol
            .filter(|p| *p != Protocol::native(s.service))
            .map(|p| format!("  protocol {p}"))
            .unwrap_or_default();
        outln!(
            "  [{i}] {}  {}{}{protocol}{}{}",
            u.base_url,
            describe(u),
            match (&u.alias, &u.key) {
                (Some(a), _) => format!("  key {}", crate::output::shown(a)),
                (None, Some(k)) => format!("  key {k}"),
                (None, None) => String::new(),
            },
            super::config::model_map_note("  ", &u.model_map),
            super::config::headers_note("  ", &u.headers)
        );
    }
    for q in &s.quota {
        let key = q.key_label.as_deref().map(|k| format!(" key {}", crate::output::shown(k))).unwrap_or_default();
        let state = super::usage::quota_state(q);
        let detail = super::usage::quota_windows(q);
        outln!("  quota {}{key} via {}: {state}: {detail}", q.base_url, q.provider_id);
    }
    let client = s.service.client_name();
    match (&s.switch, &s.switch_error) {
        (Some(sw), _) if sw.points_at_proxy => {
            let port = sw.port.map(|p| format!("127.0.0.1:{p}")).unwrap_or_else(|| "a local proxy".into());
            let answering =
                if sw.port == Some(s.port) && s.listening { "" } else { " (no codex-helper answers there)" };
            outln!("  client: {client} points at {port}{answering} ({})", sw.file.display());
        }
        (Some(sw), _) => outln!(
            "  client: {client} does not point at the proxy ({}); `ch switch on{}` does it",
            sw.file.display(),
            s.service.cli_flag()
        ),
        (None, Some(err)) => outln!("  client: cannot read its settings: {err}"),
        (None, None) => {}
    }
    if let Some(backup) = s.switch.as_ref().and_then(|sw| sw.backup.as_ref()) {
        outln!("  backup: {}", backup.display());
    }
}

fn describe(u: &ReportUpstream) -> String {
    let Some(live) = &u.live else { return "not observed (proxy not running)".to_string() };
    let mut s = match live.state.as_str() {
        "cooling_down" => {
            let secs = live.cooldown_remaining_ms.unwrap_or(0).div_ceil(1000);
            format!("cooling down ({secs} s left)")
        }
        "exhausted" => "quota exhausted".to_string(),
        other => other.to_string(),
    };
    s.push_str(&format!(", {} requests, {} failures", live.requests, live.failures));
    if let Some(err) = &live.last_error {
        s.push_str(&format!("; last error: {err}"));
    }
    s
}
