//! The `ch` / `codex-helper` command line: parse arguments, call the core,
//! print the result. No logic of its own lives here.

#[macro_use]
mod output;
mod args;
mod cmd;
mod help;
mod usage_error;

use std::process::ExitCode;

use args::{Cli, Command};

/// Run the CLI and turn the outcome into an exit code: 0 on success, 1 on
/// error (the whole error chain printed), 2 for usage errors (clap).
pub fn main() -> ExitCode {
    // The language first: `--help` and usage errors print while parsing.
    set_language();
    let cli = help::parse();
    init_tracing(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let prefix = codex_helper_core::t!("error-prefix");
            eprintln!("{prefix}: {}", codex_helper_core::redact::scrub(&render(&err)));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes on one line, like anyhow's `{:#}`, but without
/// repeating a cause whose text the message already contains (many core
/// errors say their cause in their own words). Core's errors speak the
/// language being spoken (their `Display` is English, for logs); so does a
/// core error inside another, which then is already part of the outer text.
fn render(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = codex_helper_core::i18n::localize_error(cause).unwrap_or_else(|| cause.to_string());
        if out.is_empty() {
            out = text;
        } else if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => cmd::oneshot::run(cli.serve),
        Some(Command::Serve(args)) => cmd::serve::run(args),
        Some(Command::Switch(c)) => cmd::switch::run(c),
        Some(Command::Config(c)) => cmd::config::run(c),
        Some(Command::Default(a)) => cmd::default::run(a),
        Some(Command::Bootstrap(a)) => cmd::bootstrap::run(a),
        Some(Command::Session(c)) => cmd::session::run(c),
        Some(Command::Usage(a)) => cmd::usage::run(a),
        Some(Command::Logs(a)) => cmd::logs::run(a),
        Some(Command::Test(a)) => cmd::speedtest::run(a),
        Some(Command::Status(a)) => cmd::status::run(a),
        Some(Command::Doctor(a)) => cmd::doctor::run(a),
        Some(Command::Import(a)) => cmd::import::run(a),
        Some(Command::Export(a)) => cmd::backup::export(a),
    }
}

/// Human output speaks `CODEX_HELPER_LANG`, else settings.json's
/// `language`, else the locale (core decides; `--json` is English
/// whatever it says). A settings.json that does not load leaves it to env
/// and locale: the command itself reports the broken file.
fn set_language() {
    use codex_helper_core::i18n::{set_lang, Lang, LanguagePref};
    let pref = codex_helper_core::Paths::from_env()
        .ok()
        .and_then(|paths| codex_helper_core::config::Settings::load(&paths).ok())
        .map_or(LanguagePref::Auto, |s| s.language);
    set_lang(Lang::current(pref));
}

/// Diagnostics go to stderr; `CODEX_HELPER_LOG` (an `EnvFilter` string)
/// overrides the level, `-v` raises it.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn,codex_helper_core=info,codex_helper_cli=info",
        1 => "info,codex_helper_core=debug,codex_helper_cli=debug",
        _ => "debug",
    };
    let filter = std::env::var("CODEX_HELPER_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| output::ScrubbedStderr)
        .with_target(false)
        .try_init();
}
