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

bash scripts/setup.sh app
# The frontend is embedded into the binary: rebuild it only when its sources
# changed (a fresh ui/dist would make cargo recompile the app).
if [ ! -f ui/dist/index.html ] ||
  [ -n "$(find ui/src ui/index.html ui/package.json ui/vite.config.ts -newer ui/dist/index.html -print -quit)" ]; then
  echo "start: building the frontend (ui/dist)…" >&2
  npm --prefix ui run build
fi
echo "start: building the app (release; the first time takes a few minutes)…" >&2
cargo build --release --quiet -p codex-helper -p codex-helper-app --features codex-helper-app/custom-protocol
app="$target/release/codex-helper-app"
# The tray, notifications and single-instance need a session bus.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  exec dbus-run-session -- "$app" "$@"
fi
exec "$app" "$@"
