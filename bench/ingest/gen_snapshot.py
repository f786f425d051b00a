#!/usr/bin/python3
"""Deterministic synthetic arXiv metadata snapshot (the Kaggle arxiv-metadata-oai-snapshot.json format).

One JSON object per line, in id order as arXiv's file is: old-style ids (hep-th/9901001) before April 2007, then
0704.0001-style and, from 2015, 1501.00001-style ids; one to three versions with RFC 1123 dates; hard-wrapped
abstracts with a leading space and some inline LaTeX; authors as a string and as authors_parsed. The text comes
from bench/search/gen.py's topic model over the demo corpus (imported, not copied). Streams: memory does not grow
with the number of lines. Standard library only; the same arguments give a byte-identical file.

    /usr/bin/python3 bench/bulk/gen_snapshot.py --lines 200000 --seed 1 --out bench/bulk/out/snapshot-200000-s1.json
"""
import argparse
import datetime
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "search"))
import gen  # noqa: E402  bench/search/gen.py: the demo-corpus topic model

START = datetime.date(1995, 1, 1)
MONTHS = (2025 - 1995 + 1) * 12
NEW_STYLE = (2007 - 1995) * 12 + 3          # April 2007: 0704.0001
FIVE_DIGITS = (2015 - 1995) * 12            # January 2015: 1501.00001
LATEX = ["$O(n^2)$", "$\\mathcal{O}(d^k)$", "$\\epsilon$-greedy", "$k$-NN", "$\\ell_1$", "$p < 0.05$", "$>90\\%$",
         "$\\alpha=0.5$", "\\emph{et al.}", "$x \\mapsto f(x)$"]
OLD_ARCHIVES = ["hep-th", "hep-ph", "astro-ph", "cond-mat", "quant-ph", "gr-qc", "nucl-th", "math-ph", "physics", "nlin",
                "hep-ex", "hep-lat", "nucl-ex", "q-bio"]
LICENSES = [None, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "http://creativecommons.org/licenses/by/4.0/"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def month_of(i, n):
    """Papers per month grow roughly linearly, as arXiv's submissions have: month = MONTHS * sqrt(i / n)."""
    return min(MONTHS - 1, int(MONTHS * ((i + 0.5) / n) ** 0.5))


def rfc1123(day, rng):
    return "%s, %d %s %d %02d:%02d:%02d GMT" % (WEEKDAYS[day.weekday()], day.day, MONTH_NAMES[day.month - 1], day.year,
                                                 rng.randrange(24), rng.randrange(60), rng.randrange(60))


def wrap(text, width=80):
    lines, cur = [], ""
    for w in text.split():
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cur + " " + w if cur else w
    if cur:
        lines.append(cur)
    return "  " + "\n".join(lines) + "\n"


def records(rng, model, n):
    counters = {}
    for i in range(n):
        m = month_of(i, n)
        year, month = 1995 + m // 12, m % 12 + 1
        main, mix = gen.make_mix(rng, model)
        cats = [model.topics[main]["category"]]
        if rng.random() < 0.5:
            c = rng.choice(gen.CATEGORIES)
            if c not in cats:
                cats.append(c)
        if m < NEW_STYLE:
            # Old-style numbers have three digits per archive and month. A full archive spills into the next of
            # arXiv's other old archives, as the real snapshot's pre-2007 papers spread over physics archives.
            for archive in [cats[0].split(".")[0]] + OLD_ARCHIVES:
                key = (archive, m)
                if counters.get(key, 0) < 999:
                    break
            else:
                sys.exit("gen_snapshot.py: more than %d papers in %02d%02d; use fewer lines" % (999 * (len(OLD_ARCHIVES) + 1), year % 100, month))
            counters[key] = counters.get(key, 0) + 1
            arxiv_id = "%s/%02d%02d%03d" % (archive, year % 100, month, counters[key])
        else:
            counters[m] = counters.get(m, 0) + 1
            digits = 5 if m >= FIVE_DIGITS else 4
            if counters[m] >= 10 ** digits:
                sys.exit("gen_snapshot.py: too many papers in %02d%02d; use fewer lines" % (year % 100, month))
            arxiv_id = "%02d%02d.%0*d" % (year % 100, month, digits, counters[m])

        title_words = model.chain(rng, mix, "title", rng.randint(6, 14))
        title = gen.title_case(title_words)
        if len(title) > 60 and rng.random() < 0.3:
            cut = title.rfind(" ", 0, 60)
            title = title[:cut] + "\n  " + title[cut + 1:]                     # the snapshot's hard-wrapped titles
        words = model.chain(rng, mix, "abs", rng.randint(120, 250))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(LATEX))
        abstract = " ".join(words)
        if not abstract.endswith("."):
            abstract += "."

        n_auth = min(12, max(1, int(rng.lognormvariate(1.3, 0.6))))
        parsed = [[rng.choice(gen.LAST), rng.choice(gen.FIRST), ""] for _ in range(n_auth)]
        names = [f + " " + l for l, f, _ in parsed]
        authors = names[0] if n_auth == 1 else ", ".join(names[:-1]) + " and " + names[-1]

        day = datetime.date(year, month, 1) + datetime.timedelta(days=rng.randrange(28))
        versions = []
        for v in range(rng.choices([1, 2, 3], weights=[6, 3, 1])[0]):
            versions.append({"version": "v%d" % (v + 1), "created": rfc1123(day, rng)})
            day = day + datetime.timedelta(days=rng.randint(1, 200))
        comments = rng.choice([None, "%d pages, %d figures" % (rng.randint(4, 40), rng.randint(1, 12))])
        if rng.random() < 0.1:
            comments = "Code: https://github.com/%s/%s" % (gen.norm(parsed[0][0]) or "lab", arxiv_id.replace("/", "-").replace(".", "-"))
        yield {
            "id": arxiv_id,
            "submitter": names[0],
            "authors": authors,
            "title": title,
            "comments": comments,
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": " ".join(cats),
            "license": rng.choice(LICENSES),
            "abstract": wrap(abstract),
            "versions": versions,
            "update_date": min(day, datetime.date(2025, 12, 31)).isoformat(),
            "authors_parsed": parsed,
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--topics", type=int, default=60)
    ap.add_argument("--out", required=True, help="file to write ('-' for standard output)")
    ap.add_argument("--demo", default=os.path.join(gen.ROOT, "data", "demo", "*.txt"))
    args = ap.parse_args()

    demo = gen.read_demo(args.demo)
    if len(demo) < 20:
        sys.exit("gen_snapshot.py: too few demo papers in %s" % args.demo)
    model = gen.Model(demo, args.topics, random.Random("topics-%d" % args.seed))
    rng = random.Random(args.seed)
    tmp = args.out + ".tmp"
    f = sys.stdout if args.out == "-" else open(tmp, "w", encoding="utf-8", newline="\n")
    try:
        for i, r in enumerate(records(rng, model, args.lines)):
            f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")))
            f.write("\n")
            if (i + 1) % 100000 == 0:
                print("gen_snapshot.py: %d lines" % (i + 1), file=sys.stderr)
    finally:
        if f is not sys.stdout:
            f.close()
    if f is not sys.stdout:
        os.replace(tmp, args.out)
    print("gen_snapshot.py: %d lines (seed %d) in %s" % (args.lines, args.seed, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
