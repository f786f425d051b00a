#!/usr/bin/env bash
# Builds the dataset once, then runs our index, hnswlib and faiss on it and prints one side-by-side table.
#   bench/vectors/run.sh            # 200k x 256, 1,000 queries (defaults of VectorBench gen)
#   GEN_ARGS="--n 20000 --queries 500 --clusters 100" OUT=out/small bench/vectors/run.sh   # quick
# The machine is shared, so after the build passes every library's saved index is searched again
# (SEARCH_PASSES extra passes, alternating libraries) and the report keeps each ef's best QPS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
OUT="${OUT:-out}"
PY=/usr/bin/python3   # Debian's python, where python3-hnswlib and python3-faiss live

if ! $PY -c "import hnswlib, faiss, numpy" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-hnswlib python3-faiss python3-numpy >/dev/null
fi

dotnet build -c Release VectorBench.csproj --nologo -v quiet -clp:ErrorsOnly
BENCH=(dotnet bin/Release/net10.0/VectorBench.dll)
mkdir -p "$OUT"
rm -f "$OUT"/*-search*.json
if [ ! -f "$OUT/gt.ivecs" ]; then
  # shellcheck disable=SC2086
  "${BENCH[@]}" gen --out "$OUT" ${GEN_ARGS:-}
fi
# shellcheck disable=SC2086
"${BENCH[@]}" run --out "$OUT" --keep yes ${RUN_ARGS:-}
$PY peers.py --out "$OUT" ${PEER_ARGS:-}
for pass in $(seq 1 "${SEARCH_PASSES:-1}"); do
  "${BENCH[@]}" run --out "$OUT" --load "$OUT/ours.pbv" --name "ours-search$pass"
  $PY peers.py --out "$OUT" --search-only --name-suffix="-search$pass"
done
$PY report.py "$OUT" | tee "$OUT/report.md"
