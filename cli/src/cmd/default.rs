//! `ch default` (being written).

use std::process::ExitCode;

use crate::args::DefaultArgs;

pub fn run(_args: DefaultArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch default` is being written")
}
