//! `ch export FILE [--with-keys]` and `ch import FILE [--replace]`: one-file
//! backups of our files (logic in core's `backup`).

use std::path::Path;
use std::process::ExitCode;

use codex_helper_core::backup::{self, Changes, ImportPlan};
use codex_helper_core::Paths;
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
    outln!(
        "wrote {}: {} config(s), {} upstream(s), {} filter rule(s), {} usage provider(s){}",
        out.path.display(),
        out.configs,
        out.upstreams,
        out.filters,
        out.providers,
        if out.settings { ", settings" } else { "" }
    );
    if out.with_keys {
        outln!("it holds your keys: written 0600; keep it private");
    } else {
        outln!("keys left out (add --with-keys to include them)");
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
        super::import::confirm(if args.replace {
            "replace your files with these?"
        } else {
            "merge these into your files?"
        })?;
    }
    let written = backup::apply(paths, &plan)?;
    if args.output.json {
        print_json(&Output { plan: &plan, written: Some(written) })?;
    } else {
        outln!("wrote {}", written.join(", "));
        outln!(
            "undo config.json with `ch config undo`; the replaced version of every file written is kept in {}",
            paths.helper_dir().join("history").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(plan: &ImportPlan, file: &Path) {
    outln!("from {} ({}):", file.display(), if plan.replace { "replace" } else { "merge" });
    let d = &plan.diff;
    for (what, c) in [
        ("config", &d.configs),
        ("upstream", &d.upstreams),
        ("filter", &d.filters),
        ("provider", &d.providers),
        ("setting", &d.settings),
    ] {
        show_changes(what, c);
    }
    for k in &plan.without_key {
        outln!("  ! no key: {k} (the backup has none and no stored upstream matches; add one with `ch config`)");
    }
    if d.is_empty() {
        outln!("nothing to change");
    }
}

fn show_changes(what: &str, c: &Changes) {
    for (sign, list) in [("+", &c.added), ("~", &c.changed), ("-", &c.removed)] {
        for item in list {
            outln!("  {sign} {what} {item}");
        }
    }
}
