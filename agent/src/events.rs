//! Follows everything that changes what the tray and the window show — the
//! load balancers' transitions, config.json reloads (also those made by
//! `ch`), quota answers and the app's own actions — and, coalesced to at
//! most one round per [`COALESCE`], hands a fresh [`AppStatus`] (with the
//! transitions that led to it) to a sink, then publishes the new version
//! for the window. Nothing is polled, except a service whose port another
//! codex-helper serves: its state lives in that process, so it is asked
//! again every [`REMOTE_EVERY`] while that lasts.

use std::sync::Arc;
use std::time::Duration;

use codex_helper_core::lb::LbEvent;
use codex_helper_core::Service;
use tokio::sync::broadcast::error::RecvError;

use crate::state::AppState;
use crate::status::{shows_another_proxy, snapshot, AppStatus};

/// At most four refreshes a second.
pub const COALESCE: Duration = Duration::from_millis(250);

/// How often the state of another codex-helper's proxy is asked again.
pub const REMOTE_EVERY: Duration = Duration::from_secs(2);

/// Start following; stops with the runtime's shutdown signal (and is
/// awaited with its other tasks). `sink` runs once at once (with
/// no events), then after every coalesced burst.
pub fn spawn<F>(state: Arc<AppState>, mut sink: F)
where
    F: FnMut(&AppStatus, &[LbEvent]) + Send + 'static,
{
    let rt = state.runtime.clone();
    let mut codex = rt.lb(Service::Codex).subscribe();
    let mut claude = rt.lb(Service::Claude).subscribe();
    let mut config = rt.config().subscribe();
    let mut settings = rt.live_settings().subscribe();
    let mut quota = rt.quota().subscribe();
    let mut local = state.subscribe();
    let stopped = rt.stopped();
    rt.tasks().spawn("app events", async move {
        tokio::pin!(stopped);
        let mut version = 1u64;
        let status = snapshot(&state).await;
        let mut remote = shows_another_proxy(&status);
        sink(&status, &[]);
        state.publish(version);
        let mut ask_again = tokio::time::interval(REMOTE_EVERY);
        ask_again.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let mut events = Vec::new();
            let alive = tokio::select! {
                _ = &mut stopped => return,
                e = codex.recv() => keep(&mut events, e),
                e = claude.recv() => keep(&mut events, e),
                r = config.changed() => r.is_ok(),
                r = settings.changed() => r.is_ok(),
                r = quota.changed() => r.is_ok(),
                r = local.changed() => r.is_ok(),
                _ = ask_again.tick(), if remote => true,
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
            settings.mark_unchanged();
            quota.mark_unchanged();
            local.mark_unchanged();
            version += 1;
            let status = snapshot(&state).await;
            remote = shows_another_proxy(&status);
            sink(&status, &events);
            state.publish(version);
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
