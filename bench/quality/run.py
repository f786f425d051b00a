#!/usr/bin/python3
"""Paperboy search-quality harness.

Starts `./paperboy serve` on a free loopback port with a temporary --data directory (or uses --url of a
running server together with its --data directory), waits for /healthz, exports the corpus with
`./paperboy export`, and runs every query in queries.tsv against mode=lexical, semantic and hybrid, plus a
baseline: SQLite FTS5 (porter tokenizer, bm25()) over title+abstract built in memory from the export.

Prints one markdown table (MRR@10, nDCG@10 with binary gains, Recall@10; over all queries and per kind) and
writes the paraphrase failures (relevant paper not in the top 10) to bench/quality/out/failures.txt.
Standard library only; network only to 127.0.0.1.
"""
import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from qrels import KINDS, load_queries  # noqa: E402

K = 10
MODES = ("lexical", "semantic", "hybrid")
BASELINE = "fts5-bm25"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"--url must point at a loopback address, not {host!r}")


def http_get(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def wait_healthy(base, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"paperboy serve exited early with code {proc.returncode}")
        try:
            status, _ = http_get(base + "/healthz", timeout=5)
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{base}/healthz did not answer 200 within {timeout}s")


class Server:
    """`./paperboy serve` in its own process group; stop() ends that group only."""

    def __init__(self, paperboy, data, port, logpath):
        self.url = f"http://127.0.0.1:{port}"
        self.logfh = open(logpath, "wb")
        self.proc = subprocess.Popen([paperboy, "serve", "--urls", self.url, "--data", data],
                                     cwd=ROOT, stdout=self.logfh, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.logfh.close()


def export_corpus(paperboy, data):
    out = subprocess.run([paperboy, "export", "--data", data], cwd=ROOT, capture_output=True, check=True)
    papers = []
    for line in out.stdout.decode("utf-8").splitlines():
        if line.strip():
            p = json.loads(line)
            papers.append({"id": str(p["id"]), "title": p.get("title") or "", "abstract": p.get("abstract") or ""})
    if not papers:
        raise RuntimeError("paperboy export returned no papers")
    return papers


def norm_title(t):
    return re.sub(r"\s+", " ", t).strip().casefold()


def search_paperboy(base, query, mode):
    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": query, "limit": K, "mode": mode})
    status, body = http_get(url)
    if status != 200:
        raise RuntimeError(f"{url}: HTTP {status}")
    return [(str(r["id"]), r.get("title", "")) for r in json.loads(body)["results"]][:K]


class Fts5Baseline:
    def __init__(self, papers):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(pid UNINDEXED, title, abstract, "
                        "tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO docs(pid, title, abstract) VALUES (?, ?, ?)",
                            [(p["id"], p["title"], p["abstract"]) for p in papers])

    @staticmethod
    def match_expr(query):
        # Drop FTS5 syntax characters; quote each word so words like AND/OR/NOT/NEAR stay plain terms.
        words = re.findall(r"\w+", query)
        return " OR ".join(f'"{w}"' for w in words)

    def search(self, query):
        expr = self.match_expr(query)
        if not expr:
            return []
        rows = self.db.execute("SELECT pid, title FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                               (expr, K)).fetchall()
        return [(str(pid), title) for pid, title in rows]


def metrics(ranked_ids, relevant_ids):
    top = ranked_ids[:K]
    rr = next((1.0 / (i + 1) for i, d in enumerate(top) if d in relevant_ids), 0.0)
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(top) if d in relevant_ids)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant_ids), K)))
    hits = len(set(top) & relevant_ids)
    return {"mrr": rr, "ndcg": dcg / idcg if idcg else 0.0, "recall": hits / len(relevant_ids)}


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def table(per_query, queries, systems):
    groups = [("all", [q["id"] for q in queries])] + [
        (k, [q["id"] for q in queries if q["kind"] == k]) for k in KINDS]
    head = ["system"]
    for name, ids in groups:
        head += [f"MRR@10 {name}", f"nDCG@10 {name}", f"R@10 {name}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for s in systems:
        row = [s]
        for _, ids in groups:
            for m in ("mrr", "ndcg", "recall"):
                row.append(f"{mean([per_query[s][i][m] for i in ids]):.3f}")
        lines.append("| " + " | ".join(row) + " |")
    counts = ", ".join(f"{name}: {len(ids)}" for name, ids in groups)
    return "\n".join(lines) + f"\n\nQueries — {counts}. Cut-off k={K}; binary relevance."


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="use a running server (loopback only) instead of starting one; needs --data")
    ap.add_argument("--data", help="data directory of the server given by --url (used for `paperboy export`)")
    ap.add_argument("--paperboy", default=os.path.join(ROOT, "paperboy"), help="the CLI (default: ./paperboy)")
    ap.add_argument("--queries", default=os.path.join(HERE, "queries.tsv"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="directory for failures.txt and logs")
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for /healthz (first run builds)")
    args = ap.parse_args()
    if args.url and not args.data:
        ap.error("--url needs --data (the server's data directory, for `paperboy export`)")

    queries = load_queries(args.queries)
    os.makedirs(args.out, exist_ok=True)
    server, tmp = None, None
    try:
        if args.url:
            check_loopback(args.url)
            base, data = args.url.rstrip("/"), args.data
            wait_healthy(base, None, args.timeout)
        else:
            # Build first (./paperboy publishes on demand) so the health wait is not eaten by compilation.
            subprocess.run([args.paperboy, "--version"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            tmp = tempfile.mkdtemp(prefix="paperboy-quality-")
            data = os.path.join(tmp, "data")
            server = Server(args.paperboy, data, free_port(), os.path.join(args.out, "server.log"))
            base = server.url
            log(f"started paperboy serve at {base} with --data {data}")
            t0 = time.monotonic()
            wait_healthy(base, server.proc, args.timeout)
            log(f"healthy after {time.monotonic() - t0:.1f}s")

        papers = export_corpus(args.paperboy, data)
        by_title = {}
        for p in papers:
            by_title.setdefault(norm_title(p["title"]), p["id"])
        titles = {p["id"]: p["title"] for p in papers}
        missing = [(q["id"], t) for q in queries for t in q["relevant"] if norm_title(t) not in by_title]
        if missing:
            for qid, t in missing:
                log(f"{qid}: judged title not in the export: {t!r}")
            raise RuntimeError(f"{len(missing)} judged titles are not in the corpus")
        log(f"corpus: {len(papers)} papers; queries: {len(queries)}")

        fts = Fts5Baseline(papers)
        systems = list(MODES) + [BASELINE]
        per_query = {s: {} for s in systems}
        ranked = {s: {} for s in systems}
        for q in queries:
            rel = {by_title[norm_title(t)] for t in q["relevant"]}
            for s in systems:
                res = fts.search(q["query"]) if s == BASELINE else search_paperboy(base, q["query"], s)
                ids = [d for d, _ in res]
                ranked[s][q["id"]] = ids
                per_query[s][q["id"]] = metrics(ids, rel)

        md = table(per_query, queries, systems)
        print(md)

        fail_path = os.path.join(args.out, "failures.txt")
        with open(fail_path, "w", encoding="utf-8") as fh:
            fh.write(f"Paraphrase queries whose relevant paper is not in the top {K}, per system.\n")
            for s in systems:
                fails = [q for q in queries if q["kind"] == "paraphrase" and per_query[s][q["id"]]["recall"] == 0]
                n = sum(1 for q in queries if q["kind"] == "paraphrase")
                fh.write(f"\n## {s}: {len(fails)} of {n} paraphrase queries missed\n")
                for q in fails:
                    fh.write(f"\n{q['id']}  {q['query']}\n  wanted: {q['relevant'][0]}\n")
                    for i, d in enumerate(ranked[s][q["id"]][:3]):
                        fh.write(f"  got {i + 1}: {titles.get(d, d)}\n")
            fh.write(f"\n## Per query: reciprocal rank / nDCG@{K} / Recall@{K} for each system\n\n")
            fh.write("id\tkind\t" + "\t".join(systems) + "\tquery\n")
            for q in queries:
                fh.write(f"{q['id']}\t{q['kind']}\t" + "\t".join(
                    "{mrr:.2f}/{ndcg:.2f}/{recall:.2f}".format(**per_query[s][q["id"]]) for s in systems)
                    + f"\t{q['query']}\n")
        log(f"wrote {fail_path}")
        return 0
    finally:
        if server is not None:
            server.stop()
            log("stopped paperboy serve")
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through main()'s finally, which stops the server


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except (RuntimeError, subprocess.CalledProcessError, urllib.error.URLError, OSError) as e:
        log(f"error: {e}")
        sys.exit(1)
