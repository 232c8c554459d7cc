//! `ch usage` (being written).

use std::process::ExitCode;

use crate::args::UsageArgs;

pub fn run(_args: UsageArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch usage` is being written")
}
