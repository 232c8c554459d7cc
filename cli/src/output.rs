//! Printing results: readable text by default, one JSON document with
//! `--json`. The shapes printed with `--json` are documented in README.md
//! and are a contract for scripts and the desktop app.

use std::io::Write;

use serde::Serialize;

/// `println!` for command output: a closed stdout (`ch config list | head
/// -1`) ends the command quietly with exit 0 instead of panicking (101).
macro_rules! outln {
    () => { $crate::output::write_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::output::write_line(format_args!($($arg)*)) };
}

/// A value from a file someone may have edited by hand (name, alias, URL,
/// tag), made safe for a terminal: control characters (ESC sequences,
/// CR/LF, other C0/C1, DEL) are shown escaped (`\u{1b}`, `\n`), never raw.
pub fn shown(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().any(char::is_control) {
        std::borrow::Cow::Owned(
            value.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// Write one line of command output on stdout. On a broken pipe the reader
/// has seen all it wants: exit 0 at once, as ripgrep does, since nothing
/// more we print can reach anyone. Other write errors are dropped like the
/// rest of the line: the command's work is done, only its report is lost.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    // Last line of defence for values [`shown`] missed: no ESC or CR ever
    // reaches the terminal (our own text only uses \n and \t).
    let mut line = args.to_string();
    if line.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        line = line
            .chars()
            .map(
                |c| if c.is_control() && c != '\n' && c != '\t' { c.escape_debug().to_string() } else { c.to_string() },
            )
            .collect();
    }
    line.push('\n');
    let mut out = std::io::stdout().lock();
    let written = out.write_all(line.as_bytes()).and_then(|()| out.flush());
    if let Err(err) = written {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// Print `value` as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    outln!("{text}");
    Ok(())
}

/// Print a line on stdout, ignoring a closed stdout: a long-running proxy
/// must not die because whoever started it stopped reading.
pub fn say(text: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Stderr for tracing: each event (the fmt layer writes one whole line per
/// call) goes through the core's scrubber, so no key reaches the terminal
/// or a captured log even at trace level.
pub struct ScrubbedStderr;

impl Write for ScrubbedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().lock().write_all(codex_helper_core::redact::scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// A service's or the app's level in words (`--json` keeps the English
/// word, the same as the tray icon's rule).
pub fn level_word(level: codex_helper_core::report::Level) -> String {
    use codex_helper_core::report::Level;
    match level {
        Level::Off => codex_helper_core::t!("level-off"),
        Level::Serving => codex_helper_core::t!("level-serving"),
        Level::Degraded => codex_helper_core::t!("level-degraded"),
        Level::Down => codex_helper_core::t!("level-down"),
    }
}

/// How many terminal columns `s` takes: CJK characters (and full-width
/// forms) take two, so tables of Chinese headings still line up.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}
