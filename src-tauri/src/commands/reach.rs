//! Taking a setup over and keeping it safe: import from cc-switch or the
//! original codex-helper, export/import a backup, undo the last change, and
//! the first-run offers. Each is plan (shown) then apply, over core's
//! `import`, `backup`, `undo`, `bootstrap` and `first_run`, the same calls
//! `ch import`, `ch export`, `ch config undo` and `ch bootstrap` make.

use codex_helper_core::backup::{self, Exported, ImportPlan};
use codex_helper_core::bootstrap::{self, Imported};
use codex_helper_core::config::error::display_path;
use codex_helper_core::first_run::{self, FirstRun};
use codex_helper_core::import::{self, Applied, Plan, Source};
use codex_helper_core::undo::{self, Scope, UndoStep};
use codex_helper_core::Service;
use serde::{Deserialize, Serialize};
use tauri::State;

use super::CmdResult;
use crate::state::WindowState;

/// The paths the window's text fields start with (shown with `~`).
#[derive(Debug, Serialize, specta::Type)]
pub struct ReachDefaults {
    pub cc_switch: String,
    pub codex_helper: String,
    /// A backup file name in the home directory.
    pub backup: String,
}

#[tauri::command]
#[specta::specta]
pub fn reach_defaults(state: State<'_, WindowState>) -> CmdResult<ReachDefaults> {
    let paths = &state.paths;
    Ok(ReachDefaults {
        cc_switch: display_path(&Source::CcSwitch.default_path(paths)),
        codex_helper: display_path(&Source::CodexHelper.default_path(paths)),
        backup: display_path(&paths.home().join("codex-helper-backup.json")),
    })
}

/// Which tool to import from, and its file (empty: the default).
#[derive(Debug, Deserialize, specta::Type)]
pub struct ToolImportArgs {
    pub source: Source,
    pub path: Option<String>,
}

fn tool_plan(state: &WindowState, args: &ToolImportArgs) -> CmdResult<Plan> {
    let file = args.path.as_deref().filter(|p| !p.trim().is_empty()).map(|p| state.paths.user_path(p));
    Ok(import::plan(&state.paths, args.source, file.as_deref())?)
}

/// What the import would add (keys masked) and what it cannot map, and why.
#[tauri::command]
#[specta::specta]
pub fn plan_tool_import(state: State<'_, WindowState>, args: ToolImportArgs) -> CmdResult<Plan> {
    tool_plan(&state, &args)
}

/// Reads the file again and writes what it plans (the plan shown, unless
/// the file changed in between).
#[tauri::command]
#[specta::specta]
pub async fn apply_tool_import(state: State<'_, WindowState>, args: ToolImportArgs) -> CmdResult<Applied> {
    let plan = tool_plan(&state, &args)?;
    let applied = import::apply(&codex_helper_core::config::ConfigStore::new(&state.paths), &plan)?;
    state.reload().await;
    Ok(applied)
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct ExportArgs {
    pub path: String,
    pub with_keys: bool,
}

/// Writes a backup (0600 when it holds keys).
#[tauri::command]
#[specta::specta]
pub fn export_backup(state: State<'_, WindowState>, args: ExportArgs) -> CmdResult<Exported> {
    Ok(backup::export(&state.paths, &state.paths.user_path(&args.path), args.with_keys)?)
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct BackupImportArgs {
    pub path: String,
    /// Replace each file instead of merging into it.
    pub replace: bool,
}

fn backup_plan(state: &WindowState, args: &BackupImportArgs) -> CmdResult<ImportPlan> {
    let read = backup::read(&state.paths.user_path(&args.path))?;
    Ok(backup::plan(&state.paths, &read, args.replace)?)
}

/// Validates the backup and says what importing it would change.
#[tauri::command]
#[specta::specta]
pub fn plan_backup_import(state: State<'_, WindowState>, args: BackupImportArgs) -> CmdResult<ImportPlan> {
    backup_plan(&state, &args)
}

/// Writes it; returns the files written.
#[tauri::command]
#[specta::specta]
pub async fn apply_backup_import(state: State<'_, WindowState>, args: BackupImportArgs) -> CmdResult<Vec<String>> {
    let plan = backup_plan(&state, &args)?;
    let written = backup::apply(&state.paths, &plan)?;
    state.reload().await;
    Ok(written)
}

/// What "Undo" would restore: the newest change of any of our files.
#[tauri::command]
#[specta::specta]
pub fn undo_preview(state: State<'_, WindowState>) -> CmdResult<Option<UndoStep>> {
    Ok(undo::preview(&state.paths, Scope::AnyFile)?)
}

#[tauri::command]
#[specta::specta]
pub async fn undo_last(state: State<'_, WindowState>) -> CmdResult<Option<UndoStep>> {
    let step = undo::undo(&state.paths, Scope::AnyFile)?;
    state.reload().await;
    Ok(step)
}

/// What to offer when neither service has a config.
#[tauri::command]
#[specta::specta]
pub fn first_run(state: State<'_, WindowState>) -> CmdResult<FirstRun> {
    Ok(first_run::offers(&state.paths)?)
}

/// Imports the client's own login as `service`'s active config
/// (`ch bootstrap`); `None` when the service has a config already.
#[tauri::command]
#[specta::specta]
pub async fn import_login(state: State<'_, WindowState>, service: Service) -> CmdResult<Option<Imported>> {
    let imported = bootstrap::bootstrap(&state.paths, service)?;
    state.reload().await;
    Ok(imported)
}
