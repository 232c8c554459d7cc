//! One module per command.

pub mod backup;
pub mod bootstrap;
pub mod config;
pub mod default;
pub mod doctor;
pub mod import;
pub mod logs;
pub mod oneshot;
pub mod serve;
pub mod session;
pub mod speedtest;
pub mod status;
pub mod switch;
pub mod usage;

use codex_helper_core::config::ConfigStore;
use codex_helper_core::{Paths, Service};

use crate::args::ServiceArgs;

/// The service a command targets: the flag, else `default_service`, else
/// Codex.
pub fn pick_service(args: ServiceArgs, paths: &Paths) -> anyhow::Result<Service> {
    if args.claude {
        return Ok(Service::Claude);
    }
    if args.codex {
        return Ok(Service::Codex);
    }
    let config = ConfigStore::new(paths).load()?;
    Ok(config.default_service.unwrap_or(Service::Codex))
}
