#!/usr/bin/env bash
# Search load benchmark: bench/search/run.sh [N]   (N papers, default 200000)
# Generates a synthetic corpus (bench/search/gen.py) if missing, imports it into a fresh data directory, times the
# import and `serve` until /healthz is 200, then drives GET /api/search with wrk at 1, 8 and 32 connections for
# mode=hybrid and mode=lexical, and prints a markdown table. Everything lands in bench/search/out/.
# Environment: SEED (1), DURATION (20s), WARMUP (15s: the JIT is still at work 12 s into a run), CONNS ("1 8 32"), MODES ("hybrid lexical"), KEEP_DATA (0),
# REUSE_DATA (0: 1 keeps and serves an existing data directory, skipping the import), DLL (a published paperboy.dll
# to run instead of this checkout's, e.g. an older commit's for a side-by-side comparison on the same data).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/search"
out="$here/out"
n="${1:-200000}"
seed="${SEED:-1}"
duration="${DURATION:-20s}"
warmup="${WARMUP:-15s}"
conns_list="${CONNS:-1 8 32}"
modes="${MODES:-hybrid lexical}"
py=/usr/bin/python3
mkdir -p "$out"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "run.sh: $*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi

corpus="$out/papers-$n-s$seed.jsonl"
queries="$out/queries.txt"
if [ ! -s "$corpus" ] || [ ! -s "$queries" ]; then
  log "generating $n papers (seed $seed)"
  t0=$(now)
  "$py" "$here/gen.py" --papers "$n" --seed "$seed" --out "$corpus" --queries "$queries"
  log "generated in $(secs "$t0" "$(now)") s"
fi

if [ -n "${DLL:-}" ]; then dll="$DLL"
else
  "$root/paperboy" --help >/dev/null            # build outside the timing
  dll="$root/artifacts/paperboy/paperboy.dll"
fi

data="${DATA_DIR:-$out/data-$n}"   # DATA_DIR: another built copy (e.g. one per analyzer version when comparing builds)
reuse=0
if [ "${REUSE_DATA:-0}" = 1 ] && [ -d "$data" ]; then reuse=1; KEEP_DATA=1; else rm -rf "$data"; fi
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PAPERBOY_SeedDemo=false
stamp() { while IFS= read -r line; do echo "$(date +%H:%M:%S.%3N) $line"; done; }   # timestamps for the server log

import_s="(reused)"
if [ "$reuse" = 0 ]; then
  log "importing $corpus into $data"
  t0=$(now)
  /usr/bin/time -f "import: %e s wall, %U s user, %S s sys, max RSS %M KB" \
    dotnet "$dll" import "$corpus" --data "$data" >"$out/import-$n.log" 2>&1 || { cat "$out/import-$n.log" >&2; exit 1; }
  import_s=$(secs "$t0" "$(now)")
  log "import: $import_s s ($(tail -n 2 "$out/import-$n.log" | tr '\n' ' '))"
fi

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
serve_log="$out/serve-$n.log"
log "serving on $base (log: $serve_log)"
t0=$(now)
echo "$(date +%H:%M:%S.%3N) run.sh: starting serve" >"$serve_log"
dotnet "$dll" serve --urls "$base" --data "$data" > >(stamp >>"$serve_log") 2>&1 &
pid=$!
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
cpu() { awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$pid/stat"; }   # utime+stime, clock ticks of 1/100 s
last_note=0
until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/healthz")" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$serve_log" >&2; log "serve exited"; exit 1; }
  el=$(secs "$t0" "$(now)"); el=${el%.*}
  if [ "$el" -ge $((last_note + 30)) ]; then last_note=$el; log "waiting for /healthz: ${el} s, RSS $(rss) MB, CPU $(cpu) s"; fi
  sleep 0.2
done
healthy_s=$(secs "$t0" "$(now)")
echo "$(date +%H:%M:%S.%3N) run.sh: /healthz 200" >>"$serve_log"
rss_ready=$(rss); cpu_ready=$(cpu)
log "healthy after $healthy_s s (RSS $rss_ready MB, CPU $cpu_ready s)"
# The topic map is computed in the background after /healthz (once; later starts read it from the store). Measuring
# while it runs would measure the map, so wait for it.
t1=$(now)
until curl -s -m 5 "$base/healthz" | grep -q '"topicMap":"ready"'; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$serve_log" >&2; log "serve exited"; exit 1; }
  sleep 1
done
log "topic map ready after a further $(secs "$t1" "$(now)") s"

# Sanity: how many of the first 100 queries find something (lexical and hybrid).
check() {
  "$py" - "$base" "$queries" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
base, path, mode = sys.argv[1:4]
qs = [q for q in open(path, encoding="utf-8").read().split("\n") if q][:100]
found = bad = 0
for q in qs:
    url = "%s/api/search?%s" % (base, urllib.parse.urlencode({"q": q, "mode": mode, "limit": 10}))
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            found += len(json.load(r).get("results", [])) > 0
    except Exception as e:
        bad += 1
        print("check: %r: %s" % (q, e), file=sys.stderr)
print("%d/%d queries with results, %d errors" % (found, len(qs), bad))
EOF
}
sanity=""
for mode in $modes; do sanity+="$mode: $(check "$mode"); "; done
log "sanity: $sanity"

run_wrk() { # mode conns duration tag
  local threads=$(( $2 < 2 ? $2 : 2 ))
  wrk --latency --timeout 10s -t "$threads" -c "$2" -d "$3" -s "$here/search.lua" "$base" -- "$1" "$queries" >"$out/wrk-$n-$1-$2$4.txt" 2>&1
}

rows=()
for mode in $modes; do
  log "warm-up $mode ($warmup, 8 connections)"
  run_wrk "$mode" 8 "$warmup" "-warmup"
  for c in $conns_list; do
    log "wrk $mode, $c connections, $duration"
    echo "$(date +%H:%M:%S.%3N) run.sh: wrk $mode c=$c" >>"$serve_log"
    run_wrk "$mode" "$c" "$duration" ""
    f="$out/wrk-$n-$mode-$c.txt"
    r=$(grep '^RESULT ' "$f" || true)
    [ -n "$r" ] || { cat "$f" >&2; log "wrk gave no result"; exit 1; }
    read -r _ reqs dur rps p50 p90 p99 max non2xx sockerr <<<"$r"
    # Cross-check the Lua numbers against wrk's own --latency table.
    p50w=$(awk '$1 == "50%" { print $2 }' "$f"); p99w=$(awk '$1 == "99%" { print $2 }' "$f")
    log "  $rps req/s, p50 $p50 ms ($p50w), p99 $p99 ms ($p99w), non-2xx $non2xx, socket errors $sockerr"
    rows+=("| $mode | $c | $rps | $p50 | $p99 | $non2xx | $sockerr |")
  done
done
rss_after=$(rss); hwm_after=$(hwm); cpu_after=$(cpu)

{
  echo "Paperboy search load, $n papers (seed $seed), $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, wrk ${duration} per row, threads = min(connections, 2)"
  echo
  echo "| mode | connections | requests/s | p50 ms | p99 ms | non-2xx | socket errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| import ($n papers, jsonl $(du -m "$corpus" | cut -f1) MB) | $import_s s |"
  echo "| serve start until /healthz 200 (index build) | $healthy_s s (server CPU $cpu_ready s) |"
  echo "| server RSS when healthy | $rss_ready MB |"
  echo "| server RSS after the runs (peak) | $rss_after MB ($hwm_after MB) |"
  echo "| server CPU total | $cpu_after s |"
  echo "| data dir size | $(du -sm "$data" | cut -f1) MB |"
  echo "| sanity (first 100 queries) | ${sanity%; } |"
} | tee "$out/results-$n.md"
