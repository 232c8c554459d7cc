#!/usr/bin/env bash
# `npm run soak`: mixed streaming traffic with faults through the in-process
# proxy for 30 minutes (SOAK_SECS=N to change), RSS and open descriptors
# sampled every second and required to stay flat (see
# tests/integration/soak.rs for what "flat" means). `npm test` runs a
# 60-second version: `SOAK_SECS=60 bash scripts/soak.sh`.
# SOAK_VERBOSE=1 prints every sample.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CODEX_HELPER_SOAK_SECS="${SOAK_SECS:-1800}"
if [ -n "${SOAK_VERBOSE:-}" ]; then export CODEX_HELPER_SOAK_VERBOSE=1; fi
# Alone in its process: it measures the whole test binary.
exec cargo test -p codex-helper-tests --test integration soak:: -- --test-threads=1 --nocapture
