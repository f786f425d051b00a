#!/usr/bin/env bash
# Bulk-load benchmark (issue 6): bench/ingest/run.sh [N]   (N snapshot lines, default 200000)
# Generates a synthetic arXiv snapshot (bench/ingest/gen_snapshot.py) if missing, loads it into a fresh data directory
# with `paperboy import` under /usr/bin/time -v (wall time, papers/s, peak RSS), then starts `serve` on it and times
# until /healthz is 200 (the indexes built once from the store), and checks that a search finds a loaded paper; then
# waits for the topic map (computed in the background after /healthz) and reads serve's RSS once it is idle, and
# restarts serve to time a cold start with the indexes on disk. The serve log has each rebuild phase's time.
# Environment: SEED (1), BATCH (the loader's default), KEEP_DATA (0), DLL (a published paperboy.dll to run instead of
# this checkout's, e.g. an older commit's). Everything lands in bench/ingest/out/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/ingest"
out="$here/out"
n="${1:-200000}"
seed="${SEED:-1}"
py=/usr/bin/python3
mkdir -p "$out"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "run.sh: $*" >&2; }

snapshot="$out/snapshot-$n-s$seed.json"
if [ ! -s "$snapshot" ]; then
  log "generating $n lines (seed $seed)"
  t0=$(now)
  "$py" "$here/gen_snapshot.py" --lines "$n" --seed "$seed" --out "$snapshot"
  log "generated in $(secs "$t0" "$(now)") s"
fi
size_mb=$(awk -v b="$(stat -L -c %s "$snapshot")" 'BEGIN { printf "%.0f", b / 1048576 }')

if [ -n "${DLL:-}" ]; then dll="$DLL"          # another build's paperboy.dll, for a side-by-side comparison
else
  "$root/paperboy" --help >/dev/null            # build outside the timing
  dll="$root/artifacts/paperboy/paperboy.dll"
fi
data="$out/data-$n"
rm -rf "$data"
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

batch_arg=()
[ -n "${BATCH:-}" ] && batch_arg=(--batch-size "$BATCH")
log "loading $snapshot ($size_mb MiB) into $data"
t0=$(now)
/usr/bin/time -v dotnet "$dll" import "$snapshot" --data "$data" "${batch_arg[@]}" >"$out/import-$n.log" 2>&1 \
  || { tail -n 30 "$out/import-$n.log" >&2; exit 1; }
import_s=$(secs "$t0" "$(now)")
import_rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$out/import-$n.log")
import_cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.0f", u + s }' "$out/import-$n.log")
rate=$(awk -v n="$n" -v s="$import_s" 'BEGIN { printf "%.0f", n / s }')
log "import: $import_s s, $rate papers/s, peak RSS $import_rss MB, CPU $import_cpu s ($(grep -E '^[0-9]+ added' "$out/import-$n.log"))"
db_mb=$(du -sm "$data" | cut -f1)

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
serve_log="$out/serve-$n.log"
t0=$(now)
dotnet "$dll" serve --urls "$base" --data "$data" >"$serve_log" 2>&1 &
pid=$!
hwm() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) / hz }' "/proc/$pid/stat"; }
log "load average before serve: $(cut -d' ' -f1-3 /proc/loadavg)"
last_note=0
until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/healthz")" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$serve_log" >&2; log "serve exited"; exit 1; }
  el=$(secs "$t0" "$(now)"); el=${el%.*}
  if [ "$el" -ge $((last_note + 30)) ]; then last_note=$el; log "waiting for /healthz: ${el} s, peak RSS $(hwm) MB"; fi
  sleep 0.5
done
healthy_s=$(secs "$t0" "$(now)")
serve_rss=$(hwm)
serve_cpu=$(cpu)
index_mb=$(du -sm "$data/index" | cut -f1)
# A loaded paper is found by its title as a phrase (synthetic titles share many words, so not by a bag of them).
probe=$(head -n 1 "$snapshot" | "$py" -c 'import json, sys; r = json.loads(sys.stdin.readline()); print(r["id"] + "\t\"" + " ".join(r["title"].split()) + "\"")')
probe_id=${probe%%$'\t'*}; probe_q=${probe#*$'\t'}
found=$(curl -s -G "$base/api/search" --data-urlencode "q=$probe_q" --data-urlencode "mode=lexical" --data-urlencode "limit=50" | grep -c "\"$probe_id\"" || true)
total_s=$(awk -v a="$import_s" -v b="$healthy_s" 'BEGIN { printf "%.1f", a + b }')
log "serve healthy after $healthy_s s (peak RSS $serve_rss MB, CPU $serve_cpu s); probe $probe_id found: $found"

# The topic map follows in the background; then serve is idle (steady state).
until curl -s -m 5 "$base/healthz" | grep -q '"topicMap":"ready"' && grep -q "Topic map computed" "$serve_log"; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$serve_log" >&2; log "serve exited"; exit 1; }
  sleep 2
done
topics_s=$(secs "$t0" "$(now)")
sleep 10
steady_rss=$(rss)
log "topic map ready after $topics_s s; serve peak RSS $(hwm) MB, steady RSS $steady_rss MB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
kill "$pid"; wait "$pid" 2>/dev/null || true

# Cold start: the indexes are on disk; time until /healthz is 200.
t0=$(now)
dotnet "$dll" serve --urls "$base" --data "$data" >"$out/serve-cold-$n.log" 2>&1 &
pid=$!
until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/healthz")" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$out/serve-cold-$n.log" >&2; log "serve exited"; exit 1; }
  sleep 0.2
done
cold_s=$(secs "$t0" "$(now)")
sleep 10
log "cold start: /healthz 200 after $cold_s s; RSS $(rss) MB"
grep -E "rebuilt|trained|Topic map" "$serve_log" | sed 's/^/run.sh: serve: /' >&2 || true

echo
echo "| lines | file | import (CPU) | papers/s | import peak RSS | serve until /healthz 200 (CPU) | serve peak RSS until then | load to searchable | topic map ready | serve steady RSS | cold start to /healthz | store + index on disk |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "| $n | $size_mb MiB | $import_s s ($import_cpu s) | $rate | $import_rss MB | $healthy_s s ($serve_cpu s) | $serve_rss MB | $total_s s | +$topics_s s | $steady_rss MB | $cold_s s | $((db_mb - index_mb)) + $index_mb MB |"
