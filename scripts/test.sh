#!/usr/bin/env bash
# `npm test`: install what the tests need, then run every suite:
#   0. `cargo fmt --all --check` (first: it needs no build), and
#      scripts/check-readme-zh.mjs (README.zh-CN.md carries README.md's
#      code blocks and ## sections)
#   1. Rust unit + integration tests (real sockets, mock upstreams, the ch binary),
#      then `cargo clippy --workspace --all-targets -- -D warnings` on the same
#      build (the workspace lints, `await_holding_lock` among them, are denials)
#   2. End-to-end with the real, pinned Codex CLI and Claude Code (offline,
#      against a mock upstream), feature `real-clients` of the cli crate
#   3. The UI's unit tests (vitest, ui/src/**/*.test.ts), run first
#   4. The benchmark harness in quick mode (`npm run bench -- --quick`:
#      direct / nginx / ch; fails only on a harness fault such as lost SSE
#      events, never on a missed performance target)
#   5. A 60-second soak (memory and descriptors flat under faulted traffic)
#   6. The desktop app's GUI end-to-end (tests/gui/): the real app under Xvfb
#      and a private D-Bus session, driven by tauri-driver (WebKitWebDriver)
#   7. The .deb and .rpm (scripts/test-packages.sh): made from the debug
#      build of step 6 (no release build: ~25 s), their contents checked,
#      installed into scratch roots, the installed app started and stopped
# A failing suite does not stop the next one; the exit code is non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"

# The real clients, pinned in tests/real-clients/package.json.
clients=tests/real-clients
if ! "$clients/node_modules/.bin/codex" --version >/dev/null 2>&1 ||
   ! "$clients/node_modules/.bin/claude" --version >/dev/null 2>&1; then
  echo "test: installing the real clients (@openai/codex, @anthropic-ai/claude-code; ~650 MB, once)" >&2
  (cd "$clients" && npm install --no-audit --no-fund --loglevel=error)
  # npm may skip Claude Code's postinstall (it puts the native binary in place).
  if ! "$clients/node_modules/.bin/claude" --version >/dev/null 2>&1; then
    (cd "$clients/node_modules/@anthropic-ai/claude-code" && node install.cjs)
  fi
fi
export CODEX_HELPER_REAL_CLIENTS_BIN="$PWD/$clients/node_modules/.bin"
"$CODEX_HELPER_REAL_CLIENTS_BIN/codex" --version >&2
"$CODEX_HELPER_REAL_CLIENTS_BIN/claude" --version >&2

status=0
echo "test: cargo fmt --all --check" >&2
cargo fmt --all --check || status=1
echo "test: README.zh-CN.md in step with README.md (code blocks, ## sections)" >&2
node scripts/check-readme-zh.mjs || status=1

# The frontend first: the app embeds ui/dist (custom-protocol), and its unit
# tests are quick.
echo "test: ui build and unit tests (vitest)" >&2
npm --prefix ui run build
npm --prefix ui test || status=1

# One feature set for every build below, so the GUI suite reuses the test
# build's binaries instead of recompiling the dependency tree.
export CH_TEST_FEATURES="codex-helper/real-clients,codex-helper-app/custom-protocol"
echo "test: rust workspace, including the real-client end-to-end tests" >&2
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --features "$CH_TEST_FEATURES" --no-fail-fast --failure-output final || status=1
else
  cargo test --workspace --features "$CH_TEST_FEATURES" --no-fail-fast || status=1
fi
# After the tests, with their feature set, so it reuses their dependency build.
echo "test: cargo clippy (workspace lints and warnings are errors)" >&2
cargo clippy --workspace --all-targets --features "$CH_TEST_FEATURES" -- -D warnings || status=1

# The bench's quick mode, so the harness never rots (a release build of ch
# and ch-bench: a few minutes cold, seconds warm).
echo "test: benchmark harness, quick mode (direct / nginx / ch)" >&2
bash scripts/bench.sh --quick || status=1

# The soak (tests/integration/soak.rs) measures its whole process, so it
# runs on its own, after the suite; `npm run soak` is the 30-minute version.
echo "test: 60-second soak (RSS and open descriptors stay flat under faulted traffic)" >&2
if cargo nextest --version >/dev/null 2>&1; then
  CODEX_HELPER_SOAK_SECS=60 cargo nextest run --workspace --features "$CH_TEST_FEATURES" \
    --no-fail-fast --failure-output final -E 'test(/^soak::/)' || status=1
else
  CODEX_HELPER_SOAK_SECS=60 cargo test --workspace --features "$CH_TEST_FEATURES" \
    --test integration soak:: -- --test-threads=1 --nocapture || status=1
fi

echo "test: desktop app GUI end-to-end (tests/gui; screenshots in tests/gui/artifacts/)" >&2
bash scripts/test-gui.sh || status=1

echo "test: the .deb and .rpm (contents, installed into scratch roots, the installed app starts)" >&2
bash scripts/test-packages.sh || status=1
exit $status
