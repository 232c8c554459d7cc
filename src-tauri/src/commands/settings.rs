//! The settings the UI edits: ports, services on/off, start hidden, start
//! at login. They live in settings.json (the `app` section is ours); start
//! at login is an XDG autostart entry (`core::autostart` writes it).

use codex_helper_core::autostart;
use codex_helper_core::config::{AppPrefs, LbSettings, ProxySettings, ServiceSettings, Settings};
use codex_helper_core::i18n::{Lang, LanguagePref};
use codex_helper_core::t;
use serde::{Deserialize, Serialize};
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;
use codex_helper_agent::ipc::IpcError;

/// The part of settings.json the app shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AppSettings {
    pub codex: ServiceSettings,
    pub claude: ServiceSettings,
    pub app: AppPrefs,
    /// settings.json's top-level `language`: "auto", "en" or "zh-CN".
    pub language: LanguagePref,
}

#[tauri::command]
#[specta::specta]
pub fn get_settings(state: State<'_, WindowState>) -> CmdResult<AppSettings> {
    let s = Settings::load(&state.paths).map_err(CommandError::new)?;
    Ok(AppSettings { codex: s.codex, claude: s.claude, app: s.app, language: s.language })
}

/// Save, then have the running app start, stop or move its proxies to
/// match (a client it routed follows a moved proxy). Returns whether the
/// change waits for the next start instead: when the app is not running.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(state: State<'_, WindowState>, settings: AppSettings) -> CmdResult<bool> {
    let paths = &state.paths;
    let mut s = Settings::load(paths).map_err(CommandError::new)?;
    s.codex = settings.codex;
    s.claude = settings.claude;
    s.app = settings.app;
    s.language = settings.language;
    s.save(paths).map_err(CommandError::new)?;
    let exe = if s.app.start_at_login { Some(autostart::resident_exe().map_err(CommandError::new)?) } else { None };
    autostart::set(paths, exe.as_deref()).map_err(CommandError::new)?;
    match state.agent.apply_settings().await {
        Ok(()) => Ok(false),
        Err(IpcError::NotRunning { .. }) => Ok(true),
        Err(err) => Err(CommandError::unavailable(t!("err-window-settings-not-applied", error = err.to_string()))),
    }
}

/// The language the window speaks: `CODEX_HELPER_LANG`, then the `language`
/// setting, then LC_ALL/LC_MESSAGES/LANG. `None` when none of those decides
/// (no variable set, setting "auto"): the UI then follows the webview's
/// `navigator.language`, which is the desktop's language on every platform.
#[tauri::command]
#[specta::specta]
pub fn ui_language(state: State<'_, WindowState>, webview: Option<String>) -> CmdResult<Option<Lang>> {
    let pref = Settings::load(&state.paths).map(|s| s.language).unwrap_or_default();
    let (lang, spoken) = window_language(pref, |name| std::env::var(name).ok(), webview.as_deref());
    codex_helper_core::i18n::set_lang(spoken);
    Ok(lang)
}

/// What the backend decides (the UI's answer) and what this process then
/// speaks: the UI asks at start and after each save, telling the webview's
/// language (`navigator.language`), so core's error messages speak what
/// the window speaks even when only the webview's language decides it.
fn window_language(
    pref: codex_helper_core::i18n::LanguagePref,
    env: impl Fn(&str) -> Option<String>,
    webview: Option<&str>,
) -> (Option<Lang>, Lang) {
    let lang = Lang::decided(pref, env);
    (lang, lang.or_else(|| webview.map(Lang::from_locale)).unwrap_or_default())
}

/// The proxy's and the load balancer's settings (settings.json's `proxy`
/// and `lb` sections): timeouts, body limit, failure threshold, cooldowns,
/// the wait for a free `max_concurrent` slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ProxyLbSettings {
    pub proxy: ProxySettings,
    pub lb: LbSettings,
}

#[tauri::command]
#[specta::specta]
pub fn get_proxy_settings(state: State<'_, WindowState>) -> CmdResult<ProxyLbSettings> {
    let s = Settings::load(&state.paths).map_err(CommandError::new)?;
    Ok(ProxyLbSettings { proxy: s.proxy, lb: s.lb })
}

/// Save through core's validation; a refused value comes back as
/// `invalid_input` with `field` its dotted key (`proxy.connect_timeout_ms`).
/// Running proxies apply it on their next poll of the file (no restart).
#[tauri::command]
#[specta::specta]
pub fn save_proxy_settings(state: State<'_, WindowState>, settings: ProxyLbSettings) -> CmdResult<()> {
    let paths = &state.paths;
    let mut s = Settings::load(paths).map_err(CommandError::new)?;
    s.proxy = settings.proxy;
    s.lb = settings.lb;
    s.save(paths).map_err(|err| match CommandError::new(err) {
        CommandError::Config { key: Some(key), message, .. } => {
            CommandError::InvalidInput { field: Some(key), message }
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_helper_core::i18n::lang::env;
    use codex_helper_core::i18n::LANG_ENV;

    #[test]
    fn the_window_language_is_env_then_setting_then_locale_else_the_webviews() {
        assert_eq!(Lang::decided(LanguagePref::Auto, env(&[])), None);
        assert_eq!(Lang::decided(LanguagePref::Auto, env(&[("LANG", "zh_CN.UTF-8")])), Some(Lang::ZhCn));
        assert_eq!(Lang::decided(LanguagePref::ZhCn, env(&[])), Some(Lang::ZhCn));
        assert_eq!(
            Lang::decided(LanguagePref::ZhCn, env(&[(LANG_ENV, "en"), ("LANG", "zh_CN.UTF-8")])),
            Some(Lang::En)
        );
    }

    #[test]
    fn the_webview_decides_the_process_language_only_when_nothing_else_does() {
        // Only the webview's language: the UI decides, and core speaks it too.
        assert_eq!(window_language(LanguagePref::Auto, env(&[]), Some("zh-CN")), (None, Lang::ZhCn));
        assert_eq!(window_language(LanguagePref::Auto, env(&[]), None), (None, Lang::En));
        // The locale decides over the webview.
        assert_eq!(
            window_language(LanguagePref::Auto, env(&[("LANG", "C")]), Some("zh-CN")),
            (Some(Lang::En), Lang::En)
        );
    }
}
