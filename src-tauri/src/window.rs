//! The main window: hidden on close; once it has stayed hidden a while the
//! whole window process exits, so no webview (and its tens of megabytes)
//! stays alive while the app lives in the tray. The resident process
//! starts a new one on "Open window".

use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use codex_helper_agent::window::SCREENS;
use codex_helper_core::control::{decode_request, ControlError, Request};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder, WindowEvent};

pub const MAIN: &str = "main";

/// How long a hidden window lives before its process exits;
/// `CODEX_HELPER_APP_DESTROY_AFTER_SECS` overrides it (tests).
fn exit_after() -> Duration {
    let secs = std::env::var("CODEX_HELPER_APP_DESTROY_AFTER_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    Duration::from_secs(secs)
}

/// Bumped on every show/hide, so a pending exit knows it is stale.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// A screen the window has (`logs`, `usage`, …), so safe to put in the URL.
fn screen_name(screen: Option<&str>) -> Option<&str> {
    screen.filter(|s| SCREENS.contains(s))
}

/// Show the window (creating it if needed) at `screen`, in front.
pub fn open<R: Runtime>(app: &AppHandle<R>, screen: Option<&str>) {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    let screen = screen_name(screen);
    let window = match app.get_webview_window(MAIN) {
        Some(w) => {
            if let Some(screen) = screen {
                let _ = w.eval(format!("location.hash = '#{screen}'"));
            }
            w
        }
        None => match build(app, screen) {
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

fn build<R: Runtime>(app: &AppHandle<R>, screen: Option<&str>) -> tauri::Result<WebviewWindow<R>> {
    let mut builder = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("codex-helper")
        .inner_size(1000.0, 700.0)
        .min_inner_size(720.0, 480.0);
    if let Some(screen) = screen {
        builder = builder.initialization_script(format!("if (!location.hash) location.hash = '#{screen}';"));
    }
    let window = builder.build()?;
    let handle = app.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            api.prevent_close();
            hide(&handle);
        }
    });
    Ok(window)
}

/// Hide to the tray, and end the window process if it stays hidden.
pub fn hide<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN) else { return };
    let _ = window.hide();
    let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(exit_after()).await;
        if GENERATION.load(Ordering::SeqCst) != generation {
            return;
        }
        if app.get_webview_window(MAIN).is_some_and(|w| !w.is_visible().unwrap_or(true)) {
            tracing::info!("window hidden for a while; releasing the webview");
            app.exit(0);
        }
    });
}

/// Started by the resident process: its orders come on stdin, one
/// control-protocol line each ([`Request::Open`], written by
/// `codex_helper_agent::window::write_order`); stdin closing means it quit
/// (or died), and so does the window.
pub fn follow_app<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new().name("app-orders".into()).spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            match order(&line) {
                Ok(screen) => {
                    let handle = app.clone();
                    let _ = app.run_on_main_thread(move || open(&handle, screen.as_deref()));
                }
                Err(err) => tracing::warn!(%err, "ignoring an order from the app"),
            }
        }
        tracing::info!("codex-helper quit; closing the window");
        app.exit(0);
    });
    if let Err(err) = spawned {
        tracing::error!(%err, "cannot follow the app");
    }
}

/// The screen one order line asks the window to show, or why it is not an
/// order the window takes.
fn order(line: &str) -> Result<Option<String>, ControlError> {
    match decode_request(line)? {
        Request::Open { screen } => Ok(screen),
        other => Err(ControlError::Unsupported {
            cmd: other.name().to_string(),
            hint: Some("the window takes only `open` orders on its stdin".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};

    use codex_helper_agent::window::write_order;
    use codex_helper_core::control::{encode_request, PROTOCOL_VERSION};

    use super::*;

    #[test]
    fn orders_cross_a_real_pipe_typed_and_bad_ones_keep_their_kind() {
        let (reader, mut writer) = std::io::pipe().unwrap();
        write_order(&mut writer, Some("logs")).unwrap();
        write_order(&mut writer, None).unwrap();
        writer.write_all(encode_request(&Request::Quit).as_bytes()).unwrap();
        writer.write_all(b"show logs\n").unwrap();
        writer.write_all(b"{\"v\":99,\"cmd\":\"open\",\"screen\":\"logs\"}\n").unwrap();
        drop(writer);
        let orders: Vec<_> = BufReader::new(reader).lines().map(|l| order(&l.unwrap())).collect();
        assert_eq!(orders[0], Ok(Some("logs".to_string())));
        assert_eq!(orders[1], Ok(None));
        assert!(matches!(&orders[2], Err(ControlError::Unsupported { cmd, .. }) if cmd == "quit"), "{:?}", orders[2]);
        assert!(matches!(orders[3], Err(ControlError::BadRequest { .. })), "the old `show` line: {:?}", orders[3]);
        assert_eq!(orders[4], Err(ControlError::UnsupportedVersion { server: PROTOCOL_VERSION, client: 99 }));
        assert_eq!(orders.len(), 5, "end of file ends the orders");
    }
}
