//! clap's usage errors (`ch swich on`, `ch usage --days x`) in the language
//! being spoken. English is clap's own rendering, untouched; another
//! language says the same from the catalogue (`cli-usage-*`), built from the
//! error's context: the argument, the value, what clap suggests. Causes
//! clap quotes from a value parser ("99999 is not in 1..=65535") and its
//! rarer kinds stay as clap words them.

use std::fmt::Write as _;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use codex_helper_core::i18n::{lang, Lang};
use codex_helper_core::t;

/// Print `err` the way clap would, in the language being spoken, and exit
/// with clap's code (2 for a usage error, 0 for `--help` / `--version`).
pub(crate) fn exit(err: clap::Error) -> ! {
    let own = matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if lang() == Lang::En || own {
        // Help and version are already in the language (see `help`).
        err.exit()
    }
    eprint!("{}", render(&err));
    std::process::exit(2)
}

/// The error as clap lays it out: the message, suggestions, the usage line
/// and where to read more.
pub(crate) fn render(err: &clap::Error) -> String {
    let mut out = format!("{}: {}", t!("error-prefix"), message(err));
    let similar = [
        (ContextKind::SuggestedSubcommand, t!("cli-usage-similar-subcommand")),
        (ContextKind::SuggestedArg, t!("cli-usage-similar-argument")),
        (ContextKind::SuggestedValue, t!("cli-usage-similar-value")),
    ];
    let mut tips: Vec<String> = similar
        .into_iter()
        .filter_map(|(kind, what)| Some(t!("cli-usage-did-you-mean", what = what, value = list(err.get(kind)?)?)))
        .collect();
    if let Some(ContextValue::StyledStrs(suggestions)) = err.get(ContextKind::Suggested) {
        tips.extend(suggestions.iter().map(|s| s.to_string()));
    }
    if !tips.is_empty() {
        out.push('\n');
        for tip in tips {
            let _ = write!(out, "\n  {} {tip}", t!("cli-usage-tip"));
        }
    }
    if let Some(ContextValue::StyledStr(usage)) = err.get(ContextKind::Usage) {
        let usage = usage.to_string();
        let usage = usage
            .strip_prefix("Usage: ")
            .map_or(usage.clone(), |rest| format!("{}{rest}", crate::help::usage_heading()));
        let _ = write!(out, "\n\n{usage}");
    }
    let _ = writeln!(out, "\n\n{}", t!("cli-usage-more"));
    out
}

/// What is wrong, from the error's kind and context.
fn message(err: &clap::Error) -> String {
    let get = |kind| err.get(kind).and_then(list);
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let value = get(ContextKind::InvalidValue);
    let said = match err.kind() {
        ErrorKind::UnknownArgument => Some(t!("cli-usage-unknown-argument", arg = arg)),
        ErrorKind::InvalidSubcommand => {
            get(ContextKind::InvalidSubcommand).map(|name| t!("cli-usage-unknown-subcommand", name = name))
        }
        ErrorKind::InvalidValue => Some(match value.as_deref() {
            None | Some("") => t!("cli-usage-value-required", arg = arg),
            Some(value) => {
                let mut text = t!("cli-usage-invalid-value", arg = arg.as_str(), value = value);
                if let Some(values) = get(ContextKind::ValidValue) {
                    let _ = write!(text, "\n  [{}]", t!("cli-usage-possible-values", values = values));
                }
                text
            }
        }),
        ErrorKind::ValueValidation => value.map(|value| {
            let cause = std::error::Error::source(err).map(|s| s.to_string()).unwrap_or_default();
            t!("cli-usage-invalid-value-because", arg = arg.as_str(), value = value, cause = cause)
        }),
        ErrorKind::MissingRequiredArgument => {
            get(ContextKind::InvalidArg).map(|args| t!("cli-usage-missing-required", args = args))
        }
        ErrorKind::MissingSubcommand => {
            get(ContextKind::InvalidSubcommand).map(|name| t!("cli-usage-missing-subcommand", name = name))
        }
        ErrorKind::ArgumentConflict => {
            let prior = get(ContextKind::PriorArg);
            Some(match prior {
                Some(prior) if prior == arg => t!("cli-usage-repeated", arg = arg),
                Some(prior) => t!("cli-usage-conflict", arg = arg, other = prior),
                None => t!("cli-usage-conflict-others", arg = arg),
            })
        }
        ErrorKind::NoEquals => Some(t!("cli-usage-no-equals", arg = arg)),
        ErrorKind::TooManyValues => {
            value.map(|value| t!("cli-usage-too-many-values", arg = arg.as_str(), value = value))
        }
        _ => None,
    };
    // The rest (wrong numbers of values, invalid UTF-8) as clap words it.
    said.unwrap_or_else(|| {
        let english = err.render().to_string();
        let first = english.lines().next().unwrap_or_default();
        first.strip_prefix("error: ").unwrap_or(first).to_string()
    })
}

/// A context value as text: one value, or several joined with ", ".
fn list(value: &ContextValue) -> Option<String> {
    match value {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) if !v.is_empty() => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) if !v.is_empty() => {
            Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "))
        }
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_helper_core::i18n::with_lang;

    fn zh(args: &[&str]) -> String {
        with_lang(Lang::ZhCn, || {
            let err = crate::help::command(Lang::ZhCn).try_get_matches_from(args).expect_err("a usage error");
            render(&err)
        })
    }

    #[test]
    fn usage_errors_speak_chinese_and_keep_what_they_name() {
        let text = zh(&["ch", "swich"]);
        assert!(text.starts_with("错误: 无法识别的子命令 'swich'"), "{text}");
        assert!(text.contains("'switch'") && text.contains("提示"), "the suggestion stays: {text}");
        assert!(text.contains("用法: ch") && text.contains("更多信息"), "{text}");

        let text = zh(&["ch", "usage", "--dayz", "3"]);
        assert!(text.contains("意外的参数 '--dayz'") && text.contains("'--days'"), "{text}");

        let text = zh(&["ch", "serve", "--port", "99999"]);
        assert!(text.contains("'--port <N>'") && text.contains("'99999'"), "{text}");
        assert!(text.contains("99999 is not in 0..=65535"), "the parser's own cause is kept: {text}");

        let text = zh(&["ch", "switch", "on", "--codex", "--claude"]);
        assert!(text.contains("不能与") && text.contains("--codex") && text.contains("--claude"), "{text}");

        let text = zh(&["ch", "config", "add"]);
        assert!(text.contains("缺少以下必需的参数") && text.contains("<NAME>"), "{text}");
        for line in text.lines() {
            assert!(!line.starts_with("error:") && !line.starts_with("Usage:"), "English left: {text}");
        }
    }

    #[test]
    fn english_is_clap_s_own_rendering() {
        // `exit` hands English errors to clap untouched; the catalogue's
        // English says what clap says, for the same arguments.
        let err = crate::help::command(Lang::En).try_get_matches_from(["ch", "swich"]).unwrap_err();
        let clap = err.render().to_string();
        let ours = with_lang(Lang::En, || render(&err));
        assert!(clap.starts_with("error: unrecognized subcommand 'swich'"), "{clap}");
        assert_eq!(ours.lines().next(), clap.lines().next());
    }
}
