#!/usr/bin/env bash
# `npm run bench:instructions`: instructions per proxied request, counted by
# callgrind. Unlike times, counts do not depend on what else the machine is
# doing, so this is the measure for a before/after comparison of one change
# (issue 11); `npm run bench` is the measure against nginx.
#
#   npm run bench:instructions                     small JSON answers, 1 in flight
#   npm run bench:instructions -- --sse 40         streams of 40 deltas (+ 2 events)
#   npm run bench:instructions -- --top 40         list 40 functions (default 25)
#   npm run bench:instructions -- --inclusive      functions with what they call
#   npm run bench:instructions -- --in-flight 16   small answers, 16 at once
#                                   (streams always run 10 at once)
#   CH_BIN=/path/to/old/ch npm run bench:instructions   count another build
#
# How: `ch serve` runs under valgrind twice, serving FEW and then MANY
# requests from `ch-bench load` (one in flight, the mock upstream of the
# bench); a request's cost is the difference divided by MANY - FEW, so start-up
# and shutdown cancel out. Printed per thread (the proxy's own, the request
# log's writer) and the functions that cost the most per request.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf 'instructions: %s\n' "$*" >&2; }

sse=0 top=25 inclusive=no in_flight=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sse) sse=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    --inclusive) inclusive=yes; shift ;;
    --in-flight) in_flight=$2; shift 2 ;;
    *) say "unknown argument '$1' (see the header of scripts/instructions.sh)"; exit 2 ;;
  esac
done

if ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing valgrind (Debian's package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
  else
    say "valgrind is missing; install it: sudo apt-get install -y valgrind"
    exit 2
  fi
fi

target="${CARGO_TARGET_DIR:-target}"
if [ -z "${CH_BIN:-}" ]; then
  say "building ch and ch-bench (release)"
  cargo build --release -q -p codex-helper -p codex-helper-bench
  CH_BIN="$target/release/ch"
else
  cargo build --release -q -p codex-helper-bench
fi
bench="$target/release/ch-bench"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$bench" upstream >"$work/upstream.addr" 2>"$work/upstream.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/upstream.addr" ] && break; sleep 0.1; done
upstream=$(head -1 "$work/upstream.addr")
[ -n "$upstream" ] || { say "the mock upstream did not start: $(cat "$work/upstream.log")"; exit 1; }

# A port nothing listens on (bash connects to it and is refused).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
home="$work/home"
mkdir -p "$home/.codex-helper" "$home/.codex"
cat >"$home/.codex-helper/config.json" <<EOF
{"version":1,"codex":{"active":"bench","configs":{"bench":{"name":"bench","alias":null,"upstreams":[{"base_url":"http://$upstream/v1","auth":{"auth_token":"sk-bench-upstream","api_key":null},"tags":{}}]}}},"claude":{"active":null,"configs":{}},"default_service":null}
EOF
echo '{"claude":{"enabled":false},"proxy":{"max_connections":4096}}' >"$home/.codex-helper/settings.json"

# One callgrind run of `ch serve` serving $1 requests; the per-thread totals
# land in $work/run-$1-*.
count() {
  local requests=$1 port out load=(--in-flight "$in_flight")
  port=$(free_port)
  out="$work/run-$requests"
  HOME="$home" CODEX_HELPER_LANG=en valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$out" "$CH_BIN" serve --codex --port "$port" >"$out.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/__codex_helper/health" && break
    kill -0 "$pid" 2>/dev/null || { say "ch serve did not start under valgrind: $(tail -5 "$out.log")"; exit 1; }
    sleep 0.2
  done
  if [ "$sse" != 0 ]; then
    # --in-flight streams at once, --rounds times: $requests streams.
    load=(--in-flight 10 --rounds $((requests / 10)) --sse "$sse" --gap-ms 1)
  else
    load+=(--requests "$requests")
  fi
  "$bench" load --url "http://127.0.0.1:$port/v1/responses" "${load[@]}" >"$out.load.json"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

few=500 many=2500
[ "$sse" != 0 ] && few=100 many=500
say "ch serve under callgrind: $few, then $many $( [ "$sse" != 0 ] && echo "streams of $((sse + 2)) events, 10 at once" || echo "requests, $in_flight in flight") (a minute or two)"
count "$few"
count "$many"

# A thread's file names it by number (-01 is main); its name is in the log.
summary() { grep -h '^summary:' "$1" | awk '{print $2}'; }
per=$((many - few))
printf '\ninstructions per %s (%s, %d minus %d, callgrind)\n' \
  "$( [ "$sse" != 0 ] && echo "stream of $((sse + 2)) events" || echo request)" "$CH_BIN" "$many" "$few"
total=0
for file in "$work/run-$many"-[0-9]*; do
  n=${file##*-}
  a=$(summary "$work/run-$few-$n" 2>/dev/null || echo 0)
  b=$(summary "$file")
  d=$(((b - a) / per))
  [ "$d" -lt 100 ] && continue # idle threads (the file watcher, tokio's blocking pool)
  total=$((total + d))
  name=$([ "$n" = 01 ] && echo "proxy (main thread)" || echo "thread $n (the request log's writer when busy)")
  printf '  %-48s %8d\n' "$name" "$d"
done
printf '  %-48s %8d\n' "total" "$total"

# Functions by cost per request (their own, or with --inclusive also their
# callees'), the difference of the two runs.
printf '\nfunctions by %s instructions per %s (all threads):\n' \
  "$( [ "$inclusive" = yes ] && echo "their and their callees'" || echo "their own")" \
  "$( [ "$sse" != 0 ] && echo stream || echo request)"
export LC_ALL=C # one collation for sort and join
# "name<TAB>instructions" for every function of a run, its threads summed.
by_function() {
  for f in "$1"-[0-9]*; do callgrind_annotate --threshold=100 --inclusive="$inclusive" "$f" 2>/dev/null; done |
    sed -nE 's/^ *([0-9,]+) \([^)]*\) +(.*)$/\1\t\2/p' | sed -E 's/ \[[^]]*\]$//' |
    awk -F'\t' '$2 != "PROGRAM TOTALS" {gsub(/,/, "", $1); s[$2] += $1} END {for (k in s) print k "\t" s[k]}' | sort -t $'\t' -k1,1
}
join -t $'\t' -a 2 -e 0 -o '0,1.2,2.2' <(by_function "$work/run-$few") <(by_function "$work/run-$many") |
  awk -F'\t' -v per="$per" '{d = ($3 - $2) / per; if (d >= 1) printf "%8d  %s\n", d, $1}' | sort -rn | head -n "$top" | cut -c1-160
