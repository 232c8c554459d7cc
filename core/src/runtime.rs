//! Everything a running codex-helper holds, wired once: settings, the live
//! config, filters, the request log, one load balancer per service and the
//! upstream HTTP client. The CLI and the desktop app each build one
//! [`Runtime`] and serve from it (through [`crate::supervisor`]); the app
//! also reads its live state.
//!
//! Its background tasks (config watcher, usage poller, the proxies) live in
//! one [`Tasks`]: one shutdown signal ([`Runtime::stop`]) ends them all, and
//! [`Runtime::close`] waits for them and then for the request log.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderValue;
use tokio::net::TcpListener;

use crate::config::{ConfigError, ConfigStore, Settings};
use crate::control::{self, Control, TokenError};
use crate::filter::FilterFile;
use crate::lb::{LoadBalancer, UpstreamStatus};
use crate::live::LiveConfig;
use crate::live_settings::{self, LiveSettings};
use crate::logs::{LogWriterHandle, RequestLog};
use crate::proxy::{self, ProxyState, Shared};
use crate::tasks::{NoRuntime, Tasks};
use crate::usage::{self, Provider, QuotaBoard, QuotaTracker};
use crate::watch::{FileProblem, Watched, Watcher};
use crate::{Paths, Service};

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot create the HTTP client for upstreams: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    UpstreamClient(#[from] proxy::client::BuildError),
    #[error(transparent)]
    Control(#[from] TokenError),
    #[error(transparent)]
    NoRuntime(#[from] NoRuntime),
}

pub struct Runtime {
    paths: Paths,
    /// settings.json, applied live (see [`crate::live_settings`]).
    settings: Arc<Watched<LiveSettings>>,
    config: Arc<LiveConfig>,
    filters: Arc<FilterFile>,
    providers: Arc<Watched<Vec<Provider>>>,
    /// Polls every watched file above; one task.
    watcher: Watcher,
    log: RequestLog,
    log_writer: Mutex<Option<LogWriterHandle>>,
    codex: LoadBalancer,
    claude: LoadBalancer,
    quota: QuotaBoard,
    /// Quota answers → levels, load-balancer marks, announcements.
    tracker: QuotaTracker,
    /// The background tasks and their one shutdown signal.
    tasks: Tasks,
    owner: &'static str,
    control: Arc<Control>,
}

impl Runtime {
    /// Load settings and config from `paths` and start the log writer.
    pub fn start(paths: Paths) -> Result<Runtime, StartError> {
        let settings = Settings::load(&paths)?;
        Runtime::with_settings(paths, settings)
    }

    /// Like [`Runtime::start`] with explicit settings (tests, the app);
    /// later edits of settings.json still apply. Must be called inside a
    /// tokio runtime (its watchers run there).
    pub fn with_settings(paths: Paths, settings: Settings) -> Result<Runtime, StartError> {
        let tasks = Tasks::new()?;
        // Temp files of writes a crash interrupted may hold full keys; every
        // serving process (CLI, app) starts here, so this is where they go.
        crate::tempfiles::clean_stale(&paths);
        let config = Arc::new(LiveConfig::load(ConfigStore::new(&paths))?);
        let control = Arc::new(Control::load(&paths)?);
        let settings = Arc::new(live_settings::watch(&paths, settings)?);
        let rotation = settings.clone();
        let pricing = settings.clone();
        let (log, log_writer) = RequestLog::start_finishing(
            paths.request_log(),
            move || {
                let live = rotation.load();
                (live.settings.logs.max_bytes, live.settings.logs.max_files)
            },
            move |rec| pricing.load().prices.price_record(rec),
        );
        // Loaded now: a broken filter.json is a WARN at start-up (it blocks
        // requests), not news after the first request.
        let filters = Arc::new(FilterFile::new(paths.filter_file()));
        let providers = Arc::new(usage::providers::watch(paths.usage_providers_file()));
        let watcher = Watcher::new()
            .with(config.watched().clone())
            .with(filters.watched().clone())
            .with(providers.clone())
            .with(settings.clone());
        let codex = LoadBalancer::with_policy(Service::Codex, live_settings::policy_source(&settings));
        let claude = LoadBalancer::with_policy(Service::Claude, live_settings::policy_source(&settings));
        let quota = QuotaBoard::default();
        let tracker = QuotaTracker::new(quota.clone(), vec![codex.clone(), claude.clone()], config.clone());
        let runtime = Runtime {
            codex,
            claude,
            tracker,
            filters,
            providers,
            watcher,
            paths,
            config,
            log,
            log_writer: Mutex::new(Some(log_writer)),
            quota,
            settings,
            tasks,
            owner: "cli",
            control,
        };
        runtime.spawn_watchers()?;
        Ok(runtime)
    }

    /// The one place the runtime's watchers start: every watched file
    /// (config, filters, usage providers, settings: one poll task) and the
    /// quota polling. Both end with the shutdown signal and are awaited by
    /// [`Runtime::close`].
    fn spawn_watchers(&self) -> Result<(), reqwest::Error> {
        self.tasks.spawn("file watcher", self.watcher().run(self.tasks.stopped()));
        let poller = usage::Poller::new(
            &self.paths,
            self.providers.clone(),
            self.config.clone(),
            usage::poller::http_client()?,
            self.tracker.clone(),
        );
        self.tasks.spawn("usage poller", poller.run(self.tasks.stopped()));
        self.tasks.spawn("quota resets", self.tracker.clone().run(self.tasks.stopped()));
        Ok(())
    }

    /// The watched files' poll loop, for an owner that spawns and awaits
    /// it (`run(shutdown)`).
    pub fn watcher(&self) -> Watcher {
        self.watcher.clone()
    }

    /// Check every watched file now (blocking): for an adapter that just
    /// wrote one and wants it served before the next poll.
    pub fn reload_files(&self) -> usize {
        self.watcher.check_now()
    }

    /// Name the program that runs this runtime (`cli`, `app`); the proxies'
    /// identity endpoint reports it so `ch` can say who holds a port.
    pub fn with_owner(mut self, owner: &'static str) -> Runtime {
        self.owner = owner;
        self
    }

    pub fn owner(&self) -> &'static str {
        self.owner
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The settings in use now (a copy; they follow settings.json).
    pub fn settings(&self) -> Settings {
        self.settings.load().settings.clone()
    }

    /// settings.json as applied, with its problem and version channel
    /// (the supervisor follows it to move ports).
    pub fn live_settings(&self) -> &Arc<Watched<LiveSettings>> {
        &self.settings
    }

    /// What is wrong with each watched file that is not used as written
    /// (config, settings, filters, usage providers), typed.
    pub fn file_problems(&self) -> Vec<Arc<FileProblem>> {
        [
            self.config.file_problem(),
            self.settings.problem(),
            self.filters.watched().problem(),
            self.providers.problem(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    pub fn config(&self) -> &Arc<LiveConfig> {
        &self.config
    }

    /// The latest quota answers of the usage providers and of upstreams'
    /// rate-limit headers.
    pub fn quota(&self) -> &QuotaBoard {
        &self.quota
    }

    /// What decides each upstream's quota level (and marks it).
    pub fn quota_tracker(&self) -> &QuotaTracker {
        &self.tracker
    }

    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// The background tasks: adapters put their own long-running work here
    /// so the one shutdown signal stops it too.
    pub fn tasks(&self) -> &Tasks {
        &self.tasks
    }

    /// Control token, start time and request counters.
    pub fn control(&self) -> &Arc<Control> {
        &self.control
    }

    pub fn lb(&self, service: Service) -> &LoadBalancer {
        match service {
            Service::Codex => &self.codex,
            Service::Claude => &self.claude,
        }
    }

    /// Live health of the active config's upstreams of `service`.
    pub fn upstream_status(&self, service: Service) -> Vec<UpstreamStatus> {
        let snapshot = self.config.snapshot();
        match snapshot.active(service) {
            Some(active) => self.lb(service).snapshot(&active.ids),
            None => Vec::new(),
        }
    }

    /// What the user must hear about at start-up, for adapters that show it
    /// elsewhere than the log (it is WARNed at start already): today, a
    /// broken filter.json (requests are refused until it is fixed).
    pub fn startup_problems(&self) -> Vec<String> {
        self.filters.last_error().into_iter().collect()
    }

    /// The loopback address `service` listens on by default (settings).
    pub fn listen_addr(&self, service: Service, port: Option<u16>) -> SocketAddr {
        let port = port.unwrap_or(self.settings.load().settings.service(service).port);
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    /// The proxy state for `service` listening on `listen`.
    pub fn proxy_state(&self, service: Service, listen: SocketAddr) -> ProxyState {
        let via = HeaderValue::from_str(&format!("1.1 {}", proxy::headers::via_token(listen.port())))
            .expect("ASCII header value");
        ProxyState {
            service,
            listen,
            shared: Arc::new(Shared {
                config: self.config.clone(),
                filters: self.filters.clone(),
                log: self.log.clone(),
                lb: self.lb(service).clone(),
                settings: self.settings.clone(),
                via,
                owner: self.owner,
                counters: self.control.counters(service).clone(),
                quota: self.tracker.clone(),
            }),
        }
    }

    /// Serve `service` on `listener` until [`Runtime::stop`] is called.
    pub async fn serve(&self, service: Service, listener: TcpListener) -> std::io::Result<()> {
        self.serve_until(service, listener, std::future::pending()).await
    }

    /// Like [`Runtime::serve`], also stopping (gracefully: answers in
    /// flight finish) when `until` resolves; the app uses it to move a
    /// proxy to another port without stopping the others.
    pub async fn serve_until(
        &self,
        service: Service,
        listener: TcpListener,
        until: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let listen = listener.local_addr()?;
        let stopped = self.stopped();
        let shutdown = async move {
            tokio::select! {
                _ = stopped => {}
                _ = until => {}
            }
        };
        let control = control::routes(self.control.clone());
        proxy::serve_with(listener, self.proxy_state(service, listen), control, shutdown).await
    }

    /// A future that resolves when [`Runtime::stop`] is called.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        self.tasks.stopped()
    }

    /// Ask every server and background task to stop (the one shutdown
    /// signal).
    pub fn stop(&self) {
        self.tasks.stop();
    }

    /// Stop, then wait until every request log line is on disk. For callers
    /// without an async context; [`Runtime::close`] also awaits the tasks.
    pub fn shutdown(&self) {
        self.stop();
        if let Some(writer) = self.log_writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            writer.shutdown();
        }
    }

    /// Stop, wait (at most `grace`) for every background task, then for the
    /// request log's last lines. `false` if some task had to be aborted.
    pub async fn close(&self, grace: Duration) -> bool {
        let ended = self.tasks.join(grace).await;
        let writer = self.log_writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer {
            // Joining the writer thread blocks; not on an async worker.
            let _ = tokio::task::spawn_blocking(move || writer.shutdown()).await;
        }
        ended
    }
}
