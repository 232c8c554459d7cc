//! The first start in a home: offer "Start at login" once, as a
//! notification with two buttons. Core's `autostart_offer` decides whether
//! to ask and keeps what became of it; accepting writes what the window's
//! Settings toggle writes.

use codex_helper_core::autostart_offer::{self, Answer};
use codex_helper_core::config::Settings;
use codex_helper_core::i18n::Lang;
use codex_helper_core::{autostart, t_in, Paths};

use crate::notify::{self, Note, Reply};

/// The buttons' action ids.
const ACCEPT: &str = "start-at-login";
const DECLINE: &str = "not-now";

/// Ask, unless this home was asked before or starts at login already.
/// For a desktop session (the tray process with a display).
pub fn offer_autostart(paths: &Paths) {
    if !autostart_offer::should_offer(paths) {
        return;
    }
    // The language this process speaks is set elsewhere; the offer follows
    // the same rule (CODEX_HELPER_LANG, the setting, the locale) itself.
    let lang = Lang::current(Settings::load(paths).map(|s| s.language).unwrap_or_default());
    let note = Note {
        title: t_in!(lang, "firstrun-autostart-title"),
        body: t_in!(lang, "firstrun-autostart-body"),
        screen: "settings",
    };
    let choices =
        vec![(ACCEPT, t_in!(lang, "firstrun-autostart-accept")), (DECLINE, t_in!(lang, "firstrun-autostart-decline"))];
    let paths = paths.clone();
    notify::ask(&note, choices, move |reply| {
        if let Err(error) = answer(&paths, reply) {
            tracing::error!(%error, "the start-at-login offer");
            notify::show(&Note::problem(t_in!(lang, "firstrun-autostart-failed", error = error)), |_| {});
        }
    });
}

/// Keep what became of the offer; accepting turns start at login on.
fn answer(paths: &Paths, reply: Reply) -> Result<(), String> {
    let result = match reply {
        // On the screen: never asked again, answered or not.
        Reply::Shown => autostart_offer::record_offered(paths),
        Reply::Chose(id) if id == ACCEPT => {
            let exe = autostart::resident_exe().map_err(|e| e.to_string())?;
            tracing::info!(exe = %exe.display(), "start at login: accepted");
            autostart_offer::accept(paths, &exe)
        }
        Reply::Chose(id) if id == DECLINE => autostart_offer::record_answer(paths, Answer::Declined),
        // Closed, or a click on the body (no choice made).
        Reply::Chose(_) | Reply::Closed => autostart_offer::record_answer(paths, Answer::Dismissed),
        // No notification server: asked at the next start that has one.
        Reply::NotShown => Ok(()),
    };
    result.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reply_is_kept_and_only_accepting_writes_the_entry() {
        let cases = [
            (vec![Reply::NotShown], None),
            (vec![Reply::Shown], Some(None)),
            (vec![Reply::Shown, Reply::Chose(DECLINE.into())], Some(Some(Answer::Declined))),
            (vec![Reply::Shown, Reply::Closed], Some(Some(Answer::Dismissed))),
            (vec![Reply::Shown, Reply::Chose("default".into())], Some(Some(Answer::Dismissed))),
            (vec![Reply::Shown, Reply::Chose(ACCEPT.into())], Some(Some(Answer::Accepted))),
        ];
        for (replies, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            let paths = Paths::with_home(dir.path());
            let accepted = replies.last() == Some(&Reply::Chose(ACCEPT.into()));
            for reply in replies {
                answer(&paths, reply).unwrap();
            }
            assert_eq!(autostart_offer::state(&paths).map(|s| s.answer), want);
            assert_eq!(autostart_offer::should_offer(&paths), want.is_none(), "asked again only when never shown");
            assert_eq!(autostart::entry_file(&paths).exists(), accepted);
            assert_eq!(Settings::load(&paths).unwrap().app.start_at_login, accepted);
        }
    }

    #[test]
    fn the_offer_speaks_both_languages() {
        assert_eq!(t_in!(Lang::En, "firstrun-autostart-title"), "Start codex-helper at login?");
        assert_eq!(t_in!(Lang::ZhCn, "firstrun-autostart-accept"), "登录时启动");
    }
}
