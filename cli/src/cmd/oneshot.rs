//! `ch oneshot` (being written).

use std::process::ExitCode;

use crate::args::ServeArgs;

pub fn run(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch oneshot` is being written")
}
