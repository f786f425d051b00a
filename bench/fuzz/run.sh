#!/usr/bin/env bash
# Coverage-guided fuzzing of one importer or the query parser with SharpFuzz and AFL++:
#   bench/fuzz/run.sh TARGET SECONDS
# TARGET: hf-page, arxiv-atom, hf-daily, jsonl, arxiv-snapshot, arxiv-oai or query.
# Installs afl++ (Debian) and the sharpfuzz tool when missing, publishes bench/fuzz, instruments Paperboy.Core and
# Paperboy.Search, seeds from the test fixtures (the same ones the property tests mutate: HostileTargets.Seeds, which
# include earlier crash inputs kept under tests/Paperboy.Tests/testdata/fuzz/TARGET) and fuzzes for SECONDS. Prints the executions, paths and crashes, and replays every crash
# input to show its exception. Findings stay in bench/fuzz/out/TARGET/findings.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${1:?usage: run.sh TARGET SECONDS}"
seconds="${2:?usage: run.sh TARGET SECONDS}"

if ! command -v afl-fuzz >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi
(cd "$root" && dotnet tool restore >/dev/null)

out="$here/out/$target"
rm -rf "$out/bin" "$out/seeds" "$out/findings"
mkdir -p "$out/seeds"
dotnet publish "$here/PaperboyFuzz.csproj" -c Release -o "$out/bin" --nologo -v quiet -clp:ErrorsOnly >&2
for dll in Paperboy.Core.dll Paperboy.Search.dll; do (cd "$root" && dotnet sharpfuzz "$out/bin/$dll" >&2); done

export PAPERBOY_ROOT="$root"
dotnet "$out/bin/PaperboyFuzz.dll" "$target" --seeds "$out/seeds"

# dotnet itself is not instrumented (SharpFuzz instruments the assemblies), hence the skipped binary check. The
# machine is shared: no CPU pinning, and a generous time per input (10 s) so a loaded machine is not taken for a hang.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
afl-fuzz -i "$out/seeds" -o "$out/findings" -t 10000 -m none -V "$seconds" -- dotnet "$out/bin/PaperboyFuzz.dll" "$target" \
  > "$out/afl.log" 2>&1 || { tail -30 "$out/afl.log" >&2; exit 1; }

shopt -s nullglob
stats="$out/findings/default/fuzzer_stats"
value() { sed -n "s/^$1 *: //p" "$stats"; }
crashes=("$out"/findings/default/crashes/id:*)
echo "$target: $(value execs_done) executions in $(value run_time) s, $(value corpus_count) paths, ${#crashes[@]} crashes, $(value saved_hangs) hangs"
if [ ${#crashes[@]} -gt 0 ]; then
  # Replayed by an uninstrumented build: the instrumented one needs AFL's shared memory.
  dotnet build "$here/PaperboyFuzz.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
  dotnet "$here/bin/Release/net10.0/PaperboyFuzz.dll" "$target" --replay "${crashes[@]}" || true
fi
