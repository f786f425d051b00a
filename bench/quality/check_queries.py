#!/usr/bin/python3
"""Sanity checks for bench/quality/queries.tsv, from the demo corpus alone (no Paperboy search involved).

- every judged title must be a demo paper title (exact match);
- for paraphrase queries, lists the (porter-stemmed) words the query shares with its target's title and
  abstract, with each word's document frequency in the corpus, so distinctive overlaps stand out.

Usage: bench/quality/check_queries.py [--corpus export.jsonl]   (default: parse data/demo/*.txt)
"""
import argparse
import glob
import json
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from qrels import load_queries  # noqa: E402

STOP = set("""a an the of for and or in on to with by from at as is are be been being it its this that these those
we our us you your they their them he she his her not no do does did can could should would will may might than then
when where which who whom what how why into over under up down out about across after before between through during
each every all any some many much more most less few other such own same so too very just only also still even get
gets got make makes made while without within per via""".split())


def parse_demo(root):
    """Title/abstract pairs from the Hugging Face page dumps (title line, blank line, long abstract line)."""
    papers = {}
    for f in sorted(glob.glob(os.path.join(root, "data", "demo", "*.txt"))):
        with open(f, encoding="utf-8") as fh:
            lines = [l.rstrip("\n") for l in fh]
        for i in range(len(lines) - 2):
            if lines[i].strip() and not lines[i + 1].strip() and len(lines[i + 2]) > 150 and len(lines[i]) < 300:
                papers.setdefault(lines[i].strip(), lines[i + 2].strip())
    return papers


def load_export(path):
    papers = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                p = json.loads(line)
                papers.setdefault(p["title"].strip(), p.get("abstract") or "")
    return papers


class Stemmer:
    """Porter stems via SQLite FTS5's tokenizer (stdlib only)."""

    def __init__(self):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
        self.db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")

    def stems(self, text):
        self.db.execute("DELETE FROM t")
        self.db.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (text,))
        return {r[0] for r in self.db.execute("SELECT term FROM v")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", help="JSON lines from `paperboy export` (default: parse data/demo/*.txt)")
    ap.add_argument("--queries", default=os.path.join(HERE, "queries.tsv"))
    args = ap.parse_args()
    papers = load_export(args.corpus) if args.corpus else parse_demo(ROOT)
    queries = load_queries(args.queries)
    bad = 0
    for q in queries:
        for t in q["relevant"]:
            if t not in papers:
                print(f"{q['id']}: unknown title: {t!r}")
                bad += 1
    st = Stemmer()
    stop = {s for w in STOP for s in st.stems(w)}
    df = {}
    doc_stems = {}
    for t, a in papers.items():
        doc_stems[t] = st.stems(t + " " + a)
        for s in doc_stems[t]:
            df[s] = df.get(s, 0) + 1
    kinds = {}
    for q in queries:
        kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
        if q["kind"] != "paraphrase" or q["relevant"][0] not in papers:
            continue
        shared = sorted((st.stems(q["query"]) & doc_stems[q["relevant"][0]]) - stop, key=lambda s: df[s])
        print(f"{q['id']}  shared: " + (", ".join(f"{s}({df[s]})" for s in shared) or "-") + f"   | {q['query']}")
    print(f"{len(papers)} papers; queries by kind: {kinds}; unknown titles: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
