#!/usr/bin/env bash
# `npm run serve`: the command-line proxy without the desktop app: build `ch`
# (release) and run `ch serve` (Codex on 127.0.0.1:3211, serving your config).
# Extra arguments go to `ch` (e.g. `npm run serve -- serve --claude`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
export PATH="$HOME/.cargo/bin:$PATH"
echo "serve: building codex-helper (release)…" >&2
cargo build --release --quiet -p codex-helper
target=${CARGO_TARGET_DIR:-$PWD/target}
if [ $# -eq 0 ]; then set -- serve; fi
exec "$target/release/ch" "$@"
