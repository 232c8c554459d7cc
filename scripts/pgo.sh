#!/usr/bin/env bash
# The release CLI binaries (`ch`, `codex-helper`) built with profile-guided
# optimization: what `npm run build` ships and what a full `npm run bench`
# measures. Prints the directory that holds the binaries.
#
#   bash scripts/pgo.sh        → target/pgo/release/{ch,codex-helper}
#   bash scripts/pgo.sh --app  → and target/pgo/release/codex-helper-app,
#                                the tray app (what `npm run build` ships)
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
#      its API's format (~45 s). With --app, the instrumented tray app too,
#      hidden under xvfb-run and dbus-run-session, both proxies (~20 s): its
#      core is built with other features (`specta`), so ch's profile does
#      not match its functions. Without xvfb-run it warns and leaves the app
#      out (the caller then ships the plain one).
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
# The last line on stdout is the directory of the binaries (absolute).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-$PWD/target}
pgo=$target/pgo
out=$pgo/release
say() { printf 'pgo: %s\n' "$*" >&2; }
app=no
case "${1:-}" in
  --app) app=yes ;;
  "") ;;
  *)
    echo "usage: scripts/pgo.sh [--app]" >&2
    exit 2
    ;;
esac
if [ "$app" = yes ] && ! { command -v xvfb-run && command -v dbus-run-session; } >/dev/null; then
  say "WARNING: no xvfb-run or dbus-run-session (apt-get install xvfb dbus): the tray app is left out"
  app=no
fi
# The tray app, built as `tauri build` builds it.
app_build=(-p codex-helper-app --bin codex-helper-app --features custom-protocol)

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
  rm -f "$out/codex-helper-app"
  echo "$out"
  exit 0
fi

say "1/4 instrumented build (target/pgo/gen)"
rm -rf "$pgo/profiles"
mkdir -p "$pgo/profiles"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$pgo/profiles" CARGO_TARGET_DIR=$pgo/gen \
  cargo build --release --target "$host" -p codex-helper --bin ch
gen=$pgo/gen/$host/release/ch
if [ "$app" = yes ]; then
  say "    and the tray app's"
  RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$pgo/profiles" CARGO_TARGET_DIR=$pgo/gen \
    cargo build --release --target "$host" "${app_build[@]}"
fi
say "    and the bench's driver and mock upstream (target/release/ch-bench)"
cargo build --release -p codex-helper-bench --bin ch-bench
bench=$target/release/ch-bench

say "2/4 training: the instrumented ch in front of the mock upstream"
# $work (removed on exit, with $pids), the mock upstream at $upstream, free_port.
. scripts/mock-upstream.sh
home=$work/home
mkdir -p "$home/.codex-helper" "$home/.codex" "$home/.claude"
ups='[{"base_url":"http://'$upstream'/v1","auth":{"auth_token":"sk-pgo-upstream","api_key":null},"tags":{}}]'
cat >"$home/.codex-helper/config.json" <<EOF
{"version":1,"codex":{"active":"pgo","configs":{"pgo":{"name":"pgo","alias":null,"upstreams":$ups}}},"claude":{"active":"pgo","configs":{"pgo":{"name":"pgo","alias":null,"upstreams":$ups}}},"default_service":null}
EOF
echo '{"proxy":{"max_connections":4096}}' >"$home/.codex-helper/settings.json"

# Runs one `ch-bench load` against the URL `$1` per remaining argument
# (each a space-separated list of its options after --url); fails, saying
# why, at the first load with errors.
drive() {
  local url=$1 load
  shift
  for load in "$@"; do
    # shellcheck disable=SC2086 # each load is a list of arguments
    "$bench" load --url "$url" $load >"$work/load.json"
    grep -q '"errors": 0' "$work/load.json" || { say "errors while training ($url, $load): $(cat "$work/load.json")"; return 1; }
  done
}

# Serves `$1` (codex|claude) with the instrumented ch, drives it with the
# remaining arguments (see drive), and stops it with SIGTERM so that it
# writes its profile.
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
  drive "http://$addr$path" "$@" || exit 1
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

gen_app=$pgo/gen/$host/release/codex-helper-app
# The instrumented tray app's pid: the process whose executable it is (not
# its wrappers xvfb-run and dbus-run-session, whose arguments name it too).
app_pid() {
  local proc
  for proc in /proc/[0-9]*; do
    if [ "$(readlink "$proc/exe" 2>/dev/null)" = "$gen_app" ]; then
      echo "${proc#/proc/}"
      return
    fi
  done
  return 1
}

# The instrumented tray app, hidden, with both proxies on, each driven like
# ch above (shorter), then asked to quit with SIGTERM (a clean Quit, which
# writes its profile). Fails (and says why) if it does not serve.
train_app() {
  local ahome=$work/app-home
  local codex_port claude_port
  codex_port=$(free_port) && claude_port=$(free_port) || return 1
  mkdir -p "$ahome/.codex-helper" "$ahome/.codex" "$ahome/.claude" "$work/app-run"
  chmod 700 "$work/app-run"
  cp "$home/.codex-helper/config.json" "$ahome/.codex-helper/"
  printf '{"codex":{"port":%s,"enabled":true},"claude":{"port":%s,"enabled":true},"proxy":{"max_connections":4096},"app":{"start_hidden":true,"start_at_login":false}}\n' \
    "$codex_port" "$claude_port" >"$ahome/.codex-helper/settings.json"
  HOME="$ahome" CODEX_HOME="$ahome/.codex" XDG_CONFIG_HOME="$ahome/.config" XDG_DATA_HOME="$ahome/.local/share" \
    XDG_CACHE_HOME="$ahome/.cache" XDG_RUNTIME_DIR="$work/app-run" NO_AT_BRIDGE=1 LANG=C.UTF-8 \
    LLVM_PROFILE_FILE="$pgo/profiles/app-%p-%m.profraw" \
    xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- "$gen_app" >"$work/app.log" 2>&1 &
  local wrapper=$!
  pids+=("$wrapper")
  local port up
  for port in "$codex_port" "$claude_port"; do
    up=no
    for _ in $(seq 150); do
      if (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=yes; break; fi
      sleep 0.1
    done
    [ "$up" = yes ] || { say "the tray app did not serve on $port: $(tail -5 "$work/app.log")"; return 1; }
  done
  drive "http://127.0.0.1:$codex_port/v1/responses" "--in-flight 1 --duration-ms 3000" \
    "--in-flight 16 --duration-ms 2000" "--in-flight 64 --sse 40 --gap-ms 1 --rounds 2" \
    "--in-flight 256 --sse 10 --gap-ms 10" || return 1
  drive "http://127.0.0.1:$claude_port/v1/messages" "--in-flight 1 --duration-ms 2000" \
    "--in-flight 64 --sse 40 --gap-ms 1 --rounds 1" || return 1
  local pid
  pid=$(app_pid) || { say "the tray app's process was not found"; return 1; }
  kill -TERM "$pid"
  wait "$wrapper" 2>/dev/null || true
  ls "$pgo"/profiles/app-*.profraw >/dev/null 2>&1 || { say "the tray app wrote no profile: $(tail -5 "$work/app.log")"; return 1; }
}
if [ "$app" = yes ]; then
  say "    and the instrumented tray app, hidden under xvfb-run"
  if ! train_app; then
    say "WARNING: the tray app's training failed: it is left out"
    if pid=$(app_pid); then kill -TERM "$pid"; fi
    app=no
    rm -f "$pgo"/profiles/app-*.profraw
  fi
fi

say "3/4 merging the profiles"
"$profdata" merge -o "$pgo/ch.profdata" "$pgo"/profiles/*.profraw

say "4/4 the optimized build (target/pgo/use)"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$pgo/ch.profdata" CARGO_TARGET_DIR=$pgo/use \
  cargo build --release --target "$host" -p codex-helper --bin ch --bin codex-helper
cp "$pgo/use/$host/release/ch" "$pgo/use/$host/release/codex-helper" "$out/"
rm -f "$out/codex-helper-app"
built="${out#"$PWD"/}/ch, ${out#"$PWD"/}/codex-helper"
if [ "$app" = yes ]; then
  RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$pgo/ch.profdata" CARGO_TARGET_DIR=$pgo/use \
    cargo build --release --target "$host" "${app_build[@]}"
  cp "$pgo/use/$host/release/codex-helper-app" "$out/"
  built="$built, ${out#"$PWD"/}/codex-helper-app"
fi
say "built with profile-guided optimization: $built"
echo "$out"
