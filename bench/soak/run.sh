#!/usr/bin/env bash
# Soak: bench/soak/run.sh [N]   (N papers, default 200000)
# Serves a copy of the search benchmark's N-paper store (bench/search/out/data-N; built by bench/search/run.sh when
# missing) and holds a steady open-loop load on it (load.py: RATE requests/s for DURATION seconds, mixed hybrid search,
# board pages, paper pages and members' votes through API tokens). Every minute: requests, errors, p50/p99, the
# server's RSS and GC heap (/metrics) and the load average, into out/soak-N.csv; the series is plotted into
# docs/soak.svg. Environment: RATE (200), DURATION (1800), MEMBERS (8), SVG (docs/soak.svg).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/soak"
out="$here/out"
n="${1:-200000}"
rate="${RATE:-200}"
duration="${DURATION:-1800}"
members="${MEMBERS:-8}"
svg="${SVG:-$root/docs/soak.svg}"
py=/usr/bin/python3
log() { echo "soak: $*" >&2; }
mkdir -p "$out"

source_data="$root/bench/search/out/data-$n"
queries="$root/bench/search/out/queries.txt"
if [ ! -f "$source_data/paperboy.db" ] || [ ! -s "$queries" ]; then
  log "no $n-paper store yet: building it with bench/search/run.sh"
  KEEP_DATA=1 MODES=lexical CONNS=1 DURATION=1s WARMUP=1s "$root/bench/search/run.sh" "$n" >/dev/null
fi

"$root/paperboy" --help >/dev/null   # build; then run a copy, so that rebuilds during the soak leave this server alone
app="$out/app"
rm -rf "$app"; cp -r "$root/artifacts/paperboy" "$app"
data="$out/data-$n"
rm -rf "$data"; cp -r "$source_data" "$data"   # the votes land in a copy: the search benchmark's store stays as it was

export PAPERBOY_SeedDemo=false PAPERBOY_Digests__Enabled=false PAPERBOY_Harvest__Schedule=""
log "creating $members members with API tokens"
: >"$out/tokens.txt"
for i in $(seq "$members"); do
  echo "soak-password-$i" | dotnet "$app/paperboy.dll" admin create --email "soak$i@example.org" --password-stdin --data "$data" >/dev/null
done
"$py" - "$data/paperboy.db" "$out" "$members" <<'PY'
import datetime, hashlib, secrets, sqlite3, sys
db, out, members = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(db)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
with open(f"{out}/tokens.txt", "w") as f:
    for i in range(1, members + 1):
        (user,) = c.execute('SELECT "Id" FROM "AspNetUsers" WHERE "Email" = ?', (f"soak{i}@example.org",)).fetchone()
        secret = "pb_" + secrets.token_urlsafe(32)   # as ApiTokenStore makes them: pb_ + 32 random bytes, stored as SHA-256
        c.execute('INSERT INTO api_tokens ("UserId", "Name", "Prefix", "Hash", "CreatedAt") VALUES (?, ?, ?, ?, ?)',
                  (user, "soak", secret[:10], hashlib.sha256(secret.encode()).hexdigest(), now))
        f.write(secret + "\n")
with open(f"{out}/ids.txt", "w") as f:
    for (pid,) in c.execute('SELECT "Id" FROM papers ORDER BY random() LIMIT 5000'):
        f.write(pid + "\n")
with open(f"{out}/days.txt", "w") as f:
    for (day,) in c.execute('SELECT DISTINCT substr("PublishedAt", 1, 10) FROM papers WHERE "PublishedAt" IS NOT NULL ORDER BY random() LIMIT 1000'):
        f.write(day + "\n")
c.commit()
PY

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
dotnet "$app/paperboy.dll" serve --urls "$base" --data "$data" >"$out/serve-$n.log" 2>&1 &
pid=$!
until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/healthz")" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$out/serve-$n.log" >&2; log "serve exited"; exit 1; }
  sleep 0.5
done
log "serving $base (pid $pid): $(curl -s "$base/healthz"); $rate requests/s for $duration s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$py" "$here/load.py" --base "$base" --pid "$pid" --rate "$rate" --duration "$duration" --queries "$queries" \
  --ids "$out/ids.txt" --days "$out/days.txt" --tokens "$out/tokens.txt" --csv "$out/soak-$n.csv" --svg "$svg" | tee "$out/summary-$n.json"
grep -ciE ' fail|exception' "$out/serve-$n.log" | xargs -I{} echo "soak: {} failure/exception lines in the server log ($out/serve-$n.log)" >&2
