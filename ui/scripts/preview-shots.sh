#!/usr/bin/env bash
# Screenshots of every screen of the browser preview (fake backend, see
# src/lib/mock.ts) at 1000x700, for a quick look without the Tauri app.
# Needs Debian's chromium. Usage: bash scripts/preview-shots.sh [outdir]
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-shots}")"
mkdir -p "$out"
npx vite build --mode mock --logLevel warn
port=4173
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist-mock >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
for screen in dashboard configs usage logs sessions settings; do
  profile="$(mktemp -d)"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1000,700 \
    --virtual-time-budget=4000 --screenshot="$out/$screen.png" \
    "http://127.0.0.1:$port/index.html#$screen" 2>/dev/null
  rm -rf "$profile"
done
echo "screenshots in $out"
