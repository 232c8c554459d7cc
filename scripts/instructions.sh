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
#   npm run bench:instructions -- --paths          the request's two paths:
#                                   what runs between reading the request and
#                                   writing it upstream, and between reading
#                                   the answer and writing it to the client
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

sse=0 top=25 inclusive=no in_flight=1 paths=no
while [ $# -gt 0 ]; do
  case "$1" in
    --paths) paths=yes; shift ;;
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

# $work (removed on exit, with $pids), the mock upstream at $upstream, free_port.
. scripts/mock-upstream.sh

home="$work/home"
mkdir -p "$home/.codex-helper" "$home/.codex"
cat >"$home/.codex-helper/config.json" <<EOF
{"version":1,"codex":{"active":"bench","configs":{"bench":{"name":"bench","alias":null,"upstreams":[{"base_url":"http://$upstream/v1","auth":{"auth_token":"sk-bench-upstream","api_key":null},"tags":{}}]}}},"claude":{"active":null,"configs":{}},"default_service":null}
EOF
echo '{"claude":{"enabled":false},"proxy":{"max_connections":4096}}' >"$home/.codex-helper/settings.json"

# Runs `ch serve` under callgrind, its profile in $1 (and $1.log), with the
# extra valgrind options $2 (space-separated), drives `ch-bench load` with
# the remaining arguments against it, and stops it.
under_callgrind() {
  local out=$1 extra=$2 port pid
  shift 2
  port=$(free_port)
  # shellcheck disable=SC2086 # $extra holds several options, or none
  HOME="$home" CODEX_HELPER_LANG=en valgrind --tool=callgrind --separate-threads=yes $extra \
    --callgrind-out-file="$out" "$CH_BIN" serve --codex --port "$port" >"$out.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/__codex_helper/health" && break
    kill -0 "$pid" 2>/dev/null || { say "ch serve did not start under valgrind: $(tail -5 "$out.log")"; exit 1; }
    sleep 0.2
  done
  "$bench" load --url "http://127.0.0.1:$port/v1/responses" "$@" >"$out.load.json"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

# One callgrind run of `ch serve` serving $1 requests; the per-thread totals
# land in $work/run-$1-*.
count() {
  local requests=$1 load=(--in-flight "$in_flight")
  if [ "$sse" != 0 ]; then
    # --in-flight streams at once, --rounds times: $requests streams.
    load=(--in-flight 10 --rounds $((requests / 10)) --sse "$sse" --gap-ms 1)
  else
    load+=(--requests "$requests")
  fi
  under_callgrind "$work/run-$requests" "" "${load[@]}"
}

# "instructions<TAB>function" for every function in the callgrind files
# named, their own instructions (--inclusive=$1: with their callees').
annotated() {
  local inclusive=$1 f
  shift
  for f; do callgrind_annotate --threshold=100 --inclusive="$inclusive" "$f" 2>/dev/null; done |
    sed -nE 's/^ *([0-9,]+) \([^)]*\) +(.*)$/\1\t\2/p' | sed -E 's/ \[[^]]*\]$//'
}

# --paths: one run whose profile callgrind cuts at every `recv` (after it)
# and every `writev` (before it). At one small request in flight each
# request is four pieces, in turn: the client's request read, the request
# written upstream, the answer read, the answer written to the client. A
# piece that ends at a `writev` is a path the client waits through; the
# piece before it (ending at a `recv`) says which: the one before the
# request's path holds the last answer's accounting and a sleep, the one
# before the answer's path only a sleep, so it is the smaller.
if [ "$paths" = yes ]; then
  mkdir -p "$work/paths"
  say "ch serve under callgrind, cut at each recv and writev: 400 requests, 1 in flight"
  under_callgrind "$work/paths/cg" "--dump-before=writev --dump-after=recv" --in-flight 1 --requests 400
  # "part trigger instructions" of the main thread's pieces, in order.
  for f in "$work/paths/cg".*-01; do
    awk -v f="$f" '/^part:/ {p = $2} /^desc: Trigger:/ {t = ($3 ~ /writev/) ? "W" : "R"} /^summary:/ {n = $2}
      END {print p, t, n, f}' "$f"
  done | sort -n >"$work/paths/pieces"
  # Pieces ending at a writev, after one ending at a recv; the first 100
  # requests (new connections, first calls) are left out.
  awk 'prev_t == "R" && $2 == "W" && NR > 400 {print (k++ % 2), prev_n, $3, $4} {prev_t = $2; prev_n = $3}' \
    "$work/paths/pieces" >"$work/paths/writes"
  request_parity=$(awk '{s[$1] += $2; c[$1]++} END {print (s[0] / c[0] > s[1] / c[1]) ? 0 : 1}' "$work/paths/writes")
  printf '\ninstructions on the paths a client waits through (%s, 1 in flight, callgrind; mean of %d requests)\n' \
    "$CH_BIN" "$(awk -v r="$request_parity" '$1 == r' "$work/paths/writes" | wc -l)"
  for which in request answer; do
    parity=$request_parity
    [ "$which" = answer ] && parity=$((1 - request_parity))
    awk -v r="$parity" '$1 == r {print $4}' "$work/paths/writes" >"$work/paths/$which.files"
    label=$([ "$which" = request ] && echo "request read -> written upstream" || echo "answer read -> written to the client")
    printf '  %-48s %8d\n' "$label" "$(awk -v r="$parity" '$1 == r {s += $3; c++} END {printf "%d", s / c}' "$work/paths/writes")"
  done
  export LC_ALL=C
  # A piece starts inside a call (the recv's): callgrind books everything
  # after it to the frames on the stack then (main, the runtime, the task),
  # which no function's own cost comes near; lines over a quarter of the
  # path are those frames and are left out.
  for which in request answer; do
    printf '\nfunctions by their own instructions, %s path (mean per request):\n' "$which"
    mapfile -t files <"$work/paths/$which.files"
    annotated no "${files[@]}" |
      awk -F'\t' -v n="${#files[@]}" '{gsub(/,/, "", $1)} $2 == "PROGRAM TOTALS" {total += $1; next} {s[$2] += $1}
        END {for (k in s) if (s[k] / n >= 1 && s[k] < total / 4) printf "%8d  %s\n", s[k] / n, k}' |
      sort -rn | head -n "$top" | cut -c1-160
  done
  exit 0
fi

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
  annotated "$inclusive" "$1"-[0-9]* |
    awk -F'\t' '$2 != "PROGRAM TOTALS" {gsub(/,/, "", $1); s[$2] += $1} END {for (k in s) print k "\t" s[k]}' | sort -t $'\t' -k1,1
}
join -t $'\t' -a 2 -e 0 -o '0,1.2,2.2' <(by_function "$work/run-$few") <(by_function "$work/run-$many") |
  awk -F'\t' -v per="$per" '{d = ($3 - $2) / per; if (d >= 1) printf "%8d  %s\n", d, $1}' | sort -rn | head -n "$top" | cut -c1-160
