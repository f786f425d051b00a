#!/usr/bin/env bash
# Every drill in turn (each prints one PASS line or stops with FAILED), then the automated fault tests of the suite.
# Results and the commands behind them: docs/reliability.md.   Usage: bench/drills/run-all.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
status=0
for drill in kill-serve corrupt-index full-disk; do
  echo "== $drill"
  "$here/$drill.sh" || status=1
done
echo "== automated fault tests"
dotnet test "$root/tests/Paperboy.Tests" -c Release --nologo --filter \
  "FullyQualifiedName~StoreOutageTests|FullyQualifiedName~LexicalIndexRecoveryTests|FullyQualifiedName~A_corrupt_vector_file|FullyQualifiedName~DigestCrashTests|FullyQualifiedName~Through_an_hour|FullyQualifiedName~A_load_killed_with_SIGKILL|FullyQualifiedName~KilledNodeTests" \
  | grep -E '^(Passed|Failed)|Failed |error' || status=1
exit $status
