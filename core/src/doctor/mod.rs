//! `ch doctor`: checks of everything codex-helper depends on, each with a
//! verdict (pass / warn / fail) and a one-line fix.
//!
//! Checks only read: nothing is repaired here (the fixes are commands for
//! the user to run). A `fail` means codex-helper cannot work as configured;
//! a `warn` means it works but something is risky or missing.

mod client;
mod leftovers;

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::config::error::display_path;
use crate::config::{ConfigFile, ConfigStore, Protocol, Settings};
use crate::config_edit::detect::{detect, path_of, probe_client, Detection};
use crate::filter::FilterSet;
use crate::i18n::localized::both;
use crate::i18n::Both;
use crate::status::{port_holder, PortHolder};
use crate::{control, t_both, Paths, Service};

/// A request line may claim to be this far in the future before we call the
/// clock skewed (NTP corrections are far smaller).
const MAX_SKEW_MS: u64 = 5 * 60 * 1000;
/// Per upstream, for `--online`.
const ONLINE_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Check {
    /// Stable identifier, e.g. `config`, `port.codex`, `online.codex.main.0`.
    pub id: String,
    pub status: Verdict,
    pub message: String,
    /// What to do about a warn/fail; `null` on pass.
    pub fix: Option<String>,
    /// `message` and `fix` in the language being spoken, for `ch doctor`'s
    /// text (`--json` keeps the English above).
    #[serde(skip)]
    pub shown: Shown,
}

/// A check's words for people.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shown {
    pub message: String,
    pub fix: Option<String>,
}

impl Check {
    fn new(id: impl Into<String>, status: Verdict, message: impl Into<Both>, fix: Option<Both>) -> Check {
        let message = message.into();
        Check {
            id: id.into(),
            status,
            message: message.en,
            fix: fix.as_ref().map(|f| f.en.clone()),
            shown: Shown { message: message.here, fix: fix.map(|f| f.here) },
        }
    }
    fn pass(id: impl Into<String>, message: impl Into<Both>) -> Check {
        Check::new(id, Verdict::Pass, message, None)
    }
    fn warn(id: impl Into<String>, message: impl Into<Both>, fix: impl Into<Both>) -> Check {
        Check::new(id, Verdict::Warn, message, Some(fix.into()))
    }
    fn fail(id: impl Into<String>, message: impl Into<Both>, fix: impl Into<Both>) -> Check {
        Check::new(id, Verdict::Fail, message, Some(fix.into()))
    }
}

/// The `ch doctor --json` document.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Report {
    /// No check failed (warnings allowed).
    pub ok: bool,
    pub summary: Summary,
    pub checks: Vec<Check>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "DoctorSummary")] // its TS name; JSON is unaffected
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
}

impl Report {
    pub fn new(checks: Vec<Check>) -> Report {
        let mut summary = Summary::default();
        for c in &checks {
            match c.status {
                Verdict::Pass => summary.pass += 1,
                Verdict::Warn => summary.warn += 1,
                Verdict::Fail => summary.fail += 1,
            }
        }
        Report { ok: summary.fail == 0, summary, checks }
    }
}

/// Options for [`run`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Also try to reach every upstream of the active configs.
    pub online: bool,
}

/// Runs every check.
pub async fn run(paths: &Paths, options: Options) -> Report {
    let mut checks = Vec::new();
    let config = check_config(paths, &mut checks);
    let settings = check_settings(paths, &mut checks);
    check_json_file(&mut checks, "filter", &paths.filter_file(), |text, path| {
        FilterSet::parse(text, path).map(|_| ()).map_err(|e| both(&e))
    });
    // The very parser the proxy's poller and `ch usage` use: a file they
    // reject must not pass here.
    check_json_file(&mut checks, "usage_providers", &paths.usage_providers_file(), |text, path| {
        crate::usage::providers::ProvidersFile::parse(text.as_bytes(), path).map(|_| ()).map_err(|e| both(&e))
    });
    check_permissions(paths, &mut checks);
    if let Some(settings) = &settings {
        check_ports(settings, &mut checks).await;
    }
    client::check_clients(paths, settings.as_ref(), &mut checks).await;
    check_codex_auth(paths, &mut checks);
    if let Some(config) = &config {
        check_keys(config, &mut checks);
    }
    check_log_clock(paths, &mut checks);
    leftovers::check_leftovers(paths, &mut checks);
    if options.online {
        if let Some(config) = &config {
            check_online(config, &mut checks).await;
        }
    }
    Report::new(checks)
}

fn check_config(paths: &Paths, checks: &mut Vec<Check>) -> Option<ConfigFile> {
    let store = ConfigStore::new(paths);
    let shown = display_path(store.path());
    match store.load() {
        Ok(file) if !store.path().exists() => {
            checks.push(Check::warn(
                "config",
                t_both!("doctor-config-missing", file = shown.as_str()),
                t_both!("doctor-config-missing-fix"),
            ));
            Some(file)
        }
        Ok(file) => {
            let n = |s: Service| file.service(s).configs.len();
            let msg = t_both!(
                "doctor-config-valid",
                file = shown.as_str(),
                codex = n(Service::Codex),
                claude = n(Service::Claude)
            );
            checks.push(Check::pass("config", msg));
            Some(file)
        }
        Err(e) => {
            checks.push(Check::fail("config", both(&e), t_both!("doctor-edit-at-place", file = shown)));
            None
        }
    }
}

fn check_settings(paths: &Paths, checks: &mut Vec<Check>) -> Option<Settings> {
    let shown = display_path(&paths.settings_file());
    match Settings::load(paths) {
        Ok(s) if paths.settings_file().exists() => {
            checks.push(Check::pass("settings", t_both!("doctor-file-valid", file = shown)));
            Some(s)
        }
        Ok(s) => {
            checks.push(Check::pass("settings", t_both!("doctor-settings-absent", file = shown)));
            Some(s)
        }
        Err(e) => {
            checks.push(Check::fail("settings", both(&e), t_both!("doctor-edit-at-place", file = shown)));
            None
        }
    }
}

/// An optional JSON file: absent passes, present must parse.
fn check_json_file(
    checks: &mut Vec<Check>,
    id: &str,
    path: &Path,
    parse: impl FnOnce(&str, &Path) -> Result<(), Both>,
) {
    let shown = display_path(path);
    match fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            checks.push(Check::pass(id, t_both!("doctor-file-absent-optional", file = shown)))
        }
        Err(e) => checks.push(Check::fail(
            id,
            t_both!("doctor-cannot-read", file = shown.as_str(), error = e.to_string()),
            t_both!("doctor-check-owner", file = shown.as_str()),
        )),
        Ok(text) => match parse(&text, path) {
            Ok(()) => checks.push(Check::pass(id, t_both!("doctor-file-valid", file = shown))),
            Err(e) => {
                // Our parsers' errors already start with `file:line:column`.
                let place = |text: String| if text.contains(&shown) { text } else { format!("{shown}: {text}") };
                let message = Both { en: place(e.en), here: place(e.here) };
                checks.push(Check::fail(id, message, t_both!("doctor-fix-or-remove", file = shown)))
            }
        },
    }
}

/// Our directory and the files holding keys or the control token must not
/// be readable by others.
fn check_permissions(paths: &Paths, checks: &mut Vec<Check>) {
    let wanted = [
        (paths.helper_dir(), 0o700),
        (paths.config_file(), 0o600),
        (paths.settings_file(), 0o600),
        (control::token_path(paths), 0o600),
    ];
    let mut loose = Vec::new();
    for (path, mode) in &wanted {
        if let Ok(md) = fs::metadata(path) {
            let actual = md.permissions().mode() & 0o777;
            if actual & 0o077 != 0 {
                loose.push(format!("chmod {mode:o} {}", display_path(path)));
            }
        }
    }
    if loose.is_empty() {
        checks.push(Check::pass("permissions", t_both!("doctor-permissions-ok")));
    } else {
        checks.push(Check::warn(
            "permissions",
            t_both!("doctor-permissions-loose", count = loose.len()),
            loose.join(" && "),
        ));
    }
}

async fn check_ports(settings: &Settings, checks: &mut Vec<Check>) {
    for service in Service::ALL {
        let s = settings.service(service);
        let id = format!("port.{service}");
        if !s.enabled {
            checks.push(Check::pass(id, t_both!("doctor-port-disabled", service = service.display_name())));
            continue;
        }
        let check = match port_holder(s.port).await {
            PortHolder::Free => Check::pass(id, t_both!("doctor-port-free", port = s.port, service = service.as_str())),
            PortHolder::CodexHelper(who) => Check::pass(
                id,
                t_both!(
                    "doctor-port-ours",
                    port = s.port,
                    other = who.service.as_str(),
                    owner = who.owner.as_str(),
                    pid = who.pid
                ),
            ),
            PortHolder::Other => Check::fail(
                id,
                t_both!("doctor-port-other", port = s.port, service = service.as_str()),
                t_both!("doctor-port-other-fix", port = s.port, service = service.as_str()),
            ),
        };
        checks.push(check);
    }
}

fn check_codex_auth(paths: &Paths, checks: &mut Vec<Check>) {
    let auth = paths.codex_dir().join("auth.json");
    let shown = display_path(&auth);
    if auth.is_file() {
        checks.push(Check::pass("codex_auth", t_both!("doctor-codex-auth-ok", file = shown)));
    } else {
        checks.push(Check::warn(
            "codex_auth",
            t_both!("doctor-codex-auth-missing", file = shown),
            t_both!("doctor-codex-auth-fix"),
        ));
    }
}

/// Each service's active config needs at least one upstream with a key.
fn check_keys(file: &ConfigFile, checks: &mut Vec<Check>) {
    let default = file.default_service.unwrap_or(Service::Codex);
    for service in Service::ALL {
        let id = format!("keys.{service}");
        let section = file.service(service);
        let active = section.serving_config();
        let add = format!("ch config add NAME --base-url URL --auth-token - --{service}");
        let check = match active {
            None if service == default => {
                Check::warn(id, t_both!("doctor-keys-no-config", service = service.display_name()), add)
            }
            None => Check::pass(id, t_both!("doctor-keys-unused", service = service.display_name())),
            Some(cfg) if cfg.upstreams.is_empty() => Check::warn(
                id,
                t_both!("doctor-keys-no-upstreams", service = service.as_str(), config = cfg.name.as_str()),
                add,
            ),
            Some(cfg) if !cfg.upstreams.iter().any(|u| u.key().is_some()) => Check::warn(
                id,
                t_both!("doctor-keys-no-key", service = service.as_str(), config = cfg.name.as_str()),
                format!("ch config add {} --base-url URL --auth-token - --{service}", cfg.name),
            ),
            Some(cfg) => {
                let keyed = cfg.upstreams.iter().filter(|u| u.key().is_some()).count();
                Check::pass(
                    id,
                    t_both!(
                        "doctor-keys-ok",
                        service = service.as_str(),
                        config = cfg.name.as_str(),
                        keyed = keyed,
                        total = cfg.upstreams.len()
                    ),
                )
            }
        };
        checks.push(check);
    }
}

/// The newest request log line must not be from the future: that means the
/// clock jumped back, and day-based usage totals would be wrong.
fn check_log_clock(paths: &Paths, checks: &mut Vec<Check>) {
    let path = paths.request_log();
    let Some(line) = last_line(&path) else {
        checks.push(Check::pass("log_clock", t_both!("doctor-log-empty")));
        return;
    };
    let ts = serde_json::from_str::<serde_json::Value>(&line).ok().and_then(|v| v["timestamp_ms"].as_u64());
    let now = crate::logs::now_ms();
    match ts {
        None => checks.push(Check::warn(
            "log_clock",
            t_both!("doctor-log-not-record", file = display_path(&path)),
            t_both!("doctor-log-not-record-fix"),
        )),
        Some(ts) if ts > now + MAX_SKEW_MS => checks.push(Check::warn(
            "log_clock",
            t_both!("doctor-log-future", minutes = (ts - now) / 60_000),
            t_both!("doctor-log-future-fix"),
        )),
        Some(_) => checks.push(Check::pass("log_clock", t_both!("doctor-log-ok"))),
    }
}

/// The last non-empty line of a possibly large file (reads only its tail).
fn last_line(path: &Path) -> Option<String> {
    let mut f = fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.saturating_sub(64 * 1024);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.lines().rev().find(|l| !l.trim().is_empty()).map(str::to_string)
}

/// DNS, TCP and TLS to every upstream of the active configs: any HTTP
/// answer (even 401/404) proves the relay is reachable. A reachable one is
/// then asked which API it speaks ([`crate::config_edit::detect`]).
async fn check_online(file: &ConfigFile, checks: &mut Vec<Check>) {
    let Ok(client) = probe_client(ONLINE_TIMEOUT) else {
        checks.push(Check::fail("online", t_both!("doctor-online-no-client"), t_both!("doctor-online-no-client-fix")));
        return;
    };
    let mut probes = Vec::new();
    for service in Service::ALL {
        let section = file.service(service);
        let active = section.serving_config();
        let Some(cfg) = active else { continue };
        for (i, up) in cfg.upstreams.iter().enumerate() {
            let id = format!("online.{service}.{}.{i}", cfg.name);
            let url = up.base_url.clone();
            let client = client.clone();
            let name = cfg.name.clone();
            probes.push(async move {
                let result = client.head(&url).send().await;
                let detection = match &result {
                    Ok(_) => Some(detect(&client, service, &name, up).await),
                    Err(_) => None,
                };
                (id, url, service, up.protocol(service), result, detection)
            });
        }
    }
    for (id, url, service, protocol, result, detection) in futures_util::future::join_all(probes).await {
        checks.push(match result {
            Ok(resp) => {
                Check::pass(&id, t_both!("doctor-online-ok", url = url.as_str(), status = resp.status().as_u16()))
            }
            Err(e) => Check::fail(
                &id,
                t_both!("doctor-online-fail", url = url.as_str(), error = describe(&e)),
                t_both!("doctor-online-fail-fix"),
            ),
        });
        if let Some(check) = detection.and_then(|d| protocol_check(&id, &url, service, protocol, d)) {
            checks.push(check);
        }
    }
}

/// `online.….protocol`: the configured protocol answers (pass), or what to
/// set instead (warn). Nothing when the probes got no answer to judge by.
fn protocol_check(id: &str, url: &str, service: Service, protocol: Protocol, d: Detection) -> Option<Check> {
    let id = format!("{id}.protocol");
    match d.suggestion {
        Some(hint) => {
            let (path, protocol) = (path_of(protocol), protocol.to_string());
            let message = t_both!("doctor-protocol-wrong", url = url, path = path, protocol = protocol);
            Some(Check::warn(id, message, hint))
        }
        None if d.answers.contains(&protocol) => {
            let (path, native) = (path_of(protocol), protocol == Protocol::native(service));
            let protocol = protocol.to_string();
            let message = if native {
                t_both!("doctor-protocol-ok", url = url, path = path, protocol = protocol)
            } else {
                t_both!("doctor-protocol-ok-bridge", url = url, path = path, protocol = protocol)
            };
            Some(Check::pass(id, message))
        }
        None => None,
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() { "timed out".to_string() } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    s
}
