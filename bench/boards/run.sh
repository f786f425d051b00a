#!/usr/bin/env bash
# Board pages, two builds side by side: bench/boards/run.sh BASE_DLL BASE_DATA DATA
# Serves BASE_DATA with BASE_DLL (e.g. main's published paperboy.dll) and DATA with this checkout's build (DLL to
# override), both at once on loopback, then drives one at a time with wrk at CONNS connections, alternating builds
# in each of ROUNDS rounds so a busy phase of the machine falls on both:
#   - month: /month/M pages of 300 random days that hold papers (the largest boards);
#   - api-month: the same months as /api/boards/monthly?month=M;
#   - boards: bench/scale's mix (/date, /week, /month of those days, and /trending).
# The two data directories must be copies of one store (a build migrates the store it serves: never point both at
# one directory, nor at a store you want to keep as it is). Prints a markdown table; wrk output in bench/boards/out/.
# Environment: ROUNDS (2), CONNS (32), DURATION (20s), WARMUP (5s), DLL.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/bench/boards/out"
base_dll="${1:?usage: bench/boards/run.sh BASE_DLL BASE_DATA DATA}"
base_data="${2:?usage: bench/boards/run.sh BASE_DLL BASE_DATA DATA}"
data="${3:?usage: bench/boards/run.sh BASE_DLL BASE_DATA DATA}"
[ "$(realpath "$base_data")" != "$(realpath "$data")" ] || { echo "run.sh: BASE_DATA and DATA must be two copies" >&2; exit 2; }
rounds="${ROUNDS:-2}"; conns="${CONNS:-32}"; duration="${DURATION:-20s}"; warmup="${WARMUP:-5s}"
py=/usr/bin/python3
mkdir -p "$out"
if [ -n "${DLL:-}" ]; then dll="$DLL"; else "$root/paperboy" --help >/dev/null; dll="$root/artifacts/paperboy/paperboy.dll"; fi

"$py" - "$base_data/paperboy.db" "$out" <<'PY'
import datetime, random, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
days = [r[0][:10] for r in db.execute("SELECT DISTINCT BoardDate FROM papers WHERE BoardDate IS NOT NULL")]
random.seed(1)
mix, months = ["/trending"], []
for day in random.sample(days, min(300, len(days))):
    d = datetime.date.fromisoformat(day)
    y, w, _ = d.isocalendar()
    mix += ["/date/%s" % day, "/week/%d-W%02d" % (y, w), "/month/%s" % day[:7]]
    months.append(day[:7])
random.shuffle(mix)
out = sys.argv[2]
open(out + "/month.txt", "w").write("".join("/month/%s\n" % m for m in months))
open(out + "/api-month.txt", "w").write("".join("/api/boards/monthly?month=%s\n" % m for m in months))
open(out + "/boards.txt", "w").write("\n".join(mix) + "\n")
PY

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done' EXIT
export PAPERBOY_SeedDemo=false
start() { # name dll data -> sets url_<name>
  local port; port=$(free_port)
  dotnet "$2" serve --urls "http://127.0.0.1:$port" --data "$3" >"$out/serve-$1.log" 2>&1 &
  pids+=($!)
  until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; do
    kill -0 "${pids[-1]}" 2>/dev/null || { tail -n 30 "$out/serve-$1.log" >&2; echo "run.sh: $1 exited" >&2; exit 1; }
    sleep 0.2
  done
  printf -v "url_$1" 'http://127.0.0.1:%s' "$port"
}
start base "$base_dll" "$base_data"
start new "$dll" "$data"

rows=()
for round in $(seq "$rounds"); do
  for load in month api-month boards; do
    for build in base new; do
      url="url_$build"
      wrk --timeout 10s -t 2 -c 8 -d "$warmup" -s "$root/bench/search/search.lua" "${!url}" -- paths "$out/$load.txt" >/dev/null 2>&1
      wrk --latency --timeout 10s -t 2 -c "$conns" -d "$duration" -s "$root/bench/search/search.lua" "${!url}" -- paths "$out/$load.txt" \
        >"$out/wrk-$load-$build-$round.txt" 2>&1
      read -r _ _ _ rps p50 _ p99 _ non2xx sockerr <<<"$(grep '^RESULT ' "$out/wrk-$load-$build-$round.txt")"
      rows+=("| $round | $load | $build | $rps | $p50 | $p99 | $non2xx | $sockerr | $(cut -d' ' -f1 /proc/loadavg) |")
      echo "run.sh: round $round $load $build: $rps req/s, p99 $p99 ms" >&2
    done
  done
done
{
  echo "base $base_dll on $base_data, this build on $data; $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $conns connections, $duration"
  echo
  echo "| round | load | build | requests/s | p50 ms | p99 ms | non-2xx | socket errors | load average after |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} | tee "$out/results.md"
