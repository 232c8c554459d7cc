#!/usr/bin/env bash
# `npm run build`: the installable packages of the desktop app, a .deb and
# an .rpm.
#   1. the release CLI binaries `ch` and `codex-helper` (package codex-helper)
#      and the tray app `codex-helper-app`, built with profile-guided
#      optimization (scripts/pgo.sh --app: target/pgo/release)
#   2. the frontend (ui/ → ui/dist, Vite)
#   3. the app in release mode (Tauri CLI, `tauri build --no-bundle`)
#   4. the .deb and the .rpm (scripts/bundle.sh release), each installing
#      /usr/bin/codex-helper-app and /usr/bin/codex-helper-window with a
#      desktop entry and icons, and the two CLI commands /usr/bin/ch and
#      /usr/bin/codex-helper
#   5. their check (scripts/test-packages.sh --release: contents, installed
#      into scratch roots, and the installed app started when Xvfb is here)
# Prints where the packages are. `scripts/build.sh cli` builds only step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-$root/target}
say() { printf 'build: %s\n' "$*" >&2; }

if [ "${1:-}" = cli ]; then
  bash scripts/setup.sh build
  cli=$(bash scripts/pgo.sh)
  ls -l "$cli/ch" "$cli/codex-helper"
  exit 0
fi

bash scripts/setup.sh app

say "CLI and tray app (release, profile-guided: scripts/pgo.sh --app)"
cli=$(bash scripts/pgo.sh --app)
say "frontend (ui/dist)"
npm --prefix ui run build

# The frontend is already built: skip the config's beforeBuildCommand.
say "app (release; cargo's progress follows)"
(cd src-tauri && "$root/node_modules/.bin/tauri" build --no-bundle --ci --config '{"build":{"beforeBuildCommand":""}}')
# The tray app (the proxies most users run) as pgo.sh built it, in the
# place `tauri bundle` takes it from; cargo sees the newer file as up to
# date. Without it (no xvfb-run for its training) tauri's plain build ships.
if [ -x "$cli/codex-helper-app" ]; then
  cp "$cli/codex-helper-app" "$target/release/codex-helper-app"
else
  say "WARNING: the tray app ships without profile-guided optimization"
fi
say "packages (.deb and .rpm), then a check of both (scripts/test-packages.sh --release)"
mapfile -t pkgs < <(CH_CLI_DIR=$cli bash scripts/bundle.sh release)
[ "${#pkgs[@]}" = 2 ] || { say "packaging failed"; exit 1; }
bash scripts/test-packages.sh --release

for p in "${pkgs[@]}"; do
  say "built $(du -h "$p" | cut -f1) package:"
  echo "$p"
done
say "install the .deb (Debian, Ubuntu):  sudo apt install ${pkgs[0]}"
say "install the .rpm (Fedora, openSUSE): sudo dnf install ${pkgs[1]}"
