#!/usr/bin/env bash
# `npm start`: install what is missing, build what is stale, and start the
# desktop tray app (it serves the proxies itself, from the same config files
# as `ch`). With no display ($DISPLAY / $WAYLAND_DISPLAY unset) it says how
# to run the app headless and serves with `ch serve` instead.
# The command-line proxy alone: `npm run serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-$root/target}

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
start: no display ($DISPLAY and $WAYLAND_DISPLAY are unset), so not starting the desktop app.
  To run the app headless, give it a virtual screen (a session bus is started for it):
    Xvfb :99 -screen 0 1280x800x24 &
    DISPLAY=:99 npm start
  (the installed package: DISPLAY=:99 dbus-run-session -- codex-helper-app)
  Serving with the command-line proxy instead (`npm run serve`):
MSG
  exec bash scripts/serve.sh "$@"
fi

app="$target/release/codex-helper-app"
# One line per phase, saying what comes next; cargo shows its own progress.
phase() { printf 'start: [%s/4] %s\n' "$1" "$2" >&2; }
phase 1 "system packages, Rust and npm tools (next: the frontend, then the app)"
bash scripts/setup.sh app
# The frontend is embedded into the binary: rebuild it only when its sources
# changed (a fresh ui/dist would make cargo recompile the app).
if [ ! -f ui/dist/index.html ] ||
  [ -n "$(find ui/src ui/index.html ui/package.json ui/vite.config.ts -newer ui/dist/index.html -print -quit)" ]; then
  phase 2 "building the frontend, ui/dist (a few seconds; next: the app)"
  npm --prefix ui run build
else
  phase 2 "the frontend is up to date (next: the app)"
fi
if [ -x "$app" ]; then
  phase 3 "building the app in release mode: only what changed, seconds to a few minutes (next: starting it)"
else
  # A cold release build compiles about 400 crates (WebKitGTK bindings,
  # Tauri, the proxy; fat LTO): ~40 minutes measured on the project's shared
  # 2-core build machine (issue 14).
  phase 3 "building the app in release mode for the first time: about 400 crates, usually 30-40 minutes on 2 cores (less with more); later starts rebuild only what changed (next: starting it)"
fi
t0=$SECONDS
cargo build --release -p codex-helper -p codex-helper-app --features codex-helper-app/custom-protocol
phase 4 "built in $((SECONDS - t0)) s; starting $app (it lives in the tray; Quit there or Ctrl-C here)"
# The tray, notifications and single-instance need a session bus.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  exec dbus-run-session -- "$app" "$@"
fi
exec "$app" "$@"
