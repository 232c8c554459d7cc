//! `ch config` (being written).

use std::process::ExitCode;

use crate::args::ConfigCommand;

pub fn run(_args: ConfigCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch config` is being written")
}
