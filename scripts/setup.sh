#!/usr/bin/env bash
# Installs what building and testing codex-helper needs, and nothing else.
# As root, missing Debian packages are installed with apt-get; otherwise the
# exact command to run is printed and the script stops.
#
#   scripts/setup.sh          the CLI only (`ch`, `npm run serve`)
#   scripts/setup.sh app      the desktop app as well (WebKitGTK, the Tauri CLI, ui/)
#   scripts/setup.sh test     everything `npm test` needs, including the
#                             headless GUI tests (Xvfb, D-Bus, WebKitWebDriver, tauri-driver)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}
case "$mode" in build | app | test) ;; *)
  echo "usage: scripts/setup.sh [build|app|test]" >&2
  exit 2
  ;;
esac
say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages per purpose. The core uses rustls, so the CLI needs no
# OpenSSL headers; WebKitGTK (the app's webview) pulls in its own.
apt_build=(build-essential pkg-config curl ca-certificates)
apt_app=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libssl-dev file)
# Training the tray app's profile for `npm run build` (scripts/pgo.sh --app):
# it runs hidden under a virtual display and a session bus.
apt_train=(xvfb dbus)
# Tauri writes the .rpm itself; `rpm` is for reading and installing it
# (scripts/test-packages.sh, after `npm run build` and in `npm test`).
apt_pkg=(rpm)
# Running the app headless in tests (the virtual display and the session bus
# are apt_train's): the bus's X11 launcher, a notification server,
# screenshots, the webview driver.
apt_gui=(sqlite3 xdotool imagemagick dbus-x11 at-spi2-core libnotify-bin dunst webkit2gtk-driver libglib2.0-bin)

wanted=("${apt_build[@]}")
if [ "$mode" != build ]; then wanted+=("${apt_app[@]}" "${apt_train[@]}" "${apt_pkg[@]}"); fi
if [ "$mode" = test ]; then wanted+=("${apt_gui[@]}"); fi
need_apt=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    say "missing system packages: ${need_apt[*]}"
    say "install them with:  sudo apt-get install -y ${need_apt[*]}"
    exit 1
  fi
fi

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
  say "Rust is not installed. Install it with:"
  say "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y"
  say "then open a new shell (or run: source \"\$HOME/.cargo/env\") and try again."
  exit 1
fi

# npm packages: `npm ci` when node_modules is missing or older than the lock
# file (npm writes node_modules/.package-lock.json on every install).
npm_ci() {
  local dir=$1
  local marker="$dir/node_modules/.package-lock.json"
  if [ ! -f "$marker" ] || [ "$dir/package-lock.json" -nt "$marker" ]; then
    if ! command -v npm >/dev/null; then
      say "Node.js 20 (with npm) is needed for the desktop app: sudo apt-get install -y nodejs npm"
      exit 1
    fi
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
if [ "$mode" != build ]; then
  npm_ci . # the Tauri CLI (@tauri-apps/cli, root devDependency)
  npm_ci ui
fi

if [ "$mode" = test ]; then
  # `npm test` checks formatting and lints too (cargo SUBCOMMAND:COMPONENT).
  for pair in fmt:rustfmt clippy:clippy; do
    if ! cargo "${pair%%:*}" --version >/dev/null 2>&1; then
      if command -v rustup >/dev/null; then
        say "installing the ${pair#*:} component (one time)"
        rustup component add "${pair#*:}"
      else
        say "cargo ${pair%%:*} is missing: install your Rust toolchain's ${pair#*:} component"
        exit 1
      fi
    fi
  done
  if ! cargo nextest --version >/dev/null 2>&1; then
    say "installing cargo-nextest (one time, a few minutes)"
    cargo install cargo-nextest --locked --quiet || say "cargo-nextest failed to install; falling back to cargo test"
  fi
  if ! tauri-driver --help >/dev/null 2>&1 && ! "$HOME/.cargo/bin/tauri-driver" --help >/dev/null 2>&1; then
    say "installing tauri-driver (one time, under a minute)"
    cargo install tauri-driver --locked --quiet --version '^2'
  fi
fi
exit 0
