//! `ch logs` (being written).

use std::process::ExitCode;

use crate::args::LogsArgs;

pub fn run(_args: LogsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch logs` is being written")
}
