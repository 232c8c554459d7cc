//! The request log: a filtered query, and a live tail pushed as `LogLine`
//! events while the Logs screen is open.

use std::sync::Mutex;
use std::time::Duration;

use codex_helper_core::logs::reader::Follower;
use codex_helper_core::logs::record::RequestRecord;
use codex_helper_core::Service;
use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event;

use super::{CmdResult, CommandError};
use crate::events::LogLine;
use codex_helper_agent::state::lock;

use crate::state::WindowState;

/// How often the live tail looks for new lines.
const TAIL_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// Answered below 400 with no proxy error.
    Ok,
    Error,
}

/// Which records a query or the live tail keeps.
#[derive(Clone, Debug, Default, Deserialize, specta::Type)]
pub struct LogFilter {
    pub service: Option<Service>,
    pub status_class: Option<StatusClass>,
    pub config: Option<String>,
}

impl LogFilter {
    fn keeps(&self, rec: &RequestRecord) -> bool {
        let ok = rec.status_code < 400 && rec.error.is_none();
        self.service.is_none_or(|s| rec.service == s.as_str())
            && self.status_class.is_none_or(|c| (c == StatusClass::Ok) == ok)
            && self.config.as_deref().is_none_or(|c| rec.config_name == c)
    }

    fn parse(&self, line: &str) -> Option<RequestRecord> {
        serde_json::from_str::<RequestRecord>(line).ok().filter(|r| self.keeps(r))
    }
}

/// The last `tail` records matching the filters, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn query_logs(
    state: State<'_, WindowState>,
    tail: u32,
    service: Option<Service>,
    status_class: Option<StatusClass>,
    config: Option<String>,
) -> CmdResult<Vec<RequestRecord>> {
    let filter = LogFilter { service, status_class, config };
    let path = state.paths.request_log();
    tauri::async_runtime::spawn_blocking(move || {
        let follower = Follower::open(&path).map_err(CommandError::new)?;
        let lines = follower.tail(tail as usize, |l| filter.parse(l).is_some()).map_err(CommandError::new)?;
        Ok(lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect())
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
    let mut follower = Follower::open(&path).map_err(CommandError::new)?;
    let emitter = app.clone();
    let task = tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(TAIL_INTERVAL);
        loop {
            tick.tick().await;
            let Ok(lines) = follower.poll() else { continue };
            for rec in lines.iter().filter_map(|l| filter.parse(l)) {
                let _ = LogLine(rec).emit(&emitter);
            }
        }
    });
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
