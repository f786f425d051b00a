#!/usr/bin/env bash
# Several nodes on PostgreSQL: bench/cluster/run.sh [N]   (N papers, default 200000)
# Starts a throw-away PostgreSQL cluster (initdb into /tmp, loopback, free port; Debian's postgresql package), imports
# bench/search's synthetic corpus of N papers with `paperboy import` on Storage:Provider=postgres, starts two
# `paperboy serve` nodes on that database (own data directories, different loopback ports), and drives
# GET /api/search (hybrid) with wrk at 32 connections against one node, then against both (wrk's two threads pinned one
# to each node: client-side round robin, bench/cluster/cluster.lua). Prints a markdown table; files in bench/cluster/out/.
# Environment: SEED (1), DURATION (30s), WARMUP (10s), CONNS (32), MODE (hybrid), ROUNDS (2: one-node and two-node runs
# alternate, so a slow phase of the shared machine hits both), IMPORT_ONLY (1: stop after the import, whose wall time,
# peak RSS and the load average are printed; /usr/bin/time -v's whole report is in out/import-N.time).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/cluster"
out="$here/out"
n="${1:-200000}"
seed="${SEED:-1}"
duration="${DURATION:-30s}"
warmup="${WARMUP:-10s}"
conns="${CONNS:-32}"
mode="${MODE:-hybrid}"
rounds="${ROUNDS:-2}"
import_only="${IMPORT_ONLY:-0}"
py=/usr/bin/python3
mkdir -p "$out"
log() { echo "run.sh: $*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
for tool in wrk:wrk initdb:postgresql; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/"${tool%%:*}" >/dev/null 2>&1; then
    log "installing ${tool#*:}"; $sudo apt-get install -y -q "${tool#*:}" >/dev/null || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${tool#*:}" >/dev/null; }
  fi
done
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

corpus="$root/bench/search/out/papers-$n-s$seed.jsonl"
queries="$root/bench/search/out/queries.txt"
if [ ! -s "$corpus" ] || [ ! -s "$queries" ]; then
  log "generating $n papers (seed $seed)"
  mkdir -p "$root/bench/search/out"
  "$py" "$root/bench/search/gen.py" --papers "$n" --seed "$seed" --out "$corpus" --queries "$queries"
fi
"$root/paperboy" --help >/dev/null            # build outside the timing
dll="$root/artifacts/paperboy/paperboy.dll"

pg="$(mktemp -d /tmp/paperboy-bench-pg-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  as_postgres "$pgbin/pg_ctl" stop -D "$pg/data" -m fast -w >/dev/null 2>&1 || true
  rm -rf "$pg" "$out/node-a" "$out/node-b"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg"
as_postgres "$pgbin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
pgport=$(free_port)
# Defaults but fsync: the load under test is reads; shared_buffers large enough for the corpus.
as_postgres "$pgbin/pg_ctl" start -D "$pg/data" -l "$pg/server.log" -w -o "-h 127.0.0.1 -p $pgport -k $pg -c fsync=off -c shared_buffers=512MB" >/dev/null
as_postgres "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE paperboy" >/dev/null
export PAPERBOY_Storage__Provider=postgres
export PAPERBOY_Storage__ConnectionString="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=paperboy;Maximum Pool Size=64"
export PAPERBOY_SeedDemo=false PAPERBOY_Digests__Enabled=false
log "PostgreSQL $(basename "$(dirname "$pgbin")") on 127.0.0.1:$pgport"
pg_main=$(head -n 1 "$pg/data/postmaster.pid")
# pg_cpu_while PID FILE: every 2 s while PID runs, the CPU seconds the PostgreSQL cluster has used (its live processes plus
# the backends that already exited) into FILE: the import's work in the database, which the client's own figures miss.
pg_cpu_while() {
  local hz; hz=$(getconf CLK_TCK)
  while kill -0 "$1" 2>/dev/null; do
    local t=0 f
    for s in /proc/[0-9]*/stat; do
      read -r -a f 2>/dev/null <"$s" || continue
      [ "${f[3]}" = "$pg_main" ] && t=$((t + f[13] + f[14]))
    done
    read -r -a f <"/proc/$pg_main/stat" && t=$((t + f[13] + f[14] + f[15] + f[16]))
    awk -v t="$t" -v hz="$hz" 'BEGIN { printf "%.1f\n", t / hz }' >"$2"
    sleep 2
  done
}

log "importing $n papers into PostgreSQL (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
t0=$(now)
/usr/bin/time -v -o "$out/import-$n.time" dotnet "$dll" import "$corpus" --data "$out/node-a" >"$out/import-$n.log" 2>&1 &
import_pid=$!
pg_cpu_while "$import_pid" "$out/import-$n.pgcpu" &
wait "$import_pid" || { cat "$out/import-$n.log" "$out/import-$n.time" >&2; exit 1; }
import_s=$(secs "$t0" "$(now)")
sleep 3   # the sampler's last reading
pg_cpu=$(cat "$out/import-$n.pgcpu")
import_mb=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$out/import-$n.time")
# CPU seconds of the import process (user + system; PostgreSQL's own work is not in it): on a shared machine this moves
# far less than the wall time.
import_cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.1f", s }' "$out/import-$n.time")
log "import: $import_s s wall, $import_cpu s CPU (PostgreSQL: $pg_cpu s), peak RSS $import_mb MB, load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$import_only" = 1 ] && exit 0

declare -A base
for node in a b; do
  port=$(free_port); base[$node]="http://127.0.0.1:$port"
  dotnet "$dll" serve --urls "${base[$node]}" --data "$out/node-$node" >"$out/serve-$n-$node.log" 2>&1 &
  pids+=($!)
done
t0=$(now)
for node in a b; do
  until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "${base[$node]}/healthz")" = 200 ]; do sleep 0.5; done
done
healthy_s=$(secs "$t0" "$(now)")
log "both nodes healthy after $healthy_s s (each built its own indexes from the database)"

run_wrk() { # nodes tag duration
  NODES="$1" SEARCH_LUA="$root/bench/search/search.lua" wrk --latency --timeout 10s -t 2 -c "$conns" -d "$3" \
    -s "$here/cluster.lua" "${base[a]}" -- "$mode" "$queries" >"$out/wrk-$n-$2.txt" 2>&1
  grep '^RESULT ' "$out/wrk-$n-$2.txt" || { cat "$out/wrk-$n-$2.txt" >&2; exit 1; }
}
one="${base[a]#http://}"; two="${base[a]#http://} ${base[b]#http://}"
log "warm-up ($warmup on both nodes)"
run_wrk "$two" warmup "$warmup" >/dev/null
rows=(); ratios=()
for r in $(seq "$rounds"); do
  read -r _ _ _ rps1 _ _ p991 _ e1 s1 <<<"$(run_wrk "$one" "one-$r" "$duration")"
  read -r _ _ _ rps2 _ _ p992 _ e2 s2 <<<"$(run_wrk "$two" "two-$r" "$duration")"
  ratio=$(awk -v a="$rps1" -v b="$rps2" 'BEGIN { printf "%.2f", b / a }')
  log "round $r: one node $rps1 req/s (p99 $p991 ms), two nodes $rps2 req/s (p99 $p992 ms), ratio $ratio"
  rows+=("| $r | one node | $rps1 | $p991 | $e1 | $s1 |" "| $r | two nodes | $rps2 | $p992 | $e2 | $s2 |")
  ratios+=("$ratio")
done
{
  echo "Paperboy on PostgreSQL, $n papers (seed $seed), $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, GET /api/search mode=$mode, wrk $conns connections, 2 threads, $duration per row"
  echo
  echo "| round | target | requests/s | p99 ms | non-2xx | socket errors |"
  echo "|---:|---|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "scaling ratio (two nodes / one node) per round: ${ratios[*]}; import $import_s s wall, $import_cpu s CPU (PostgreSQL: $pg_cpu s), peak RSS $import_mb MB; both nodes healthy after $healthy_s s"
} | tee "$out/results-$n.md"
