//! `ch bootstrap` (being written).

use std::process::ExitCode;

use crate::args::BootstrapArgs;

pub fn run(_args: BootstrapArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch bootstrap` is being written")
}
