#!/usr/bin/env bash
# `npm test`: install what the tests need, then run every suite:
#   1. Rust unit + integration tests (real sockets, mock upstreams, the ch binary)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"

echo "test: rust workspace" >&2
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast --failure-output final
else
  cargo test --workspace --no-fail-fast
fi
