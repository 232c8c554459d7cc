//! [`Agent`]: the running app as the tray, the socket and notifications
//! see it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use codex_helper_core::config::Settings;
use codex_helper_core::control::{ControlError, Response};
use codex_helper_core::lb::LbEvent;
use codex_helper_core::{Paths, Runtime};
use tokio::sync::watch;

use crate::actions;
use crate::ipc::{self, Request};
use crate::notify::{self, Note, Notifier};
use crate::serve;
use crate::state::{lock, AppState};
use crate::status::{snapshot, AppStatus};
use crate::tray::TrayAction;
use crate::window::WindowProcess;

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Settings(#[from] codex_helper_core::config::ConfigError),
    #[error(transparent)]
    Runtime(#[from] codex_helper_core::runtime::StartError),
}

/// The running app.
pub struct Agent {
    pub state: Arc<AppState>,
    window: Arc<WindowProcess>,
    notifier: std::sync::Mutex<Notifier>,
    quit: watch::Sender<bool>,
    /// Where tokio work started from GTK callbacks runs.
    handle: tokio::runtime::Handle,
}

impl Agent {
    /// Serve the enabled services and repair clients left on a dead proxy.
    /// Call inside a tokio runtime.
    pub async fn start(paths: Paths, window_bin: PathBuf) -> Result<Arc<Agent>, StartError> {
        let settings = Settings::load(&paths)?;
        let runtime = Runtime::with_settings(paths, settings)?.with_owner("app");
        let state = Arc::new(AppState::new(runtime));
        serve::start_all(&state).await;
        serve::repair_clients(&state).await;
        // Started from a menu there is no terminal for the WARN: a broken
        // filter.json (its service refuses requests) must be seen.
        for problem in state.runtime.startup_problems() {
            notify::show(&Note::problem(problem), |_| {});
        }
        Ok(Arc::new(Agent {
            state,
            window: Arc::new(WindowProcess::new(window_bin)),
            notifier: Default::default(),
            quit: watch::Sender::new(false),
            handle: tokio::runtime::Handle::current(),
        }))
    }

    pub fn paths(&self) -> &Paths {
        self.state.runtime.paths()
    }

    /// Show the window at `screen`; a failure is reported as a notification.
    pub fn open_window(&self, screen: Option<&str>) {
        if let Err(err) = self.window.open(screen) {
            tracing::error!(%err, "cannot open the window");
            notify::show(&Note::problem(err.to_string()), |_| {});
        }
    }

    /// Ask [`run`](crate::run) to quit (tray, socket, signal).
    pub fn request_quit(&self) {
        self.quit.send_replace(true);
    }

    /// Resolves once Quit was asked for.
    pub async fn quit_requested(&self) {
        let mut rx = self.quit.subscribe();
        let _ = rx.wait_for(|q| *q).await;
    }

    /// Close the window, switch back the clients this run switched on,
    /// stop the proxies and flush the request log.
    pub async fn shutdown(&self) {
        self.window.close(Duration::from_secs(3)).await;
        serve::shutdown(&self.state).await;
        let _ = std::fs::remove_file(ipc::socket_path(self.paths()));
    }

    /// A tray menu click (GTK thread): the work runs on the tokio runtime.
    pub fn on_tray(self: &Arc<Self>, action: TrayAction) {
        let agent = self.clone();
        self.handle.spawn_blocking(move || {
            let result = match action {
                TrayAction::Open => {
                    agent.open_window(None);
                    Ok(())
                }
                TrayAction::Quit => {
                    agent.request_quit();
                    Ok(())
                }
                TrayAction::Activate { service, config } => actions::activate(&agent.state, service, &config),
                TrayAction::ToggleRoute(service) => actions::toggle_route(&agent.state, service).map(|_| ()),
                TrayAction::SpeedTest(service) => {
                    let file = agent.state.runtime.config().snapshot().file.clone();
                    agent.handle.block_on(crate::speed::run(&file, service));
                    Ok(())
                }
            };
            if let Err(err) = result {
                tracing::error!(%err, "tray action failed");
                notify::show(&Note::problem(err.0), |_| {});
            }
            // Check items toggle themselves when clicked; rebuild from the truth.
            agent.state.changed();
        });
    }

    /// After every coalesced change (a settings.json edit is one):
    /// notifications, then the tray, in the language of the moment.
    pub fn refresh(self: &Arc<Self>, status: &AppStatus, events: &[LbEvent], tray: bool) {
        // The language is read again each round: a changed setting (or
        // `CODEX_HELPER_LANG`) shows in the next menu without a restart.
        let language = self.state.runtime.settings().language;
        codex_helper_core::i18n::set_lang(codex_helper_core::i18n::Lang::current(language));
        let notes = lock(&self.notifier).observe(status, events);
        for note in notes {
            let agent = self.clone();
            notify::show(&note, move |screen| agent.open_window(Some(screen)));
        }
        if tray {
            crate::tray::update_from_any_thread(status.clone(), self.state.runtime.config().snapshot());
        }
    }
}

impl ipc::Handler for Agent {
    fn handle(&self, request: Request) -> ipc::Answer<'_> {
        Box::pin(async move {
            match request {
                Request::Status => Ok(Response::Status(snapshot(&self.state).await)),
                Request::Route { service, on } => {
                    actions::route(&self.state, service, on).map(Response::Routed).map_err(ControlError::failed)
                }
                Request::Reload => {
                    actions::reload(&self.state);
                    Ok(Response::Done)
                }
                Request::ApplySettings => {
                    serve::apply_settings(&self.state).await.map_err(ControlError::failed)?;
                    Ok(Response::Done)
                }
                Request::Open { screen } => {
                    self.window.open(screen.as_deref()).map_err(ControlError::failed)?;
                    Ok(Response::Done)
                }
                Request::Quit => {
                    self.request_quit();
                    Ok(Response::Done)
                }
                Request::Watch => Err(ControlError::Unsupported {
                    cmd: "watch".into(),
                    hint: Some("watch is a stream; see ipc::Client::watch".into()),
                }),
            }
        })
    }

    fn watch(&self) -> watch::Receiver<u64> {
        self.state.published()
    }
}
