#!/usr/bin/env bash
# `npm run build`: the installable Debian package of the desktop app.
#   1. the release CLI binaries `ch` and `codex-helper` (cargo, package codex-helper)
#   2. the frontend (ui/ → ui/dist, Vite)
#   3. the app in release mode and its .deb (Tauri CLI), which installs
#      /usr/bin/codex-helper-app with a desktop entry and icons, and the two
#      CLI commands /usr/bin/ch and /usr/bin/codex-helper
# Prints where the .deb is. `scripts/build.sh cli` builds only step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-$root/target}
say() { printf 'build: %s\n' "$*" >&2; }

if [ "${1:-}" = cli ]; then
  bash scripts/setup.sh build
  cargo build --release -p codex-helper
  ls -l "$target/release/ch" "$target/release/codex-helper"
  exit 0
fi

bash scripts/setup.sh app

say "CLI (release)"
cargo build --release -p codex-helper
say "frontend (ui/dist)"
npm --prefix ui run build

# The CLI binaries go into the package through bundle.linux.deb.files; the
# paths depend on CARGO_TARGET_DIR, so they are passed here rather than
# written into tauri.conf.json. The frontend is already built: skip the
# config's beforeBuildCommand.
config=$(printf '{"build":{"beforeBuildCommand":""},"bundle":{"linux":{"deb":{"files":{"/usr/bin/ch":"%s","/usr/bin/codex-helper":"%s"}}}}}' \
  "$target/release/ch" "$target/release/codex-helper")
say "app (release) and .deb"
(cd src-tauri && "$root/node_modules/.bin/tauri" build --bundles deb --config "$config")

deb=$(ls -t "$target"/release/bundle/deb/*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  say "no .deb under $target/release/bundle/deb"
  exit 1
fi

# The package must hold the app (tray process and window), its desktop
# entry and icon, and both commands; unpacked into a scratch root, the commands must run.
contents=$(dpkg-deb -c "$deb")
missing=0
for want in usr/bin/ch usr/bin/codex-helper usr/bin/codex-helper-app usr/bin/codex-helper-window \
  'usr/share/applications/[^/]+\.desktop' 'usr/share/icons/hicolor/[^/]+/apps/[^/]+\.png'; do
  if ! grep -Eq " (\./)?$want\$" <<<"$contents"; then
    say "the .deb lacks /$want"
    missing=1
  fi
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dpkg-deb -x "$deb" "$scratch"
for cmd in ch codex-helper; do
  "$scratch/usr/bin/$cmd" --version >/dev/null || { say "/usr/bin/$cmd from the .deb does not run"; missing=1; }
done
grep -q '^Exec=codex-helper-app' "$scratch"/usr/share/applications/*.desktop ||
  { say "the desktop entry does not start codex-helper-app"; missing=1; }
[ "$missing" = 0 ] || exit 1

say "built $(du -h "$deb" | cut -f1) package:"
echo "$deb"
echo "install it with:  sudo apt install $deb" >&2
