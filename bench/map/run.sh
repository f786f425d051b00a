#!/usr/bin/env bash
# Topics and map benchmark: bench/map/run.sh [N]   (N papers, default 200000)
# Generates the synthetic corpus of bench/search (gen.py) if missing, imports it into a fresh data directory, runs
# `paperboy reindex` (lexical, semantic, then the topic map) and reports the topic map's steps from its log line, then
# serves it and measures the map's first paint in headless Chromium (first_paint.py, three runs, cache disabled).
# Everything lands in bench/map/out/. Environment: SEED (1), KEEP_DATA (0).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/map"
out="$here/out"
n="${1:-200000}"
seed="${SEED:-1}"
py=/usr/bin/python3
mkdir -p "$out"
log() { echo "run.sh: $*" >&2; }

corpus="$root/bench/search/out/papers-$n-s$seed.jsonl"
if [ ! -s "$corpus" ]; then
  mkdir -p "$root/bench/search/out"
  log "generating $n papers (seed $seed)"
  "$py" "$root/bench/search/gen.py" --papers "$n" --seed "$seed" --out "$corpus" --queries "$root/bench/search/out/queries.txt"
fi
"$root/paperboy" --help >/dev/null            # build outside the timing
dll="$root/artifacts/paperboy/paperboy.dll"
data="$out/data-$n"
rm -rf "$data"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export PAPERBOY_SeedDemo=false

log "importing $corpus"
dotnet "$dll" import "$corpus" --data "$data" >"$out/import-$n.log" 2>&1
log "reindex (lexical, semantic, topic map)"
/usr/bin/time -f "reindex: %e s wall, %U s user, %S s sys, max RSS %M KB" \
  dotnet "$dll" reindex --data "$data" >"$out/reindex-$n.log" 2>&1
grep -h "Topic map computed" "$out/reindex-$n.log" | tee "$out/topics-$n.txt"
tail -n 1 "$out/reindex-$n.log"

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet "$dll" serve --data "$data" --urls "http://127.0.0.1:$port" >"$out/serve-$n.log" 2>&1 &
pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
"$py" "$here/first_paint.py" "http://127.0.0.1:$port/map" 3 | tee "$out/first-paint-$n.txt"
