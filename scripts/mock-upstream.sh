# shellcheck shell=bash
# Sourced (not run) by the scripts that drive `ch serve` against the
# bench's mock upstream (instructions.sh, pgo.sh), after they set $bench
# (the ch-bench binary) and define say(): makes the scratch directory
# $work, removed on exit together with every process listed in $pids, and
# starts the mock upstream, whose address lands in $upstream. Also defines
# free_port.
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

# A loopback port nobody listens on (bash connects to it and is refused;
# checked, not bound: the process started on it binds it).
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  say "no free loopback port found in 50 tries"
  return 1
}
