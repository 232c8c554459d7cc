//! Events the UI listens to: `StateChanged` (call `live_status` again),
//! relayed from the resident process's coalesced refreshes, and `LogLine`
//! (the Logs screen's live tail).

use std::time::Duration;

use codex_helper_core::logs::record::RequestRecord;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::state::WindowState;

/// Something changed: call `live_status` again.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct StateChanged {
    pub version: u64,
}

/// One new request record (live tail of the Logs screen).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct LogLine(pub RequestRecord);

/// Follow the resident process's `watch` stream for as long as the window
/// lives; when it is not there (yet, or any more), try again shortly and
/// tell the UI once it is back.
pub fn relay<R: Runtime>(app: AppHandle<R>) {
    let client = app.state::<WindowState>().agent.clone();
    tauri::async_runtime::spawn(async move {
        let mut reconnected = 0u64;
        loop {
            if let Ok(mut watch) = client.watch().await {
                while let Some(version) = watch.next().await {
                    let _ = StateChanged { version: version + reconnected }.emit(&app);
                }
                // Gone: the UI shows that. Versions restart with a new
                // resident process, so keep them rising.
                reconnected += 1 << 32;
                let _ = StateChanged { version: reconnected }.emit(&app);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}
