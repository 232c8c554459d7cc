#!/usr/bin/env bash
# `npm run build`: release binaries `ch` and `codex-helper` in target/release/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p codex-helper
ls -l target/release/ch target/release/codex-helper
