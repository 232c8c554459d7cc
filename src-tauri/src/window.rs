//! The main window: created on demand, hidden on close, and destroyed after
//! it has stayed hidden a while so that a tray-only app keeps no webview
//! (and its tens of megabytes) alive. "Open window" recreates it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder, WindowEvent};

pub const MAIN: &str = "main";

/// How long a hidden window lives before its webview is destroyed;
/// `CODEX_HELPER_APP_DESTROY_AFTER_SECS` overrides it (tests).
fn destroy_after() -> Duration {
    let secs = std::env::var("CODEX_HELPER_APP_DESTROY_AFTER_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    Duration::from_secs(secs)
}

/// Bumped on every show/hide, so a pending destroy knows it is stale.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Show the window (creating it if needed) and bring it to the front.
pub fn open<R: Runtime>(app: &AppHandle<R>) {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    let window = match app.get_webview_window(MAIN) {
        Some(w) => w,
        None => match build(app) {
            Ok(w) => w,
            Err(err) => {
                tracing::error!(%err, "cannot open the window");
                return;
            }
        },
    };
    let _ = window.show();
    let _ = window.unminimize();
    let _ = window.set_focus();
}

fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    let window = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("codex-helper")
        .inner_size(1000.0, 700.0)
        .min_inner_size(720.0, 480.0)
        .build()?;
    let handle = app.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            api.prevent_close();
            hide(&handle);
        }
    });
    Ok(window)
}

/// Hide to the tray, and destroy the webview if it stays hidden.
pub fn hide<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN) else { return };
    let _ = window.hide();
    let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(destroy_after()).await;
        if GENERATION.load(Ordering::SeqCst) != generation {
            return;
        }
        if let Some(window) = app.get_webview_window(MAIN) {
            if !window.is_visible().unwrap_or(true) {
                tracing::info!("window hidden for a while; releasing its webview");
                let _ = window.destroy();
            }
        }
    });
}
