#!/usr/bin/env bash
# Drill: kill -9 of `paperboy serve` while it indexes an import, and while it rebuilds its indexes from the store.
# After each restart nothing acknowledged is lost (the import's own summary is the acknowledgement) and the lexical and
# vector indexes agree with the store (lib.sh check_consistent). Digest sends killed mid-run are the automated test
# DigestCrashTests (the same DigestRun code as the server's scheduler).   Usage: bench/drills/kill-serve.sh [N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n="${1:-30000}"
papers="$(corpus "$n")"
data="$out/kill-serve"
rm -rf "$data"
slog="$out/kill-serve.log"; : >"$slog"

log "1. import: serve on the demo corpus, import $n papers with the CLI, kill -9 serve while it indexes them"
PAPERBOY_SeedDemo=true start_serve "$data" "$slog"; wait_healthy
before=$(store_count "$data")
dotnet "$dll" import "$papers" --data "$data" >"$out/kill-import.out" 2>"$out/kill-import.err" &
import_pid=$!
until [ "$(store_count "$data")" -gt "$before" ]; do kill -0 "$import_pid" 2>/dev/null || break; sleep 0.1; done
sleep 1   # the import has committed; the server is following the change log
at=$(curl -s -m 10 "$base/healthz" || echo "(no answer)")
kill9_serve
log "   killed serve at $at"
wait "$import_pid" || fail "the import failed: $(cat "$out/kill-import.err")"
log "   import acknowledged: $(tail -n 1 "$out/kill-import.out")"
start_serve "$data" "$slog"; wait_healthy
added=$(tail -n 1 "$out/kill-import.out" | cut -d' ' -f1)   # "N added, M merged, …": the synthetic corpus repeats a few titles
after=$(store_count "$data")
[ "$after" -eq $((before + added)) ] || fail "store has $after papers, expected $((before + added))"
r1=$(check_consistent "$data") || fail "$r1"
log "   after restart: $r1"

log "2. rebuild: the index directory removed, serve rebuilds it from the store, kill -9 part-way"
stop_serve
rm -rf "$data/index"
slog="$out/kill-serve-rebuild.log"; : >"$slog"
start_serve "$data" "$slog"
t0=$SECONDS
until grep -q "Lexical index rebuilt" "$slog" 2>/dev/null; do sleep 0.2; [ $((SECONDS - t0)) -lt 600 ] || break; done
state=$(curl -s -m 10 "$base/healthz" || echo "(no answer)")
kill9_serve
log "   killed serve mid-rebuild (lexical done, semantic building): $state"
start_serve "$data" "$slog"; wait_healthy
r2=$(check_consistent "$data") || fail "$r2"
log "   after restart: $r2"
stop_serve
echo "kill-serve: PASS import ($r1) rebuild ($r2)"
