#!/usr/bin/env bash
# Drill: damaged index files. On a store of N papers (HNSW above 20,000), stop the server, damage one index file
# (Lucene: a byte flipped in the middle of the largest file, or the file cut in half; HNSW: the same to vectors.idx),
# start it again: the damage must be detected at start-up (a warning in the log), the index rebuilt from the store, the
# server healthy and its indexes consistent with the store.   Usage: bench/drills/corrupt-index.sh [N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n="${1:-30000}"
papers="$(corpus "$n")"
data="$out/corrupt-index"
rm -rf "$data"
dotnet "$dll" import "$papers" --data "$data" >/dev/null 2>&1 || fail "import"
PAPERBOY_SeedDemo=false start_serve "$data" "$out/corrupt-index-0.log"; wait_healthy; stop_serve

damage() { # FILE flip|truncate
  "$py" - "$1" "$2" <<'PY'
import os, sys
path, how = sys.argv[1:3]
size = os.path.getsize(path)
with open(path, "r+b") as f:
    if how == "truncate":
        f.truncate(size // 2)
    else:
        f.seek(size // 2); b = f.read(1); f.seek(size // 2); f.write(bytes([b[0] ^ 0x5A]))
PY
}

results=()
for case in "lexical flip" "lexical truncate" "vectors flip" "vectors truncate"; do
  read -r which how <<<"$case"
  if [ "$which" = lexical ]; then
    file=$(ls -S "$data/index/lexical" | grep -v '^segments\|write.lock' | head -n 1); file="$data/index/lexical/$file"
  else
    file="$data/index/semantic/vectors.idx"
  fi
  damage "$file" "$how"
  slog="$out/corrupt-index-${which}-${how}.log"; : >"$slog"
  t0=$SECONDS
  PAPERBOY_SeedDemo=false start_serve "$data" "$slog"; wait_healthy
  took=$((SECONDS - t0))
  warning=$(grep -iE 'damaged|corrupt|could not be loaded' "$slog" | head -n 1 | cut -c1-200)
  [ -n "$warning" ] || fail "$case: no warning in $slog"
  r=$(check_consistent "$data") || fail "$case: $r"
  log "$case ($(basename "$file")): healthy after ${took} s; $warning; $r"
  results+=("$case: healthy in ${took} s, consistent")
  stop_serve
done
echo "corrupt-index: PASS ($(IFS=';'; echo "${results[*]}"))"
