//! `ch doctor` (being written).

use std::process::ExitCode;

use crate::args::DoctorArgs;

pub fn run(_args: DoctorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ch doctor` is being written")
}
