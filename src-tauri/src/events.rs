//! Follows everything that changes what the tray and the window show — the
//! load balancers' transitions, config.json reloads (also those made by
//! `ch`), quota answers and the app's own actions — and, coalesced to at
//! most one round per [`COALESCE`], rebuilds the tray, tells the UI
//! (`StateChanged`) and lets the notifier speak. Nothing is polled.

use std::time::Duration;

use codex_helper_core::lb::LbEvent;
use codex_helper_core::logs::record::RequestRecord;
use codex_helper_core::Service;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

use crate::notify::Notifier;
use crate::state::AppState;

/// At most four refreshes a second.
pub const COALESCE: Duration = Duration::from_millis(250);

/// Something changed: call `live_status` again.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct StateChanged {
    pub version: u64,
}

/// One new request record (live tail of the Logs screen).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct LogLine(pub RequestRecord);

/// Start following; stops with the runtime.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    let state = app.state::<AppState>();
    let rt = state.runtime.clone();
    let mut codex = rt.lb(Service::Codex).subscribe();
    let mut claude = rt.lb(Service::Claude).subscribe();
    let mut config = rt.config().subscribe();
    let mut quota = rt.quota().subscribe();
    let mut local = state.subscribe();
    let stopped = rt.stopped();
    tauri::async_runtime::spawn(async move {
        tokio::pin!(stopped);
        let mut notifier = Notifier::default();
        let mut version = 0u64;
        refresh(&app, &mut notifier, &[], version);
        loop {
            let mut events = Vec::new();
            let alive = tokio::select! {
                _ = &mut stopped => return,
                e = codex.recv() => keep(&mut events, e),
                e = claude.recv() => keep(&mut events, e),
                r = config.changed() => r.is_ok(),
                r = quota.changed() => r.is_ok(),
                r = local.changed() => r.is_ok(),
            };
            if !alive {
                return;
            }
            // Let a burst settle, then take everything it brought at once.
            tokio::time::sleep(COALESCE).await;
            while let Ok(e) = codex.try_recv() {
                events.push(e);
            }
            while let Ok(e) = claude.try_recv() {
                events.push(e);
            }
            config.mark_unchanged();
            quota.mark_unchanged();
            local.mark_unchanged();
            version += 1;
            refresh(&app, &mut notifier, &events, version);
        }
    });
}

/// Keep an event; a lagged receiver just refreshes (the snapshot is what
/// counts), a closed one ends the loop.
fn keep(events: &mut Vec<LbEvent>, e: Result<LbEvent, RecvError>) -> bool {
    match e {
        Ok(e) => {
            events.push(e);
            true
        }
        Err(RecvError::Lagged(_)) => true,
        Err(RecvError::Closed) => false,
    }
}

fn refresh<R: Runtime>(app: &AppHandle<R>, notifier: &mut Notifier, events: &[LbEvent], version: u64) {
    let state = app.state::<AppState>();
    let status = crate::commands::status::snapshot(&state);
    for n in notifier.observe(&status, events) {
        crate::notify::show(app, &n);
    }
    crate::tray::update(app, &status, &state);
    let _ = StateChanged { version }.emit(app);
}
