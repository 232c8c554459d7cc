//! `ch default [--codex|--claude] [--json]`: show or set the service that
//! commands act on when neither flag is given.

use std::process::ExitCode;

use codex_helper_core::config::ConfigStore;
use codex_helper_core::config_edit::{self, DefaultService};
use codex_helper_core::{Paths, Service};

use crate::args::DefaultArgs;
use crate::output::print_json;

pub fn run(args: DefaultArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let store = ConfigStore::new(&paths);
    let chosen = match (args.service.codex, args.service.claude) {
        (true, _) => Some(Service::Codex),
        (_, true) => Some(Service::Claude),
        _ => None,
    };
    let current = match chosen {
        Some(service) => config_edit::set_default_service(&store, service)?,
        None => DefaultService::of(&store.load()?),
    };
    if args.output.json {
        print_json(&current)?;
    } else if current.default_service.is_none() {
        outln!("{}", codex_helper_core::t!("cli-default-not-set", service = current.effective.to_string()));
    } else {
        outln!("{}", current.effective);
    }
    Ok(ExitCode::SUCCESS)
}
