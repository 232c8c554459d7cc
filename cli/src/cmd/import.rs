//! `ch import cc-switch` / `ch import codex-helper`: another tool's relays
//! as configs (plan, ask, write); `ch import FILE`: see `backup`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use codex_helper_core::config::ConfigStore;
use codex_helper_core::import::{self, Applied, Plan, Source};
use codex_helper_core::Paths;
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
        show(&plan, &path, source.tool_name());
    }
    if plan.configs.is_empty() {
        if args.output.json {
            print_json(&Output { plan: &plan, applied: None })?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        confirm("import these into config.json?")?;
    }
    let applied = import::apply(&store, &plan)?;
    if args.output.json {
        print_json(&Output { plan: &plan, applied: Some(applied) })?;
    } else {
        outln!("added {} config(s) to {}", applied.added.len(), paths.config_file().display());
        for a in &applied.activated {
            outln!("  {a} is now active");
        }
        outln!("undo with `ch config undo`");
    }
    Ok(ExitCode::SUCCESS)
}

fn show(plan: &Plan, path: &Path, tool: &str) {
    outln!("from {} ({}):", path.display(), plan.format);
    for c in &plan.configs {
        outln!(
            "  + {}/{}  {}  key {}{}{}",
            c.service,
            c.name,
            c.base_url,
            c.key.as_deref().unwrap_or("none"),
            match c.config.upstreams.len() {
                0 | 1 => String::new(),
                n => format!("  (+{} more upstream(s))", n - 1),
            },
            if c.current { format!("  (current in {tool})") } else { String::new() }
        );
    }
    for s in &plan.skipped {
        outln!("  - not imported: {} `{}`: {}", s.app, s.name, s.reason);
    }
    if plan.configs.is_empty() {
        outln!("nothing to import");
    }
}

/// Asks on the terminal; refuses when there is none to ask on.
pub(crate) fn confirm(question: &str) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("stdin is not a terminal, so I cannot ask before writing; run again with --yes to import without asking");
    }
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    if !matches!(line.trim(), "y" | "Y" | "yes") {
        bail!("nothing imported (answer y to import, or pass --yes)");
    }
    Ok(())
}
