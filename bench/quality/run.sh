#!/usr/bin/env bash
# Runs the Paperboy search-quality harness from the repository root: bench/quality/run.sh [run.py options]
# EMBEDDER=minilm runs it with the sentence-embedding model all-MiniLM-L6-v2 (tools/fetch-model.sh fetches it) instead of
# the default LSA; any other Paperboy setting can be given as an environment variable (e.g. Search__SemanticWeight=2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
case "${EMBEDDER:-lsa}" in
  lsa) ;;
  minilm)
    model="$root/artifacts/models/all-MiniLM-L6-v2"
    [ -s "$model/model.onnx" ] && [ -s "$model/vocab.txt" ] || tools/fetch-model.sh "$model" >&2
    export Embedder__Kind=onnx Embedder__Onnx__ModelPath="$model/model.onnx" Embedder__Onnx__VocabPath="$model/vocab.txt" ;;
  *) echo "run.sh: EMBEDDER is lsa or minilm, not '$EMBEDDER'" >&2; exit 2 ;;
esac
exec /usr/bin/python3 bench/quality/run.py "$@"
