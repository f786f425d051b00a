#!/usr/bin/env bash
# Runs the Paperboy search-quality harness from the repository root: bench/quality/run.sh [run.py options]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
exec /usr/bin/python3 bench/quality/run.py "$@"
