//! [`Watcher`]: the one poll loop of a runtime. Every [`POLL_INTERVAL`] it
//! checks each watched file's fingerprint on a blocking thread (a `stat`
//! each, plus a read of the files that changed), so readers never touch
//! the disk and a slow file system delays no request.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::file::Check;

/// How often the files are checked for changes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The watched files of one runtime; [`Watcher::run`] is their task.
#[derive(Clone, Default)]
pub struct Watcher {
    files: Vec<Arc<dyn Check>>,
}

impl Watcher {
    pub fn new() -> Watcher {
        Watcher::default()
    }

    /// Watch `file` too.
    pub fn with(mut self, file: Arc<dyn Check>) -> Watcher {
        self.files.push(file);
        self
    }

    /// Check every file now (blocking); how many had changed.
    pub fn check_now(&self) -> usize {
        self.files.iter().filter(|f| f.check_changed()).count()
    }

    /// Poll until `shutdown` resolves. The owner spawns and awaits this.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {
                    let this = self.clone();
                    let _ = tokio::task::spawn_blocking(move || this.check_now()).await;
                }
            }
        }
    }
}
