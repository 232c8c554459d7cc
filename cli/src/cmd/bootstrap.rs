//! `ch bootstrap`: import a config from the client's own settings.

use std::process::ExitCode;

use codex_helper_core::bootstrap::{self, Imported};
use codex_helper_core::{t, Paths, Service};
use serde::Serialize;

use crate::args::BootstrapArgs;
use crate::output::print_json;

/// `ch bootstrap --json`.
#[derive(Serialize)]
struct Output {
    service: Service,
    /// `null` when the service already had a config.
    imported: Option<Imported>,
}

pub fn run(args: BootstrapArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let imported = bootstrap::bootstrap(&paths, service)?;
    if args.output.json {
        print_json(&Output { service, imported })?;
        return Ok(ExitCode::SUCCESS);
    }
    match imported {
        None => outln!(
            "{}",
            t!(
                "cli-bootstrap-has-config",
                service = service.display_name(),
                file = paths.config_file().display().to_string()
            )
        ),
        Some(i) => {
            let (config, source) = (i.name.to_string(), i.source.to_string());
            outln!(
                "{}",
                t!("cli-bootstrap-imported", service = service.display_name(), config = config, source = source)
            );
            outln!("  base_url: {}", i.base_url);
            match (&i.key_field, &i.key) {
                (Some(field), Some(key)) => outln!("  {field}: {key}"),
                _ => outln!("  {}", t!("cli-bootstrap-no-key")),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
