//! `ch session list` and `ch session last`: the client's sessions for a
//! project directory, and the command that resumes the newest one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codex_helper_core::sessions::{self, SessionInfo};
use codex_helper_core::{t, Paths, Service};
use serde::Serialize;

use crate::args::{SessionCommand, SessionLastArgs, SessionListArgs};
use crate::output::print_json;

/// How much of the first message a list line shows.
const MESSAGE_CHARS: usize = 80;

pub fn run(command: SessionCommand) -> anyhow::Result<ExitCode> {
    match command {
        SessionCommand::List(args) => list(args),
        SessionCommand::Last(args) => last(args),
    }
}

/// `--json` of `ch session list`.
#[derive(Serialize)]
struct ListJson<'a> {
    service: Service,
    path: &'a Path,
    sessions: &'a [SessionInfo],
}

fn list(args: SessionListArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let dir = project_dir(args.path)?;
    let found = sessions::list(&paths, service, &dir, args.limit)?;
    if args.output.json {
        print_json(&ListJson { service, path: &dir, sessions: &found })?;
        return Ok(ExitCode::SUCCESS);
    }
    if found.is_empty() {
        outln!("{}", nothing_found(&paths, service, &dir));
        return Ok(ExitCode::SUCCESS);
    }
    let dirs: Vec<String> = found.iter().map(|s| s.display_dir(&dir)).collect();
    let width = dirs.iter().map(|d| d.chars().count()).max().unwrap_or(1);
    for (s, d) in found.iter().zip(&dirs) {
        let message = match s.summary(MESSAGE_CHARS) {
            m if m.is_empty() => t!("cli-session-no-message"),
            m => m,
        };
        outln!("{}  {}  {:<width$}  {}", sessions::local_minute(s.modified_at_ms), s.id, d, message);
    }
    Ok(ExitCode::SUCCESS)
}

fn last(args: SessionLastArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let dir = project_dir(args.path)?;
    let Some(s) = sessions::last(&paths, service, &dir)? else {
        eprintln!("{}", nothing_found(&paths, service, &dir));
        return Ok(ExitCode::from(1));
    };
    if args.output.json {
        print_json(&s)?;
        return Ok(ExitCode::SUCCESS);
    }
    let here = std::env::current_dir().unwrap_or_else(|_| dir.clone());
    outln!("{}", t!("cli-session-last", service = service.display_name(), dir = dir.display().to_string()));
    outln!("  {}", t!("cli-session-id", id = s.id.to_string()));
    outln!("  {}", t!("cli-session-dir", dir = s.cwd.display().to_string()));
    let (started, active) = (sessions::local_minute(s.started_at_ms), sessions::local_minute(s.modified_at_ms));
    outln!("  {}", t!("cli-session-started", started = started.to_string(), active = active.to_string()));
    if s.first_message.is_some() {
        outln!("  {}", t!("cli-session-first", message = s.summary(MESSAGE_CHARS)));
    }
    outln!("  {}", t!("cli-session-file", file = s.file.display().to_string()));
    outln!();
    outln!("{}", s.resume_command_from(&here));
    Ok(ExitCode::SUCCESS)
}

/// `--path`, else the current directory; canonical, and an error naming it
/// when it doesn't exist.
fn project_dir(path: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(sessions::canonical_dir(path.as_deref().unwrap_or(Path::new(".")))?)
}

fn nothing_found(paths: &Paths, service: Service, dir: &Path) -> String {
    t!(
        "cli-session-none",
        service = service.display_name(),
        dir = dir.display().to_string(),
        root = sessions::sessions_root(paths, service).display().to_string()
    )
}
