#!/usr/bin/env bash
# Server CPU per search request, a figure that holds up on a shared machine better than req/s does:
#   bench/search/cpu-per-request.sh [N]     (after `KEEP_DATA=1 bench/search/run.sh N` has built out/data-N)
# Serves the kept data directory, warms up, then for each mode drives wrk (CONNS connections, DURATION) and divides
# the server's user+system CPU by the number of requests answered. DLL selects another build (side-by-side runs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/search"; out="$here/out"
n="${1:-200000}"; data="${DATA_DIR:-$out/data-$n}"; queries="$out/queries.txt"   # DATA_DIR: another built copy
modes="${MODES:-hybrid lexical semantic}"; conns="${CONNS:-4}"; duration="${DURATION:-15s}"
[ -d "$data" ] || { echo "cpu-per-request.sh: no $data; run KEEP_DATA=1 bench/search/run.sh $n first" >&2; exit 2; }
if [ -n "${DLL:-}" ]; then dll="$DLL"; else "$root/paperboy" --help >/dev/null; dll="$root/artifacts/paperboy/paperboy.dll"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
PAPERBOY_SeedDemo=false dotnet "$dll" serve --urls "$base" --data "$data" >"$out/cpu-serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/healthz")" = 200 ]; do kill -0 $pid || exit 1; sleep 0.2; done
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }   # clock ticks (1/100 s)
for mode in $modes; do wrk -t2 -c8 -d5s -s "$here/search.lua" "$base" -- "$mode" "$queries" >/dev/null; done   # warm-up (tier-1 code)
for mode in $modes; do
  c0=$(cpu)
  r=$(wrk -t2 -c"$conns" -d"$duration" -s "$here/search.lua" "$base" -- "$mode" "$queries" | grep '^RESULT ')
  c1=$(cpu)
  read -r _ reqs _ rps _ <<<"$r"
  awk -v m="$mode" -v r="$reqs" -v a="$c0" -v b="$c1" -v q="$rps" 'BEGIN { printf "%-8s %6d requests  %7.1f req/s  %.2f ms CPU per request\n", m, r, q, (b - a) * 10 / r }'
done
