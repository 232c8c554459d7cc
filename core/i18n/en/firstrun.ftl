# The first run of the desktop app: the one-time offer to start at login
# (agent/src/first_run.rs; the state: core/src/autostart_offer.rs).

firstrun-autostart-title = Start codex-helper at login?
firstrun-autostart-body = The tray app can start with your desktop session, so Codex and Claude Code always find their proxy. You can change this any time in Settings.
firstrun-autostart-accept = Start at login
firstrun-autostart-decline = Not now
firstrun-autostart-failed = Could not turn on start at login: { $error }
