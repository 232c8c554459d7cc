//! Starting, stopping and moving the proxies, and the shutdown: restore the
//! clients this run pointed, stop accepting, let answers in flight finish
//! (for a while), then wait for the background tasks and the request log.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::tasks::CancellationToken;
use crate::Service;

use super::serving::{BindError, Serving};
use super::{lock, Event, Supervisor, SupervisorError};

/// One service's proxy task and what stops it alone.
pub(super) struct RunningProxy {
    stop: CancellationToken,
    task: JoinHandle<()>,
    /// `Some(result)` once the task ended.
    ended: watch::Receiver<Option<Result<(), String>>>,
}

impl Supervisor {
    /// Serve `service` on `port` (its settings' port when `None`; port 0:
    /// one the OS picks) and return the address bound, which is also what
    /// [`Event::Listening`] names and what a client is pointed at. A failure
    /// is also recorded as the service's [`Serving`] state.
    pub async fn serve(&self, service: Service, port: Option<u16>) -> Result<SocketAddr, BindError> {
        let addr = self.runtime.listen_addr(service, port);
        match TcpListener::bind(addr).await {
            Ok(listener) => {
                let bound = listener.local_addr().map_err(|source| BindError::Io { service, addr, source })?;
                self.serve_on(service, listener);
                Ok(bound)
            }
            Err(source) => {
                let error = BindError::explain(service, addr, source).await;
                self.set_serving(service, error.serving());
                self.emit(Event::NotServing { service, error: &error });
                Err(error)
            }
        }
    }

    /// Serve `service` on a listener bound by the caller.
    pub fn serve_on(&self, service: Service, listener: TcpListener) {
        let Ok(addr) = listener.local_addr() else { return };
        let stop = self.runtime.tasks().child();
        let until = stop.clone().cancelled_owned();
        let (done, ended) = watch::channel(None);
        let runtime = self.runtime.clone();
        let sink = self.sink.clone();
        let task = self.runtime.tasks().handle().spawn(async move {
            let result = runtime.serve_until(service, listener, until).await;
            if let Err(error) = &result {
                sink(&Event::ProxyFailed { service, error });
            }
            done.send_replace(Some(result.map_err(|e| e.to_string())));
        });
        let old = lock(&self.proxies).insert(service, RunningProxy { stop, task, ended });
        if let Some(old) = old {
            self.drain_later(old);
        }
        self.set_serving(service, Serving::Serving { port: addr.port() });
        self.emit(Event::Listening { service, addr });
    }

    /// Serve every service enabled in the settings; a busy port is recorded
    /// (and told), not fatal.
    pub async fn start_all(&self) {
        for service in Service::ALL {
            let settings = self.runtime.settings().service(service).clone();
            if settings.enabled {
                let _ = self.serve(service, Some(settings.port)).await;
            } else {
                self.set_serving(service, Serving::Disabled);
            }
        }
    }

    /// Resolves when `service`'s proxy ends: `Ok` when it was stopped, an
    /// error when it failed by itself. Pending while none runs.
    pub async fn proxy_ended(&self, service: Service) -> Result<(), SupervisorError> {
        let ended = lock(&self.proxies).get(&service).map(|p| p.ended.clone());
        let Some(mut ended) = ended else { return std::future::pending().await };
        let result = match ended.wait_for(Option::is_some).await {
            Ok(result) => result.clone().unwrap_or(Ok(())),
            Err(_) => Ok(()),
        };
        result.map_err(|message| SupervisorError::ProxyStopped { service, message })
    }

    /// Start, stop or move each proxy to match `settings`, without touching
    /// the ones that stay. A client this run (or the user) pointed at a
    /// proxy that moved follows it; one pointed at a proxy that was turned
    /// off is put back.
    pub async fn apply_settings(&self, settings: &Settings, grace: Duration) {
        for service in Service::ALL {
            let wanted = settings.service(service);
            let current = self.serving(service);
            let unchanged = match &current {
                Serving::Disabled => !wanted.enabled,
                Serving::Serving { port } => wanted.enabled && *port == wanted.port,
                // Failed, or another codex-helper had the port: try again.
                Serving::TakenByHelper { .. } | Serving::Failed { .. } => false,
            };
            if unchanged {
                continue;
            }
            let old = lock(&self.proxies).remove(&service);
            if wanted.enabled {
                // A failure is recorded and told by `serve`.
                let _ = self.serve(service, Some(wanted.port)).await;
            } else {
                self.set_serving(service, Serving::Disabled);
            }
            if let Some(old) = old {
                // The new port already answers; the old one finishes its answers.
                self.drain_later_within(old, grace);
            }
            let now = self.serving(service);
            self.emit(Event::Moved { service, from: current.usable_port(), to: now.usable_port() });
            self.follow_client(service, current.usable_port(), now.usable_port());
        }
    }

    /// Stop `proxy` accepting and let its answers finish in the background
    /// (owned by the runtime's tasks, so the shutdown waits for it).
    fn drain_later(&self, proxy: RunningProxy) {
        self.drain_later_within(proxy, DEFAULT_DRAIN);
    }

    fn drain_later_within(&self, proxy: RunningProxy, grace: Duration) {
        proxy.stop.cancel();
        self.runtime.tasks().spawn("moved proxy drain", async move {
            let _ = tokio::time::timeout(grace, proxy.task).await;
        });
    }

    /// Put back the clients this run pointed, stop the proxies and let
    /// answers in flight finish for at most `grace`, then wait for the
    /// background tasks and the request log's last lines.
    pub async fn shutdown(&self, grace: Duration) {
        self.restore_mine();
        self.emit(Event::Stopping { grace });
        // The one signal: proxies (child tokens) and watchers stop accepting.
        self.runtime.stop();
        let mut tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *lock(&self.proxies)).into_values().map(|p| p.task).collect();
        let all = async {
            for task in tasks.iter_mut() {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(grace, all).await.is_err() {
            self.emit(Event::StillStreaming);
            for task in &tasks {
                task.abort();
            }
        }
        self.runtime.close(grace).await;
    }
}

/// How long a proxy replaced outside [`Supervisor::apply_settings`] drains.
const DEFAULT_DRAIN: Duration = Duration::from_secs(5);
