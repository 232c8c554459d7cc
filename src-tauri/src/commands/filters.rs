//! The filter-rules editor: filter.json's rules as rows, saved through
//! core's checks, and a "try it" preview computed by core's own filter code.

use codex_helper_core::filter::edit::{self, FilterEditError, FilterPreview, RuleRow};
use serde::Deserialize;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

impl From<FilterEditError> for CommandError {
    fn from(err: FilterEditError) -> CommandError {
        let message = codex_helper_core::i18n::Localized::localized(&err);
        match err {
            // `rules[1].source`: the row and field the form marks.
            FilterEditError::Rule { index, field, .. } => {
                CommandError::invalid(&format!("rules[{index}].{field}"), message)
            }
            FilterEditError::File(_) => {
                CommandError::Config { file: "~/.codex-helper/filter.json".into(), line: None, key: None, message }
            }
            FilterEditError::Write { path, .. } => CommandError::Io { path: Some(path.display().to_string()), message },
            _ => CommandError::failed(message),
        }
    }
}

/// The rules in filter.json, in the order they apply.
#[tauri::command]
#[specta::specta]
pub fn list_filter_rules(state: State<'_, WindowState>) -> CmdResult<Vec<RuleRow>> {
    Ok(edit::read_rules(&state.paths.filter_file())?)
}

/// Replace filter.json's rules (a running proxy applies them within a second).
#[tauri::command]
#[specta::specta]
pub fn save_filter_rules(state: State<'_, WindowState>, rules: Vec<RuleRow>) -> CmdResult<()> {
    Ok(edit::save_rules(&state.paths.filter_file(), &rules)?)
}

/// What [`preview_filters`] runs.
#[derive(Debug, Deserialize, specta::Type)]
pub struct PreviewFiltersArgs {
    /// The rules as the form has them (not necessarily saved).
    pub rules: Vec<RuleRow>,
    pub sample: String,
}

/// A sample text before and after `rules`, as the proxy would filter it.
#[tauri::command]
#[specta::specta]
pub fn preview_filters(args: PreviewFiltersArgs) -> CmdResult<FilterPreview> {
    Ok(edit::preview(&args.rules, &args.sample)?)
}
