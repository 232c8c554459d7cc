#!/usr/bin/env bash
# `npm start`: install what is missing, build, and run the main job: the
# codex-helper proxy for Codex on 127.0.0.1:3211, serving your config.
# Extra arguments go to `ch` (e.g. `npm start -- --claude`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
export PATH="$HOME/.cargo/bin:$PATH"
echo "start: building codex-helper (release)…" >&2
cargo build --release --quiet -p codex-helper
if [ $# -eq 0 ]; then set -- serve; fi
exec ./target/release/ch "$@"
