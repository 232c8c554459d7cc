#!/usr/bin/env bash
# Packages binaries that are already built into a .deb and an .rpm (the
# Tauri CLI's `tauri bundle`; it compiles nothing):
#   scripts/bundle.sh release   what `npm run build` ships (scripts/build.sh)
#   scripts/bundle.sh debug     the test build, for scripts/test-packages.sh
# Each package installs /usr/bin/codex-helper-app (tray, proxies) and
# /usr/bin/codex-helper-window (the window) with a desktop entry and icons
# named codex-helper-app (tauri.conf.json: mainBinaryName), and the two CLI
# commands /usr/bin/ch and /usr/bin/codex-helper. Prints the two paths.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-$root/target}
profile=${1:-}
case "$profile" in release) flag=() ;; debug) flag=(--debug) ;; *)
  echo "usage: scripts/bundle.sh release|debug" >&2
  exit 2
  ;;
esac
bin=$target/$profile
# CH_CLI_DIR: where `ch` and `codex-helper` come from when not beside the
# app (`npm run build` ships them built with profile-guided optimization).
cli=${CH_CLI_DIR:-$bin}
for b in "$bin/codex-helper-app" "$bin/codex-helper-window" "$cli/ch" "$cli/codex-helper"; do
  [ -x "$b" ] || { echo "bundle: $b is missing: build it first" >&2; exit 1; }
done

# The CLI binaries go in through bundle.linux.{deb,rpm}.files; their paths
# depend on CARGO_TARGET_DIR, so they are given here rather than written
# into tauri.conf.json. A debug payload is about 490 MB unpacked: its .rpm
# is left uncompressed (a test unpacks it at once; gzip costs ~15 s).
files=$(printf '{"/usr/bin/ch":"%s","/usr/bin/codex-helper":"%s"}' "$cli/ch" "$cli/codex-helper")
rpm_extra=""
[ "$profile" = debug ] && rpm_extra=',"compression":{"type":"none"}'
config=$(printf '{"bundle":{"linux":{"deb":{"files":%s},"rpm":{"files":%s%s}}}}' "$files" "$files" "$rpm_extra")
rm -f "$bin"/bundle/deb/*.deb "$bin"/bundle/rpm/*.rpm
# No binary patching: it tags a Tauri binary for the updater, which we do
# not use, and rewriting the test build's binaries would race the suites.
(cd src-tauri && "$root/node_modules/.bin/tauri" bundle "${flag[@]}" --bundles deb,rpm --no-binary-patching --ci --config "$config") >&2

deb=$(ls "$bin"/bundle/deb/*.deb 2>/dev/null | head -n1 || true)
rpm=$(ls "$bin"/bundle/rpm/*.rpm 2>/dev/null | head -n1 || true)
[ -n "$deb" ] && [ -n "$rpm" ] || { echo "bundle: no .deb or .rpm under $bin/bundle" >&2; exit 1; }
echo "$deb"
echo "$rpm"
