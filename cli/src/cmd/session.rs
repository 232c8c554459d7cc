//! `ch session` (being written).

use std::process::ExitCode;

use crate::args::SessionCommand;

pub fn run(_args: SessionCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch session` is being written")
}
