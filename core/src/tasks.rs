//! The background work of a running codex-helper (config watcher, usage
//! poller, proxies, and the app's socket and event loop) under one shutdown
//! signal, awaited on the way out.
//!
//! Nothing is spawned detached: a task belongs to a [`Tasks`], which stops
//! all of them with one [`CancellationToken`] and then waits for every one
//! to end (mini-redis's shutdown: tell everyone, then wait until all are
//! done). Work that must stop alone (a proxy moved to another port) takes a
//! [`Tasks::child`] token, which the one signal cancels too.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::JoinSet;
pub use tokio_util::sync::CancellationToken;

/// A [`Tasks`] was made outside a tokio runtime: its tasks would never run.
#[derive(Debug, thiserror::Error)]
#[error("codex-helper's background tasks (config watcher, usage poller, proxies) need a tokio runtime; create the runtime inside one")]
pub struct NoRuntime;

/// Every background task of one running codex-helper.
pub struct Tasks {
    /// Where tasks run, also when spawned from a thread outside tokio (GTK
    /// callbacks, a notification's click).
    handle: Handle,
    /// The one shutdown signal.
    stop: CancellationToken,
    /// The tasks, awaited by [`Tasks::join`].
    set: Mutex<JoinSet<()>>,
}

impl Tasks {
    /// Tasks on the current tokio runtime; an error outside of one (so a
    /// watcher is never silently not started).
    pub fn new() -> Result<Tasks, NoRuntime> {
        let handle = Handle::try_current().map_err(|_| NoRuntime)?;
        Ok(Tasks { handle, stop: CancellationToken::new(), set: Mutex::new(JoinSet::new()) })
    }

    /// The runtime the tasks run on.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Run `task` until it ends; it should end soon after [`Tasks::stop`]
    /// (select on [`Tasks::stopped`] or a [`Tasks::child`] token).
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let mut set = self.set();
        // Reap what already ended, so a long-running app does not collect them.
        while set.try_join_next().is_some() {}
        set.spawn_on(
            async move {
                task.await;
                tracing::debug!(task = name, "background task ended");
            },
            &self.handle,
        );
    }

    /// Resolves once the shutdown signal is given.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        self.stop.clone().cancelled_owned()
    }

    /// A token cancelled by the shutdown signal, and cancellable alone.
    pub fn child(&self) -> CancellationToken {
        self.stop.child_token()
    }

    /// Give the shutdown signal.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Give the shutdown signal and wait (at most `grace`) until every task
    /// has ended; `false` if some did not, and were aborted.
    pub async fn join(&self, grace: Duration) -> bool {
        self.stop();
        let mut set = std::mem::take(&mut *self.set());
        let all = async {
            while let Some(done) = set.join_next().await {
                if let Err(err) = done {
                    if err.is_panic() {
                        tracing::error!("a background task panicked: {err}");
                    }
                }
            }
        };
        let ended = tokio::time::timeout(grace, all).await.is_ok();
        if !ended {
            tracing::warn!(left = set.len(), "background tasks still running after the grace period; aborting them");
            set.shutdown().await;
        }
        ended
    }

    fn set(&self) -> MutexGuard<'_, JoinSet<()>> {
        self.set.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Paused: the waiters' sleep after the signal passes at once.
    #[tokio::test(start_paused = true)]
    async fn one_signal_stops_every_task_and_join_waits_for_them() {
        let tasks = Tasks::new().unwrap();
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..3 {
            let stopped = tasks.stopped();
            let done = done_tx.clone();
            tasks.spawn("waiter", async move {
                stopped.await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                done.send(()).unwrap();
            });
        }
        let child = tasks.child();
        tasks.spawn("child", async move { child.cancelled().await });
        assert!(tasks.join(Duration::from_secs(5)).await);
        drop(done_tx);
        let mut n = 0;
        while done_rx.recv().await.is_some() {
            n += 1;
        }
        assert_eq!(n, 3, "join returned only after every task ended");
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_ignores_the_signal_is_aborted_after_the_grace() {
        let tasks = Tasks::new().unwrap();
        tasks.spawn("stuck", std::future::pending());
        assert!(!tasks.join(Duration::from_secs(1)).await);
    }

    #[test]
    fn outside_a_runtime_is_an_error_not_a_silent_skip() {
        assert!(Tasks::new().is_err());
    }
}
