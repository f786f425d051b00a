#!/usr/bin/env bash
# Lexical search latency in-process on a built data directory: bench/lexical/run.sh DATA_DIR [DEPTH] [QUERIES]
# (e.g. bench/ingest/out/data-2500000 or bench/search/out/data-200000; queries from bench/search/out/queries.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="${1:?usage: bench/lexical/run.sh DATA_DIR [DEPTH] [QUERIES]}"
dotnet build -c Release -v q --nologo "$root/bench/lexical/LexicalBench.csproj" >/dev/null
dotnet "$root/bench/lexical/bin/Release/net10.0/LexicalBench.dll" "$data/index/lexical" "${2:-100}" "$root/bench/search/out/queries.txt" "${3:-300}" 10
