//! Printing results: readable text by default, one JSON document with
//! `--json`. The shapes printed with `--json` are documented in README.md
//! and are a contract for scripts and the desktop app.

use serde::Serialize;

/// Print `value` as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
}

/// Print a line on stdout, ignoring a closed stdout: a long-running proxy
/// must not die because whoever started it stopped reading.
pub fn say(text: impl std::fmt::Display) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}
