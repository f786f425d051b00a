#!/usr/bin/env bash
# Digest benchmark: bench/digest/run.sh [N] [SUBSCRIBERS]   (N papers, default 200000; subscribers, default 10000)
# Builds a data directory with the synthetic corpus of bench/search (gen.py, imported and indexed outside the timing),
# adds SUBSCRIBERS confirmed subscribers (subscribers.py: a third with a saved search, a fifth members with upvotes,
# a fifth weekly), starts aiosmtpd on loopback with a handler that counts recipients (counting_smtpd.py), then times
# `paperboy digest send --date DATE` (compose both periods into the outbox and deliver everything) with
# /usr/bin/time -v: wall time and peak RSS. Checks that every subscriber got exactly one digest.
# Environment: SEED (1), DATE (2025-06-10, a Tuesday: daily digest of that day, weekly of its ISO week), KEEP_DATA (0).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/digest"
out="$here/out"
n="${1:-200000}"
subscribers="${2:-10000}"
seed="${SEED:-1}"
date="${DATE:-2025-06-10}"
py=/usr/bin/python3
mkdir -p "$out"
log() { echo "run.sh: $*" >&2; }

"$py" -c 'import aiosmtpd' 2>/dev/null || { log "installing python3-aiosmtpd"; apt-get install -y -q python3-aiosmtpd >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q python3-aiosmtpd >/dev/null; }; }

# The corpus: reuse bench/search's when it was generated with the same size and seed.
corpus="$out/papers-$n-s$seed.jsonl"
queries="$out/queries-$n-s$seed.txt"
if [ ! -s "$corpus" ] || [ ! -s "$queries" ]; then
  if [ -s "$root/bench/search/out/papers-$n-s$seed.jsonl" ] && [ -s "$root/bench/search/out/queries.txt" ]; then
    ln -sf "$root/bench/search/out/papers-$n-s$seed.jsonl" "$corpus"; cp "$root/bench/search/out/queries.txt" "$queries"
  else
    log "generating $n papers (seed $seed)"
    "$py" "$root/bench/search/gen.py" --papers "$n" --seed "$seed" --out "$corpus" --queries "$queries"
  fi
fi

"$root/paperboy" --help >/dev/null            # build outside the timing
dll="$root/artifacts/paperboy/paperboy.dll"
data="$out/data-$n"
rm -rf "$data"
smtpd=""
cleanup() {
  if [ -n "$smtpd" ]; then kill "$smtpd" 2>/dev/null || true; wait "$smtpd" 2>/dev/null || true; fi
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export PAPERBOY_SeedDemo=false

log "importing and indexing $corpus into $data (not timed)"
dotnet "$dll" import "$corpus" --data "$data" >"$out/import-$n.log" 2>&1 || { cat "$out/import-$n.log" >&2; exit 1; }
dotnet "$dll" reindex --data "$data" >"$out/reindex-$n.log" 2>&1 || { cat "$out/reindex-$n.log" >&2; exit 1; }
"$py" "$here/subscribers.py" --db "$data/paperboy.db" --subscribers "$subscribers" --queries "$queries" --seed "$seed" | tee "$out/subscribers-$n.log" >&2

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
received="$out/received-$n.txt"
: >"$received"
(cd "$here" && exec "$py" -m aiosmtpd -n -l "127.0.0.1:$port" -c counting_smtpd.Counting "$received") >"$out/smtpd-$n.log" 2>&1 &
smtpd=$!
for _ in $(seq 100); do "$py" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && break; sleep 0.1; done

export PAPERBOY_Smtp__Host=127.0.0.1 PAPERBOY_Smtp__Port="$port" PAPERBOY_Smtp__Security=None
cmd=(dotnet "$dll" digest send --date "$date" --data "$data")
log "timing: ${cmd[*]}"
/usr/bin/time -v "${cmd[@]}" >"$out/send-$n.log" 2>"$out/send-$n.time" || { cat "$out/send-$n.log" "$out/send-$n.time" >&2; exit 1; }
cat "$out/send-$n.log" >&2

wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$out/send-$n.time")
rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$out/send-$n.time")
cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.1f", u + s }' "$out/send-$n.time")
total=$(wc -l <"$received")
distinct=$(sort -u "$received" | wc -l)
dupes=$((total - distinct))
{
  echo "Paperboy digests, $n papers (seed $seed), $subscribers subscribers, --date $date, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| command | \`${cmd[*]/$data/DATA}\` |"
  echo "| wall time (compose both periods + deliver) | $wall |"
  echo "| CPU (user + system) | $cpu s |"
  echo "| peak RSS | $rss MB |"
  echo "| mails received by the SMTP server | $total ($distinct recipients, $dupes duplicates) |"
  echo "| output | $(tr '\n' ' ' <"$out/send-$n.log") |"
} | tee "$out/results-$n.md"
[ "$dupes" -eq 0 ] || { log "duplicates!"; exit 1; }
