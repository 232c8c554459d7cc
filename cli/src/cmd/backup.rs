//! `ch export FILE [--with-keys]` and `ch import FILE [--replace]`: one-file
//! backups of our files (logic in core's `backup`).

use std::path::Path;
use std::process::ExitCode;

use codex_helper_core::backup::{self, Changes, ImportPlan};
use codex_helper_core::{t, Paths};
use serde::Serialize;

use crate::args::{ExportArgs, ImportArgs};
use crate::output::print_json;

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let out = backup::export(&paths, &args.file, args.with_keys)?;
    if args.output.json {
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let wrote = t!(
        "cli-export-wrote",
        file = out.path.display().to_string(),
        configs = out.configs,
        upstreams = out.upstreams,
        filters = out.filters,
        providers = out.providers
    );
    outln!("{wrote}{}", if out.settings { t!("cli-export-with-settings") } else { String::new() });
    if out.with_keys {
        outln!("{}", t!("cli-export-with-keys"));
    } else {
        outln!("{}", t!("cli-export-without-keys"));
    }
    Ok(ExitCode::SUCCESS)
}

/// `ch import FILE --json`: the plan, and which files were written (`null`
/// when nothing was).
#[derive(Serialize)]
struct Output<'a> {
    plan: &'a ImportPlan,
    written: Option<Vec<String>>,
}

pub fn import(paths: &Paths, file: &Path, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let read = backup::read(file)?;
    let plan = backup::plan(paths, &read, args.replace)?;
    if !args.output.json {
        show(&plan, file);
    }
    if plan.diff.is_empty() {
        if args.output.json {
            print_json(&Output { plan: &plan, written: None })?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        super::import::confirm(&if args.replace { t!("cli-backup-replace-q") } else { t!("cli-backup-merge-q") })?;
    }
    let written = backup::apply(paths, &plan)?;
    if args.output.json {
        print_json(&Output { plan: &plan, written: Some(written) })?;
    } else {
        outln!("{}", t!("cli-backup-wrote", files = written.join(", ")));
        outln!("{}", t!("cli-backup-undo", dir = paths.helper_dir().join("history").display().to_string()));
    }
    Ok(ExitCode::SUCCESS)
}

fn show(plan: &ImportPlan, file: &Path) {
    let file = file.display().to_string();
    if plan.replace {
        outln!("{}", t!("cli-backup-from-replace", file = file));
    } else {
        outln!("{}", t!("cli-backup-from-merge", file = file));
    }
    let d = &plan.diff;
    for (what, c) in [
        (t!("cli-backup-what-config"), &d.configs),
        (t!("cli-backup-what-upstream"), &d.upstreams),
        (t!("cli-backup-what-filter"), &d.filters),
        (t!("cli-backup-what-provider"), &d.providers),
        (t!("cli-backup-what-setting"), &d.settings),
    ] {
        show_changes(&what, c);
    }
    for k in &plan.without_key {
        outln!("  ! {}", t!("cli-backup-no-key", upstream = k.to_string()));
    }
    if d.is_empty() {
        outln!("{}", t!("cli-backup-nothing"));
    }
}

fn show_changes(what: &str, c: &Changes) {
    for (sign, list) in [("+", &c.added), ("~", &c.changed), ("-", &c.removed)] {
        for item in list {
            outln!("  {sign} {what} {item}");
        }
    }
}
