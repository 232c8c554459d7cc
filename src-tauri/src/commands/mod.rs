//! The typed commands the UI calls, one file per area, each thin over core.
//! [`builder`] registers them with tauri-specta, which also generates
//! `ui/src/bindings.ts` from it (see `crate::bindings`).

pub mod config;
pub mod doctor;
pub mod error;
pub mod files;
pub mod filters;
pub mod logs;
pub mod quota;
pub mod reach;
pub mod sessions;
pub mod settings;
pub mod speedtest;
pub mod status;
pub mod switch;
pub mod usage;

pub use error::CommandError;

pub type CmdResult<T> = Result<T, CommandError>;

/// Every command and event for runtime `$r` (`tauri::Wry`, or the mock
/// runtime in tests): `collect_commands!` needs the generics spelled out.
macro_rules! specta_builder {
    ($r:ty) => {
        tauri_specta::Builder::<$r>::new()
            .commands(tauri_specta::collect_commands![
                $crate::commands::config::list_configs,
                $crate::commands::config::add_upstream,
                $crate::commands::config::update_upstream,
                $crate::commands::config::set_active,
                $crate::commands::config::remove_config,
                $crate::commands::config::remove_upstream,
                $crate::commands::config::set_strategy,
                $crate::commands::config::test_connection,
                $crate::commands::config::test_stored_connection,
                $crate::commands::switch::switch_on,
                $crate::commands::switch::switch_off,
                $crate::commands::switch::switch_status,
                $crate::commands::status::live_status,
                $crate::commands::usage::usage_summary,
                $crate::commands::speedtest::speed_test,
                $crate::commands::quota::quota_sources,
                $crate::commands::quota::save_quota_sources,
                $crate::commands::quota::check_quota_source,
                $crate::commands::logs::query_logs,
                $crate::commands::logs::start_log_tail::<$r>,
                $crate::commands::logs::stop_log_tail::<$r>,
                $crate::commands::sessions::list_sessions,
                $crate::commands::sessions::open_resume_terminal::<$r>,
                $crate::commands::doctor::run_doctor,
                $crate::commands::settings::get_settings,
                $crate::commands::settings::save_settings,
                $crate::commands::settings::ui_language,
                $crate::commands::settings::get_proxy_settings,
                $crate::commands::settings::save_proxy_settings,
                $crate::commands::filters::list_filter_rules,
                $crate::commands::filters::save_filter_rules,
                $crate::commands::filters::preview_filters,
                $crate::commands::files::open_config_folder::<$r>,
                $crate::commands::files::open_log_file::<$r>,
                $crate::commands::reach::reach_defaults,
                $crate::commands::reach::plan_tool_import,
                $crate::commands::reach::apply_tool_import,
                $crate::commands::reach::export_backup,
                $crate::commands::reach::plan_backup_import,
                $crate::commands::reach::apply_backup_import,
                $crate::commands::reach::undo_preview,
                $crate::commands::reach::undo_last,
                $crate::commands::reach::first_run,
                $crate::commands::reach::import_login,
            ])
            .events(tauri_specta::collect_events![$crate::events::StateChanged, $crate::events::LogLine])
            .dangerously_cast_bigints_to_number()
            // One TS type per Rust type: our types read and write the same shape.
            .disable_serde_phases()
    };
}
#[cfg(test)]
pub(crate) use specta_builder;

/// The commands and events of the desktop app.
pub fn builder() -> tauri_specta::Builder<tauri::Wry> {
    specta_builder!(tauri::Wry)
}
