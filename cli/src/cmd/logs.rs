//! `ch logs [--tail N] [--follow] [--service S] [--json]`: the request log,
//! readable by default, raw JSON lines with `--json`.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use codex_helper_core::config::error::display_path;
use codex_helper_core::logs::reader::readable;
use codex_helper_core::logs::tail::FOLLOW_EVERY;
use codex_helper_core::logs::{LogFilter, RequestRecord, Tail};
use codex_helper_core::{Paths, Service};

use crate::args::LogsArgs;

pub fn run(args: LogsArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    // Lines written by an older version may hold a key an upstream echoed.
    codex_helper_core::redact::remember_configured(&paths);
    let service: Option<Service> = args.service.as_deref().map(str::parse).transpose()?;
    let path = paths.request_log();
    let mut tail = Tail::open(&path, LogFilter::service(service))?;
    let lines = tail.last_lines(args.tail)?;
    if !path.exists() && !args.follow {
        eprintln!("{}", codex_helper_core::t!("cli-logs-none", file = display_path(&path)));
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = io::stdout().lock();
    if !print(&mut out, &path, &lines, args.json)? {
        return Ok(ExitCode::SUCCESS);
    }
    if args.follow {
        tail.follow_blocking(FOLLOW_EVERY, |new| print(&mut out, &path, new, args.json))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Print `lines`; false when the reader went away (`ch logs | head`).
fn print(out: &mut impl Write, path: &Path, lines: &[String], json: bool) -> anyhow::Result<bool> {
    let result = (|| {
        for raw in lines {
            let line = &*codex_helper_core::redact::scrub(raw);
            if json {
                writeln!(out, "{line}")?;
            } else {
                match serde_json::from_str::<RequestRecord>(line) {
                    Ok(rec) => writeln!(out, "{}", readable(&rec))?,
                    // A torn or hand-edited line must not hide the others,
                    // nor flood the terminal: a short note, the rest goes on.
                    // (`--json` passes every line through as it is.)
                    Err(e) => eprintln!(
                        "{}",
                        codex_helper_core::t!(
                            "cli-logs-bad-line",
                            place = place(path, raw, &e),
                            error = e.to_string(),
                            excerpt = excerpt(line)
                        )
                    ),
                }
            }
        }
        out.flush()
    })();
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// `file:line:column` of a bad line (the column from the JSON error), or
/// just the file if the line is no longer there.
fn place(current: &Path, raw: &str, e: &serde_json::Error) -> String {
    match codex_helper_core::logs::reader::locate_line(current, raw) {
        Some((file, n)) => format!("{}:{n}:{}", display_path(&file), e.column()),
        None => display_path(current),
    }
}

/// The start of a bad line, control characters escaped so it cannot drive
/// the terminal.
fn excerpt(line: &str) -> String {
    const SHOWN: usize = 60;
    let mut s: String = line.chars().take(SHOWN).flat_map(char::escape_debug).collect();
    if line.chars().nth(SHOWN).is_some() {
        s.push('…');
    }
    s
}
