#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need, builds, runs every test once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "test.sh: installing ${missing[*]}" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Real Chromium for the browser tests, a real SMTP server (aiosmtpd) for the mail tests, a real PostgreSQL for the
# store tests on the second provider (the tests initdb and start their own server; the package's cluster is not used).
apt_install chromium chromium-driver python3-aiosmtpd postgresql

# axe-core for the accessibility checks of the browser tests, at the version the lock file pins.
command -v npm >/dev/null 2>&1 || apt_install nodejs npm
npm ci --prefix tests/browser-support --no-audit --no-fund --loglevel=error >/dev/null

dotnet restore Paperboy.slnx --nologo -v quiet
dotnet build Paperboy.slnx -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly

results="$(mktemp -d)"
status=0
dotnet test Paperboy.slnx -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" --results-directory "$results" || status=$?

# One plain closing line for whoever reads the log.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"; passed=$((passed + ${p:-0}))
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"; failed=$((failed + ${f:-0}))
  n="$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")"; skipped=$((skipped + ${n:-0}))
done
# The failures again at the end, where a log's tail shows them: name, message and the first lines of the stack.
if [ "$failed" -gt 0 ]; then
  python3 - "$results"/*.trx <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sys.argv[1:]:
    for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
        message = r.findtext(".//t:ErrorInfo/t:Message", "", ns).strip()
        stack = r.findtext(".//t:ErrorInfo/t:StackTrace", "", ns).strip().splitlines()[:8]
        print(f"FAILED {r.get('testName')} ({r.get('duration')})")
        for line in message.splitlines()[:20] + stack: print(f"    {line}")
PY
fi
rm -rf "$results"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
exit "$status"
