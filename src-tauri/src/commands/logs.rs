//! The request log: a filtered query, and a live tail pushed as `LogLine`
//! events while the Logs screen is open.

use std::sync::Mutex;
use std::time::Duration;

use codex_helper_core::logs::record::RequestRecord;
pub use codex_helper_core::logs::{LogFilter, StatusClass};
use codex_helper_core::logs::{Tail, TailError};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event;

use super::{CmdResult, CommandError};
use crate::events::LogLine;
use codex_helper_agent::state::lock;

use crate::state::WindowState;

/// How often the live tail looks for new lines.
const TAIL_INTERVAL: Duration = Duration::from_millis(500);

/// What [`query_logs`] asks for: the last `tail` records `filter` keeps.
#[derive(Clone, Debug, serde::Deserialize, specta::Type)]
pub struct QueryLogsArgs {
    pub tail: u32,
    pub filter: LogFilter,
}

/// The last `tail` records matching the filters, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn query_logs(state: State<'_, WindowState>, args: QueryLogsArgs) -> CmdResult<Vec<RequestRecord>> {
    let QueryLogsArgs { tail, filter } = args;
    let path = state.paths.request_log();
    tauri::async_runtime::spawn_blocking(move || {
        Tail::open(&path, filter).and_then(|t| t.last_records(tail as usize)).map_err(tail_error)
    })
    .await
    .map_err(CommandError::new)?
}

/// The running live tail, if any (managed state).
#[derive(Default)]
pub struct LogTail(Mutex<Option<tauri::async_runtime::JoinHandle<()>>>);

/// Emit a `LogLine` for every new record matching `filter` until
/// [`stop_log_tail`] (a new call replaces the previous tail).
#[tauri::command]
#[specta::specta]
pub fn start_log_tail<R: Runtime>(app: AppHandle<R>, filter: LogFilter) -> CmdResult<()> {
    let path = app.state::<WindowState>().paths.request_log();
    let tail = Tail::open(&path, filter).map_err(tail_error)?;
    let emitter = app.clone();
    // Stopped by abort (stop_log_tail, or the next start_log_tail).
    let task = tauri::async_runtime::spawn(tail.follow(TAIL_INTERVAL, std::future::pending(), move |rec| {
        let _ = LogLine(rec).emit(&emitter);
    }));
    if let Some(old) = lock(&app.state::<LogTail>().0).replace(task) {
        old.abort();
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn stop_log_tail<R: Runtime>(app: AppHandle<R>) -> CmdResult<()> {
    if let Some(task) = lock(&app.state::<LogTail>().0).take() {
        task.abort();
    }
    Ok(())
}

fn tail_error(e: TailError) -> CommandError {
    CommandError::Io {
        path: Some(codex_helper_core::config::error::display_path(&e.path)),
        message: format!("{e}: {}", e.source),
    }
}
