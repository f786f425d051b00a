#!/usr/bin/env bash
# Personal recommendations, measured: bench/recommend/run.sh [--speed]
#   quality: held-out likes on the demo corpus, every method in one run (a few seconds);
#   --speed: also 10,000 members x 300 candidates on the 200k synthetic corpus (bench/search/gen.py; the first run
#            generates it, ~1 min, and builds its semantic index, ~4-5 min, both kept in bench/recommend/out/).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dotnet build -c Release "$here/RecommendBench.csproj" --nologo -v quiet -clp:ErrorsOnly >&2
bench=(dotnet "$here/bin/Release/net10.0/RecommendBench.dll")
mkdir -p "$here/out"
"${bench[@]}" quality --root "$root" --repeats "${REPEATS:-10}" | tee "$here/out/quality.md"
if [ "${1:-}" = "--speed" ]; then
  corpus="$here/out/papers-200000-s1.jsonl"
  [ -f "$corpus" ] || /usr/bin/python3 "$root/bench/search/gen.py" --papers 200000 --seed 1 --out "$corpus" --queries "$here/out/queries.txt"
  echo
  "${bench[@]}" speed --corpus "$corpus" --members "${MEMBERS:-10000}" --candidates "${CANDIDATES:-300}" | tee "$here/out/speed.md"
fi
