"""Loads bench/quality/queries.tsv: id <TAB> kind <TAB> query <TAB> relevant title [<TAB> relevant title ...]."""

KINDS = ("paraphrase", "topical")


def load_queries(path):
    queries, seen = [], set()
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 4:
                raise ValueError(f"{path}:{n}: expected id, kind, query and at least one relevant title")
            qid, kind, query, relevant = cols[0], cols[1], cols[2], [c.strip() for c in cols[3:] if c.strip()]
            if kind not in KINDS:
                raise ValueError(f"{path}:{n}: unknown kind {kind!r}")
            if qid in seen:
                raise ValueError(f"{path}:{n}: duplicate id {qid}")
            if kind == "paraphrase" and len(relevant) != 1:
                raise ValueError(f"{path}:{n}: a paraphrase query names exactly one paper")
            seen.add(qid)
            queries.append({"id": qid, "kind": kind, "query": query, "relevant": relevant})
    return queries
