//! `--help` in the language being spoken. clap derives the English from
//! the doc comments in [`crate::args`]; in another language the derived
//! command tree is rewritten from the catalogue (`core/i18n/<lang>/help.ftl`,
//! see `codex_helper_core::i18n::help`) before parsing, so `ch --help`,
//! `ch switch on --help` and `ch help config` all speak it. English is left
//! exactly as derived.

use clap::{Arg, Command, CommandFactory, FromArgMatches};
use codex_helper_core::i18n::help::help_text;
use codex_helper_core::i18n::{lang, Lang};

use crate::args::Cli;

/// Parse the command line; `--help` and usage errors print and exit here.
/// The language must already be set ([`crate::set_language`]).
pub(crate) fn parse() -> Cli {
    let matches = command(lang()).try_get_matches().unwrap_or_else(|e| crate::usage_error::exit(e));
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| crate::usage_error::exit(e))
}

/// "Usage: " in the language being spoken, for usage errors.
pub(crate) fn usage_heading() -> String {
    headings(lang()).usage.clone()
}

/// The command tree, its texts in `lang`.
pub(crate) fn command(lang: Lang) -> Command {
    let mut cmd = Cli::command();
    if lang == Lang::En {
        return cmd;
    }
    // Building first adds what clap adds by itself (`-h`, `-V`, the `help`
    // subcommand, global flags copied into every subcommand), so those get
    // translated too.
    cmd.build();
    translate(cmd, lang, &[])
}

/// The catalogue id of the command at `path` (names below `ch`):
/// `help-ch`, `help-config-set-active`. Every `help` subcommand clap adds
/// is `help-help`, and the copies of the tree under it (`ch help config
/// add`, `ch config help add`) share the commands' own ids.
pub(crate) fn id(path: &[String]) -> String {
    if path.last().is_some_and(|last| last == "help") {
        return "help-help".to_string();
    }
    let path: Vec<&str> = path.iter().map(String::as_str).filter(|name| *name != "help").collect();
    if path.is_empty() {
        "help-ch".to_string()
    } else {
        format!("help-{}", path.join("-"))
    }
}

/// The attribute of `arg`'s help under its command's id, or under
/// `help-common`: `(specific, common)`. clap's own `-h` says "see more" in
/// commands that have long help: a text of its own.
pub(crate) fn arg_attrs(arg: &Arg) -> (String, String) {
    let id = arg.get_id().as_str();
    let more = arg.get_help().is_some_and(|h| h.to_string().contains("see more with"));
    let common = if more { format!("{id}-more") } else { id.to_string() };
    (format!("arg-{id}"), common)
}

fn translate(cmd: Command, lang: Lang, path: &[String]) -> Command {
    let id = id(path);
    let text = |attr: Option<&str>| help_text(lang, &id, attr);
    let mut cmd = cmd
        .help_template(template(lang))
        .subcommand_help_heading(headings(lang).commands)
        .mut_args(|arg| translate_arg(arg, lang, &id));
    if cmd.get_about().is_some() {
        if let Some(about) = text(None) {
            cmd = cmd.about(about);
        }
    }
    if cmd.get_long_about().is_some() {
        if let Some(long) = text(Some("long")) {
            cmd = cmd.long_about(long);
        }
    }
    cmd.mut_subcommands(|sub| {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name().to_string());
        translate(sub, lang, &sub_path)
    })
}

fn translate_arg(arg: Arg, lang: Lang, id: &str) -> Arg {
    let (specific, common) = arg_attrs(&arg);
    let text = |suffix: &str| {
        help_text(lang, id, Some(&format!("{specific}{suffix}")))
            .or_else(|| help_text(lang, "help-common", Some(&format!("{common}{suffix}"))))
    };
    let h = headings(lang);
    let heading = if arg.is_positional() { h.arguments } else { h.options };
    let mut arg = arg.help_heading(heading);
    if arg.get_help().is_some() {
        if let Some(help) = text("") {
            arg = arg.help(help);
        }
    }
    if arg.get_long_help().is_some() {
        if let Some(long) = text("-long") {
            arg = arg.long_help(long);
        }
    }
    arg
}

/// clap's own words around the texts, in the one language besides English:
/// the section headings and "Usage:". clap wants headings `'static`, so
/// they are made once per process.
struct Headings {
    usage: String,
    commands: &'static str,
    arguments: &'static str,
    options: &'static str,
}

fn headings(lang: Lang) -> &'static Headings {
    static HEADINGS: std::sync::OnceLock<Headings> = std::sync::OnceLock::new();
    HEADINGS.get_or_init(|| {
        let word = |which: &'static str| help_text(lang, "help-headings", Some(which)).unwrap_or(which.to_string());
        let leak = |which| &*Box::leak(word(which).into_boxed_str());
        Headings {
            usage: word("usage"),
            commands: leak("commands"),
            arguments: leak("arguments"),
            options: leak("options"),
        }
    })
}

fn template(lang: Lang) -> String {
    // clap's default template, with its "Usage:" heading in `lang` (which
    // brings its own spacing, "用法: " as clap puts a space after "Usage:").
    format!("{{before-help}}{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}", headings(lang).usage)
}

#[cfg(test)]
mod tests;
