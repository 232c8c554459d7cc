//! What the window process holds: where the files are (config CRUD, logs,
//! usage and sessions read them directly, as `ch` does) and the line to
//! the resident process for what only it knows live.

use codex_helper_agent::ipc::Client;
use codex_helper_core::Paths;

pub struct WindowState {
    pub paths: Paths,
    pub agent: Client,
}

impl WindowState {
    pub fn new(paths: Paths) -> WindowState {
        let agent = Client::new(&paths);
        WindowState { paths, agent }
    }

    /// config.json changed on disk: have the proxies serve from it now
    /// (they would within their poll interval anyway, so a resident
    /// process that is not running is no error here).
    pub async fn reload(&self) {
        if let Err(err) = self.agent.reload().await {
            tracing::debug!(%err, "reload not delivered");
        }
    }
}
