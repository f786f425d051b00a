# Shared pieces of the drills (sourced): build once, start and kill `paperboy serve`, and check that the indexes agree
# with the store. Everything lands in bench/drills/out/ (gitignored). Only 127.0.0.1 is used.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/drills"
out="$here/out"
py=/usr/bin/python3
mkdir -p "$out"
log() { echo "$(basename "$0" .sh): $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

"$root/paperboy" --help >/dev/null
dll="$root/artifacts/paperboy/paperboy.dll"
export PAPERBOY_Harvest__Schedule="" PAPERBOY_Digests__Enabled=false

# A synthetic corpus (bench/search/gen.py) of $1 papers, made once: above 20,000 the semantic index is HNSW.
corpus() {
  local f="$out/papers-$1.jsonl"
  [ -s "$f" ] || "$py" "$root/bench/search/gen.py" --papers "$1" --seed 7 --out "$f" --queries "$out/queries-$1.txt" >&2
  echo "$f"
}

serve_pid=""; base=""
start_serve() { # DATA [LOG]
  local port
  port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  dotnet "$dll" serve --urls "$base" --data "$1" >>"${2:-$out/serve.log}" 2>&1 &
  serve_pid=$!
}
wait_healthy() { # [SECONDS]
  local deadline=$((SECONDS + ${1:-600}))
  until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/healthz")" = 200 ]; do
    kill -0 "$serve_pid" 2>/dev/null || fail "serve exited before it was healthy"
    [ $SECONDS -lt $deadline ] || fail "serve not healthy within ${1:-600} s"
    sleep 0.3
  done
}
kill9_serve() { kill -9 "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; serve_pid=""; }
stop_serve() {
  [ -n "$serve_pid" ] || return 0
  kill "$serve_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; serve_pid=""
}
trap 'stop_serve' EXIT

# The store's paper count (SQLite, read-only).
store_count() { "$py" -c 'import sqlite3,sys; print(sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True).execute("SELECT count(*) FROM papers").fetchone()[0])' "$1/paperboy.db"; }

# The indexes agree with the store: /healthz's counts (store, lexical, vectors) are equal and follow the last change,
# and a random sample of the store's papers is found by its own text: lexically (every one, by its title and the start
# of its abstract as two phrases) and semantically (nearly every one, by its title and abstract). A title alone is not
# enough: the synthetic corpus reuses titles, up to 130 papers share one.
check_consistent() { # DATA
  "$py" - "$base" "$1/paperboy.db" <<'PY'
import json, random, sqlite3, sys, time, urllib.parse, urllib.request
base, db = sys.argv[1:3]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
last = c.execute("SELECT max(Seq) FROM changes").fetchone()[0] or 0
deadline = time.time() + 300
while True:   # the server may still be following the last changes
    h = json.load(urllib.request.urlopen(base + "/healthz", timeout=30))
    if h["indexedThrough"] >= last and h["papers"] == h["lexical"] == h["vectors"] or time.time() > deadline: break
    time.sleep(1)
papers = c.execute("SELECT count(*) FROM papers").fetchone()[0]
rows = c.execute("SELECT Id, Title, Abstract FROM papers").fetchall()
sample = random.Random(1).sample(rows, min(40, len(rows)))
def found(pid, title, abstract, mode):
    clean = lambda s: " ".join(s.replace('"', " ").split())
    q = f'"{clean(title)}" "{" ".join(clean(abstract).split()[:12])}"' if mode == "lexical" else clean(title + " " + abstract)[:990]
    url = base + "/api/search?" + urllib.parse.urlencode({"q": q, "mode": mode, "limit": 10})
    return any(r["id"] == pid for r in json.load(urllib.request.urlopen(url, timeout=60))["results"])
lex = sum(found(i, t, a, "lexical") for i, t, a in sample)
sem = sum(found(i, t, a, "semantic") for i, t, a in sample)
ok = h["papers"] == h["lexical"] == h["vectors"] == papers and h["indexedThrough"] >= last and lex == len(sample) and sem >= 0.9 * len(sample)
print(f"store {papers}, healthz {h['papers']}, lexical {h['lexical']}, vectors {h['vectors']}, indexed through {h['indexedThrough']} of {last}; "
      f"sample found by its own text: lexical {lex}/{len(sample)}, semantic {sem}/{len(sample)}: {'CONSISTENT' if ok else 'INCONSISTENT'}")
sys.exit(0 if ok else 1)
PY
}
