//! `ch import cc-switch` / `ch import codex-helper`: another tool's relays
//! as configs (plan, ask, write); `ch import FILE`: see `backup`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use codex_helper_core::config::ConfigStore;
use codex_helper_core::import::{self, Applied, Plan, Source};
use codex_helper_core::{t, Paths};
use serde::Serialize;

use crate::args::ImportArgs;
use crate::output::print_json;

/// `ch import cc-switch --json`: the plan, and what was written (`null`
/// when nothing was, e.g. an empty plan).
#[derive(Serialize)]
struct Output<'a> {
    plan: &'a Plan,
    applied: Option<Applied>,
}

pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    match args.source.as_str() {
        "cc-switch" => from_tool(&paths, Source::CcSwitch, &args),
        "codex-helper" => from_tool(&paths, Source::CodexHelper, &args),
        file => super::backup::import(&paths, Path::new(file), &args),
    }
}

/// cc-switch's store or the original codex-helper's `config.toml` (or
/// --db PATH): plan, show, ask, write.
fn from_tool(paths: &Paths, source: Source, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let store = ConfigStore::new(paths);
    let plan = import::plan(paths, source, args.db.as_deref())?;
    let path = plan.source.clone();
    if !args.output.json {
        let tool = match source {
            Source::CodexHelper => t!("cli-import-tool-original"),
            other => other.tool_name().to_string(),
        };
        show(&plan, &path, &tool);
    }
    if plan.configs.is_empty() {
        if args.output.json {
            print_json(&Output { plan: &plan, applied: None })?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        confirm(&t!("cli-import-confirm"))?;
    }
    let applied = import::apply(&store, &plan)?;
    if args.output.json {
        print_json(&Output { plan: &plan, applied: Some(applied) })?;
    } else {
        let file = paths.config_file().display().to_string();
        outln!("{}", t!("cli-import-added", count = applied.added.len(), file = file));
        for a in &applied.activated {
            outln!("  {}", t!("cli-import-now-active", config = a.to_string()));
        }
        outln!("{}", t!("cli-import-undo"));
    }
    Ok(ExitCode::SUCCESS)
}

fn show(plan: &Plan, path: &Path, tool: &str) {
    outln!("{}", t!("cli-import-from", file = path.display().to_string(), format = plan.format.to_string()));
    for c in &plan.configs {
        let key = c.key.clone().unwrap_or_else(|| t!("cli-import-key-none"));
        outln!(
            "  + {}/{}  {}  {}{}{}",
            c.service,
            c.name,
            c.base_url,
            t!("cli-import-key", key = key),
            match c.config.upstreams.len() {
                0 | 1 => String::new(),
                n => format!("  {}", t!("cli-import-more", count = n - 1)),
            },
            if c.current { format!("  {}", t!("cli-import-current", tool = tool)) } else { String::new() }
        );
    }
    for s in &plan.skipped {
        let (app, name, reason) = (s.app.to_string(), s.name.to_string(), s.reason.to_string());
        outln!("  - {}", t!("cli-import-skipped", app = app, name = name, reason = reason));
    }
    if plan.configs.is_empty() {
        outln!("{}", t!("cli-import-nothing"));
    }
}

/// Asks on the terminal; refuses when there is none to ask on.
pub(crate) fn confirm(question: &str) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(t!("cli-confirm-no-terminal"));
    }
    eprint!("{}", t!("cli-confirm-prompt", question = question));
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    if !matches!(line.trim(), "y" | "Y" | "yes") {
        bail!(t!("cli-confirm-declined"));
    }
    Ok(())
}
