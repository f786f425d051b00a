#!/usr/bin/env bash
# Time from `paperboy serve` on an empty data directory until /healthz answers 200
# (store created, demo corpus imported, lexical and semantic indexes built). Prints seconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/paperboy" --help >/dev/null            # build outside the timing
data="$(mktemp -d)"; port="${PORT:-18181}"
start=$(date +%s.%N)
dotnet "$root/artifacts/paperboy/paperboy.dll" serve --urls "http://127.0.0.1:$port" --data "$data" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; do
  kill -0 $pid 2>/dev/null || { echo "serve exited" >&2; exit 1; }
  sleep 0.1
done
end=$(date +%s.%N)
echo "cold start to healthy: $(echo "$end - $start" | bc -l | cut -c1-5) s"
