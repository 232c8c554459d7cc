#!/usr/bin/env bash
# The release CLI binaries (`ch`, `codex-helper`) built with profile-guided
# optimization: what `npm run build` ships and what a full `npm run bench`
# measures. Prints the directory that holds the two binaries.
#
#   bash scripts/pgo.sh        → target/pgo/release/{ch,codex-helper}
#
# Why: most of a proxied request's user time is instruction-cache and
# branch misses spread over hyper, tokio and our own code (issue 11). With
# a profile of real proxying, LLVM lays the hot paths out together and
# inlines where it pays: user time per request at one in flight ~28 → ~16 µs
# on the bench machine (see README, Performance).
#
# How:
#   1. an instrumented build (-Cprofile-generate) in target/pgo/gen
#   2. training: that `ch serve` (Codex, then Claude) in front of the bench's
#      mock upstream, driven by `ch-bench load`: small answers at 1 and 16 in
#      flight, event streams at 64 (both) and 256 (Codex) at once, each in
#      its API's format (~45 s)
#   3. llvm-profdata merges the profiles (rustup's llvm-tools, whose LLVM is
#      rustc's own: a profile only works with the LLVM that reads it)
#   4. the final build (-Cprofile-use) in target/pgo/use, copied to
#      target/pgo/release
# The profile is made fresh each time from the source being built, so it
# never goes stale. Builds are for the host target given explicitly, so the
# flags stay off build scripts and proc macros.
#
# Without llvm-profdata (no rustup, offline) it says so and falls back on a
# plain release build in the same place, so packaging still works.
# The last line on stdout is the directory of the two binaries (absolute).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-$PWD/target}
pgo=$target/pgo
out=$pgo/release
say() { printf 'pgo: %s\n' "$*" >&2; }

host=$(rustc -vV | sed -n 's/^host: //p')
sysroot=$(rustc --print sysroot)
profdata=$sysroot/lib/rustlib/$host/bin/llvm-profdata
if [ ! -x "$profdata" ] && command -v rustup >/dev/null; then
  say "installing rustup's llvm-tools (llvm-profdata for rustc's LLVM)"
  rustup component add llvm-tools >&2 || true
fi
mkdir -p "$out"

if [ ! -x "$profdata" ]; then
  say "WARNING: no llvm-profdata for this rustc ($profdata): building WITHOUT profile-guided optimization"
  cargo build --release -p codex-helper --bin ch --bin codex-helper
  cp "$target/release/ch" "$target/release/codex-helper" "$out/"
  echo "$out"
  exit 0
fi

say "1/4 instrumented build (target/pgo/gen)"
rm -rf "$pgo/profiles"
mkdir -p "$pgo/profiles"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$pgo/profiles" CARGO_TARGET_DIR=$pgo/gen \
  cargo build --release --target "$host" -p codex-helper --bin ch
gen=$pgo/gen/$host/release/ch
say "    and the bench's driver and mock upstream (target/release/ch-bench)"
cargo build --release -p codex-helper-bench --bin ch-bench
bench=$target/release/ch-bench

say "2/4 training: the instrumented ch in front of the mock upstream"
# $work (removed on exit, with $pids) and the mock upstream at $upstream.
. scripts/mock-upstream.sh
home=$work/home
mkdir -p "$home/.codex-helper" "$home/.codex" "$home/.claude"
ups='[{"base_url":"http://'$upstream'/v1","auth":{"auth_token":"sk-pgo-upstream","api_key":null},"tags":{}}]'
cat >"$home/.codex-helper/config.json" <<EOF
{"version":1,"codex":{"active":"pgo","configs":{"pgo":{"name":"pgo","alias":null,"upstreams":$ups}}},"claude":{"active":"pgo","configs":{"pgo":{"name":"pgo","alias":null,"upstreams":$ups}}},"default_service":null}
EOF
echo '{"proxy":{"max_connections":4096}}' >"$home/.codex-helper/settings.json"

# Serves `$1` (codex|claude) with the instrumented ch, runs one
# `ch-bench load` per remaining argument (each a space-separated list of
# its options after --url), and stops it with SIGTERM so that it writes
# its profile.
train() {
  local service=$1 path
  shift
  [ "$service" = codex ] && path=/v1/responses || path=/v1/messages
  HOME="$home" CODEX_HOME="$home/.codex" LLVM_PROFILE_FILE="$pgo/profiles/ch-%p-%m.profraw" \
    "$gen" serve "--$service" --port 0 --json >"$work/$service.json" 2>"$work/$service.log" &
  local pid=$!
  local addr=""
  for _ in $(seq 100); do
    addr=$(sed -n 's/.*"listening":"\([^"]*\)".*/\1/p' "$work/$service.json" 2>/dev/null | head -1)
    [ -n "$addr" ] && break
    sleep 0.1
  done
  [ -n "$addr" ] || { say "ch serve --$service did not start: $(tail -5 "$work/$service.log")"; exit 1; }
  local load
  for load in "$@"; do
    # shellcheck disable=SC2086 # each load is a list of arguments
    "$bench" load --url "http://$addr$path" $load >"$work/load.json"
    grep -q '"errors": 0' "$work/load.json" || { say "errors while training ($service, $load): $(cat "$work/load.json")"; exit 1; }
  done
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}
train codex "--in-flight 1 --duration-ms 6000" "--in-flight 16 --duration-ms 4000" \
  "--in-flight 64 --sse 40 --gap-ms 1 --rounds 4" "--in-flight 256 --sse 10 --gap-ms 10"
# Claude Code's path through the proxy: its headers, the Messages API's
# answers and events (the mock answers `/v1/messages` in that format).
train claude "--in-flight 1 --duration-ms 3000" "--in-flight 16 --duration-ms 2000" \
  "--in-flight 64 --sse 40 --gap-ms 1 --rounds 2"
ls "$pgo"/profiles/ch-*.profraw >/dev/null 2>&1 || { say "training wrote no profile"; exit 1; }

say "3/4 merging the profiles"
"$profdata" merge -o "$pgo/ch.profdata" "$pgo"/profiles/ch-*.profraw

say "4/4 the optimized build (target/pgo/use)"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$pgo/ch.profdata" CARGO_TARGET_DIR=$pgo/use \
  cargo build --release --target "$host" -p codex-helper --bin ch --bin codex-helper
cp "$pgo/use/$host/release/ch" "$pgo/use/$host/release/codex-helper" "$out/"
say "built with profile-guided optimization: ${out#"$PWD"/}/ch, ${out#"$PWD"/}/codex-helper"
echo "$out"
