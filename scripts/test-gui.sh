#!/usr/bin/env bash
# The desktop app's GUI end-to-end suite (tests/gui/), also run by
# `npm test`: the real app under Xvfb and a private D-Bus session, driven by
# tauri-driver (WebKitWebDriver). Screenshots and logs: tests/gui/artifacts/.
# `npm run test:gui` runs it alone (after `scripts/setup.sh test`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
start=$SECONDS
# The debug app with the built frontend embedded (custom-protocol: no Vite
# dev server), and the debug `ch` the tests run "from a terminal" (same
# features as the Rust suites build it with, so nothing is rebuilt).
[ -f ui/dist/index.html ] || npm --prefix ui run build
# Same features as `npm test`'s Rust suites, and `--all-targets` so the
# dev-dependencies' features unify as they did for the tests: without it
# cargo resolves another feature set and rebuilds the whole dependency tree
# (6 minutes on 2 cores) for the same binaries.
cargo build --workspace --all-targets --features "${CH_TEST_FEATURES:-codex-helper/real-clients,codex-helper-app/custom-protocol}"
echo "test-gui: binaries ready in $((SECONDS - start)) s" >&2
rm -rf tests/gui/artifacts
status=0
node --test --test-reporter=spec tests/gui/ || status=$?
echo "test-gui: done in $((SECONDS - start)) s; screenshots in tests/gui/artifacts/" >&2
exit $status
