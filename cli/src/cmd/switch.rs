//! `ch switch` (being written).

use std::process::ExitCode;

use crate::args::SwitchCommand;

pub fn run(_args: SwitchCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch switch` is being written")
}
