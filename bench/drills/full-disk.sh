#!/usr/bin/env bash
# Drill: the disk fills up during an import. The data directory is a 20 MB tmpfs (needs root: mount); the demo corpus
# fits, then an import of N papers does not. The import must exit non-zero with an error that names the problem, the
# store must pass SQLite's integrity check with the paper count it had, and after the disk grows the same import succeeds.
# Usage: bench/drills/full-disk.sh [N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n="${1:-12000}"
papers="$(corpus "$n")"
mnt="$out/full-disk"
mkdir -p "$mnt"
mountpoint -q "$mnt" && umount "$mnt"
mount -t tmpfs -o size=20m tmpfs "$mnt"
trap 'stop_serve; umount "$mnt" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
data="$mnt/data"

dotnet "$dll" import "$root"/data/demo/*.txt --data "$data" >/dev/null 2>&1 || fail "the demo corpus did not fit"
before=$(store_count "$data")
log "demo corpus stored ($before papers, $(du -sh "$mnt" | cut -f1) of 20 MB); importing $n papers ($(du -h "$papers" | cut -f1))"
set +e
dotnet "$dll" import "$papers" --data "$data" >"$out/full-disk.out" 2>"$out/full-disk.err"
rc=$?
set -e
err=$(grep -v '^Loading\|^Importing' "$out/full-disk.err" | head -n 3)
log "exit $rc: $err"
[ "$rc" -ne 0 ] || fail "the import succeeded on a full disk"
grep -qiE 'disk|space|full' <<<"$err" || fail "the error does not name the problem"
grep -q 'Unhandled exception\|   at ' "$out/full-disk.err" && fail "a stack trace instead of an error message"
integrity=$("$py" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$data/paperboy.db")
count=$(store_count "$data")
log "integrity_check: $integrity; papers: $count (before: $before)"
[ "$integrity" = ok ] && [ "$count" -eq "$before" ] || fail "the store changed or is damaged"

mount -o remount,size=400m "$mnt"
dotnet "$dll" import "$papers" --data "$data" >"$out/full-disk-retry.out" 2>&1 || fail "the import failed with space: $(tail -n 3 "$out/full-disk-retry.out")"
count=$(store_count "$data")
added=$(tail -n 1 "$out/full-disk-retry.out" | cut -d' ' -f1)
[ "$count" -eq $((before + added)) ] && [ "$added" -gt 0 ] || fail "after the retry: $count papers, expected $before + $added"
log "with space: $(tail -n 1 "$out/full-disk-retry.out"); $count papers"
echo "full-disk: PASS (exit $rc, \"$(head -n 1 <<<"$err")\", integrity ok, $before papers kept; retry with space stored $count)"
