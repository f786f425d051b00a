#!/usr/bin/env bash
# Search and board load on a store that is already built: bench/scale/run.sh DATA_DIR
# (e.g. bench/ingest/out/data-2500000 after `KEEP_DATA=1 bench/ingest/run.sh 2500000`, issue 9's scale run).
# Serves DATA_DIR, waits for /healthz 200 and the topic map, then drives with wrk at CONNS connections:
#   - hybrid search: GET /api/search?q=…&mode=hybrid&limit=10 over bench/search's query file;
#   - boards: the HTML pages /date/D, /week/W, /month/M for days that hold papers, and /trending.
# Prints a markdown table; logs and wrk output land in bench/scale/out/.
# Environment: CONNS (32), DURATION (20s), WARMUP (15s), DLL (a published paperboy.dll instead of this checkout's),
# LOADS ("hybrid-search boards": the loads to run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/scale"
out="$here/out"
data="${1:?usage: bench/scale/run.sh DATA_DIR}"
conns="${CONNS:-32}"
duration="${DURATION:-20s}"
warmup="${WARMUP:-15s}"
py=/usr/bin/python3
mkdir -p "$out"
log() { echo "run.sh: $*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

command -v wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get install -y -q wrk >/dev/null; }
queries="$root/bench/search/out/queries.txt"
[ -s "$queries" ] || "$py" "$root/bench/search/gen.py" --papers 1000 --seed 1 --out "$out/unused.jsonl" --queries "$queries"
if [ -n "${DLL:-}" ]; then dll="$DLL"; else "$root/paperboy" --help >/dev/null; dll="$root/artifacts/paperboy/paperboy.dll"; fi

# Board paths: 300 days that hold papers (read-only), their weeks and months, and trending.
boards="$out/boards.txt"
"$py" - "$data/paperboy.db" >"$boards" <<'PY'
import datetime, random, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
days = [r[0][:10] for r in db.execute("SELECT DISTINCT BoardDate FROM papers WHERE BoardDate IS NOT NULL")]
random.seed(1)
paths = ["/trending"]
for day in random.sample(days, min(300, len(days))):
    d = datetime.date.fromisoformat(day)
    y, w, _ = d.isocalendar()
    paths += ["/date/%s" % day, "/week/%d-W%02d" % (y, w), "/month/%s" % day[:7]]
random.shuffle(paths)
print("\n".join(paths))
PY
log "$(wc -l <"$boards") board paths from $data"

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export PAPERBOY_SeedDemo=false
t0=$(now)
dotnet "$dll" serve --urls "$base" --data "$data" >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/healthz")" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$out/serve.log" >&2; log "serve exited"; exit 1; }
  sleep 0.2
done
cold_s=$(secs "$t0" "$(now)")
until curl -s -m 5 "$base/healthz" | grep -q '"topicMap":"ready"'; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$out/serve.log" >&2; log "serve exited"; exit 1; }
  sleep 1
done
log "/healthz 200 after $cold_s s; topic map ready; $(curl -s "$base/healthz")"
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }

rows=()
run() { # name script args...
  local name=$1; shift
  wrk --latency --timeout 10s -t 2 -c 8 -d "$warmup" -s "$@" >"$out/wrk-$name-warmup.txt" 2>&1
  wrk --latency --timeout 10s -t 2 -c "$conns" -d "$duration" -s "$@" >"$out/wrk-$name.txt" 2>&1
  read -r _ reqs dur rps p50 p90 p99 max non2xx sockerr <<<"$(grep '^RESULT ' "$out/wrk-$name.txt")"
  log "$name: $rps req/s, p50 $p50 ms, p99 $p99 ms, max $max ms, non-2xx $non2xx, socket errors $sockerr"
  rows+=("| $name | $conns | $rps | $p50 | $p99 | $max | $non2xx | $sockerr |")
}
loads=" ${LOADS:-hybrid-search boards} "
[[ $loads == *" hybrid-search "* ]] && run hybrid-search "$root/bench/search/search.lua" "$base" -- hybrid "$queries"
[[ $loads == *" boards "* ]] && run boards "$root/bench/search/search.lua" "$base" -- paths "$boards"
{
  echo "$(basename "$data"): $(curl -s "$base/healthz"), $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| load | connections | requests/s | p50 ms | p99 ms | max ms | non-2xx | socket errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "cold start to /healthz 200: $cold_s s; serve RSS after the runs: $(rss) MB"
} | tee "$out/results-$(basename "$data").md"
