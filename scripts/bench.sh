#!/usr/bin/env bash
# `npm run bench`: codex-helper's benchmark (issue 11). The same workloads go
# direct to a mock upstream, through nginx (a plain reverse proxy with
# keep-alive) and through `ch serve`, one after the other in one run; the
# table (ratios against nginx beside each target) goes to stdout, the JSON
# to bench/results/. Code: bench/ (`ch-bench run --help`).
#
#   npm run bench                full run (3 interleaved rounds, ~4 minutes) of the
#                                build that ships: ch with profile-guided
#                                optimization (scripts/pgo.sh, ~7 minutes cold)
#   npm run bench -- --quick     a few seconds per scenario (`npm test` runs it),
#                                of the plain release build
#   CH_BIN=/path/to/ch npm run bench    measure another build of ch (before/after;
#                                CH_BIN=target/release/ch: the plain release build)
#   CH_APP_BIN=/path/to/codex-helper-app   the tray app whose RSS a full run measures
#                                        (default: target/{release,debug}/codex-helper-app if built)
#   CH_BENCH_KEEP=1                      keep the temporary homes, configs and logs
#
# Exits non-zero only on a harness fault (lost/duplicated/reordered SSE
# events, a process that would not start, no request served), never on a
# missed target.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH:/usr/sbin:/sbin"

if ! command -v nginx >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing nginx (Debian's nginx-light)" >&2
    # Keep the package's postinst from starting a system nginx on port 80.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || status=$?
    if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    [ "${status:-0}" = 0 ] || exit "$status"
  else
    echo "bench: nginx is missing; install it: sudo apt-get install -y nginx-light" >&2
    exit 2
  fi
fi

target="${CARGO_TARGET_DIR:-target}"
echo "bench: building ch and ch-bench (release)" >&2
cargo build --release -p codex-helper -p codex-helper-bench --bin ch --bin ch-bench
# The tray app's memory, in full runs: CH_APP_BIN, else a build that is
# already there (release first; `npm test` leaves a debug one).
if [ -z "${CH_APP_BIN:-}" ] && [[ " $* " != *" --quick "* ]]; then
  for app in "$target/release/codex-helper-app" "$target/debug/codex-helper-app"; do
    if [ -x "$app" ]; then
      export CH_APP_BIN="$app"
      echo "bench: measuring the tray app $app" >&2
      break
    fi
  done
fi
ch=${CH_BIN:-}
if [ -z "$ch" ]; then
  ch=$target/release/ch
  if [[ " $* " != *" --quick "* ]]; then
    echo "bench: building ch with profile-guided optimization, as npm run build does (scripts/pgo.sh)" >&2
    ch=$(bash scripts/pgo.sh)/ch
  fi
fi
exec "$target/release/ch-bench" run --ch "$ch" --nginx "${NGINX_BIN:-$(command -v nginx)}" "$@"
