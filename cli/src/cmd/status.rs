//! `ch status` (being written).

use std::process::ExitCode;

use crate::args::StatusArgs;

pub fn run(_args: StatusArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch status` is being written")
}
