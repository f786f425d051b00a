#!/usr/bin/python3
"""Deterministic synthetic corpus for the search load benchmark.

Builds word unigram/bigram statistics from the demo corpus (data/demo/*.txt: hf-page text) and samples N papers as
jsonl (Paperboy's import format) plus a query file. Topics are groups of similar demo papers, each with its own
bigram model and word weights; every synthetic paper mixes one to three topics, so documents cluster by topic the
way real papers do. Standard library only; the same arguments give a byte-identical output.

    /usr/bin/python3 bench/search/gen.py --papers 200000 --seed 1 --out bench/search/out/papers-200000-s1.jsonl \
        --queries bench/search/out/queries.txt
"""
import argparse
import bisect
import datetime
import glob
import json
import math
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

STOP = set("""a an and are as at be been being but by can could do does for from had has have how in into is it its
of on or our over such than that the their them then there these they this those through to under up via was we were
what when where which while who will with within without would not no also both each other more most all any some
may might should only very using based towards toward new show shows shown paper propose proposed present
approach method methods results work study""".split())

HEADER = {"new", "get trending papers in your email inbox!", "subscribe", "daily papers", "byak and the research community"}

FIRST = """Wei Li Ming Jun Yu Hao Xin Yang Jie Lei Chen Anna Maria Laura Sara Julia Emma Olivia Sofia Elena Nina David
Michael John James Daniel Thomas Alexander Peter Paul Mark Lucas Noah Ethan Adam Omar Ahmed Ali Hassan Yusuf Ravi
Arjun Priya Ananya Rahul Vikram Aditya Kenji Yuki Haruto Sakura Takeshi Jin Min-jun Seo-yeon Ji-woo Hyun Pablo Carlos
Diego Javier Lucia Camila Mateo Ivan Dmitry Olga Natalia Sergei Katarina Lars Ingrid Sven Freya Jonas Lena Felix
Hannah Leon Mia Pierre Camille Louis Chloe Marco Giulia Luca Francesca Tomas Zofia Piotr Agnieszka Kwame Amara Chidi
Ngozi Tariq Leila Reza Shirin Mehmet Ayse Elif Can Thanh Linh Minh Anh""".split()
LAST = """Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Smith Johnson Williams
Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Taylor Moore Jackson
Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Kumar Singh Sharma Patel
Gupta Reddy Iyer Nair Rao Das Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kim Park Choi Jung
Kang Cho Yoon Jang Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schulz Rossi Russo Ferrari
Esposito Bianchi Romano Colombo Ricci Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux Ivanov Petrov Smirnov
Kuznetsov Popov Novak Kowalski Nowak Wisniewski Andersson Johansson Karlsson Nilsson Hansen Jensen Nielsen Larsen
Okafor Mensah Mwangi Haddad Khan Rahman Hosseini Yilmaz Kaya Demir Nguyen Tran Pham Hoang""".split()
CATEGORIES = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "cs.IR", "cs.NE", "math.OC", "eess.IV",
              "cs.SD", "cs.CR", "q-bio.QM", "physics.comp-ph", "cs.DC", "eess.SP"]


def read_demo(pattern):
    """(title, abstract) pairs from the hf-page text files, de-duplicated by title, in file order."""
    papers, seen = [], set()
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as f:
            groups, cur = [], None
            for line in f.read().split("\n"):
                line = line.strip()
                if not line:
                    cur = None
                    continue
                if cur is None:
                    cur = []
                    groups.append(cur)
                cur.append(line)
        single = [g[0] if len(g) == 1 else None for g in groups]
        for i in range(len(groups) - 1):
            t, a = single[i], single[i + 1]
            if t is None or a is None or t.lower() in HEADER or t.startswith("•") or t == "·":
                continue
            if len(a) < 200 or a.startswith("•") or len(t) > 300 or t in seen:
                continue
            seen.add(t)
            papers.append((t, a))
    return papers


def tokens(text):
    return [w for w in text.split() if w]


def norm(word):
    return re.sub(r"[^a-z0-9\-]", "", word.lower()).strip("-")


class Dist:
    """A categorical distribution sampled by bisect over cumulative weights (deterministic order)."""
    __slots__ = ("items", "cum", "total")

    def __init__(self, counts):
        self.items = sorted(counts)
        self.cum, t = [], 0.0
        for k in self.items:
            t += counts[k]
            self.cum.append(t)
        self.total = t

    def sample(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def bigrams(texts):
    """prev word -> Dist over next word; '<s>' starts a sentence, '</s>' ends one."""
    counts = {}
    for text in texts:
        prev = "<s>"
        for w in tokens(text):
            counts.setdefault(prev, {}).setdefault(w, 0)
            counts[prev][w] += 1
            prev = "<s>" if w.endswith(".") and not re.search(r"\b(e\.g|i\.e|et al|vs|cf)\.$", w) else w
        counts.setdefault(prev, {}).setdefault("</s>", 0)
        counts[prev]["</s>"] += 1
    return {k: Dist(v) for k, v in counts.items()}


class Model:
    def __init__(self, demo, topics, rng):
        self.demo = demo
        self.global_abs = bigrams([a for _, a in demo])
        self.global_title = bigrams([t for t, _ in demo])
        # Document frequencies for content words.
        docs = [set(norm(w) for w in tokens(t + " " + a)) - {""} for t, a in demo]
        df = {}
        for d in docs:
            for w in d:
                df[w] = df.get(w, 0) + 1
        n = len(demo)
        idf = {w: math.log(n / c) for w, c in df.items()}
        vecs = []
        for t, a in demo:
            tf = {}
            for w in tokens(t + " " + t + " " + a):
                k = norm(w)
                if k and k not in STOP and len(k) > 2 and not k.isdigit():
                    tf[k] = tf.get(k, 0) + 1
            v = {k: c * idf[k] for k, c in tf.items()}
            nrm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            vecs.append({k: x / nrm for k, x in v.items()})
        # Topic k: a seed demo paper and its nearest neighbours by tf-idf cosine.
        seeds = rng.sample(range(n), min(topics, n))
        self.topics = []
        for ti, s in enumerate(seeds):
            sv = vecs[s]
            sims = sorted(((sum(x * vecs[j].get(k, 0.0) for k, x in sv.items()), j) for j in range(n)), reverse=True)
            members = [j for _, j in sims[:8]]
            weights = {}
            for j in members:
                for k, x in vecs[j].items():
                    weights[k] = weights.get(k, 0.0) + x
            top = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:60])
            # Surface forms of the topic's words, to jump to when a bigram chain runs dry.
            surf = {}
            for j in members:
                for w in tokens(demo[j][1]):
                    if norm(w) in top and w.isalpha():
                        surf[w] = surf.get(w, 0) + 1
            self.topics.append({
                "abs": bigrams([demo[j][1] for j in members]),
                "title": bigrams([demo[j][0] for j in members]),
                "words": Dist(top),
                "surface": Dist(surf or {"model": 1}),
                "category": CATEGORIES[ti % len(CATEGORIES)],
                "members": members,
            })

    def chain(self, rng, mix, kind, length, first=None):
        """Samples about `length` tokens, mostly from the mixed topics' bigrams, falling back to the global ones."""
        glob_ = self.global_title if kind == "title" else self.global_abs
        out, prev = [], "<s>"
        while len(out) < length:
            topic = mix.sample(rng)
            local = topic[kind]
            r = rng.random()
            if r < 0.8 and prev in local:
                w = local[prev].sample(rng)
            elif prev in glob_ and r < 0.97:
                w = glob_[prev].sample(rng)
            else:
                w = topic["surface"].sample(rng)
            if w == "</s>":
                if kind == "title":
                    # Titles continue with a topic word and a colon-free join.
                    w = topic["surface"].sample(rng)
                else:
                    if out and not out[-1].endswith("."):
                        out[-1] += "."
                    prev = "<s>"
                    continue
            out.append(w)
            prev = "<s>" if kind != "title" and w.endswith(".") else w
        return out


def title_case(words):
    out = []
    for w in words:
        out.append(w if not w[:1].islower() or w.lower() in STOP and out else w[:1].upper() + w[1:])
    while len(out) > 3 and (norm(out[-1]) in STOP or not norm(out[-1])):
        out.pop()
    return " ".join(out).rstrip(":,;.")


def make_mix(rng, model):
    k = rng.choices([1, 2, 3], weights=[5, 3, 1])[0]
    chosen = rng.sample(range(len(model.topics)), k)
    w = [rng.random() ** 2 + 0.05 for _ in chosen]
    w[0] += 1.5   # a dominant topic
    d = Dist({i: x for i, x in zip(chosen, w)})
    return chosen[0], _Mix(d, model.topics)


class _Mix:
    __slots__ = ("dist", "topics")

    def __init__(self, dist, topics):
        self.dist, self.topics = dist, topics

    def sample(self, rng):
        return self.topics[self.dist.sample(rng)]


def papers(rng, model, n):
    start = datetime.date(2018, 1, 1)
    days = (datetime.date(2025, 12, 31) - start).days + 1
    per_month = {}
    for _ in range(n):
        main, mix = make_mix(rng, model)
        topic = model.topics[main]
        title = title_case(model.chain(rng, mix, "title", rng.randint(6, 14)))
        abstract_words = model.chain(rng, mix, "abs", rng.randint(120, 250))
        abstract = " ".join(abstract_words)
        if not abstract.endswith("."):
            abstract += "."
        day = start + datetime.timedelta(days=rng.randrange(days))
        key = (day.year % 100, day.month)
        per_month[key] = per_month.get(key, 0) + 1
        arxiv = "%02d%02d.%05d" % (key[0], key[1], per_month[key])
        n_auth = min(12, max(1, int(rng.lognormvariate(1.3, 0.6))))
        authors = [rng.choice(FIRST) + " " + rng.choice(LAST) for _ in range(n_auth)]
        upvotes = min(20000, int((rng.paretovariate(1.1) - 1.0) * 3))
        cats = [topic["category"]]
        if rng.random() < 0.5:
            c = rng.choice(CATEGORIES)
            if c not in cats:
                cats.append(c)
        links = []
        if rng.random() < 0.25:
            links.append({"kind": "code", "url": "https://github.com/%s/%s" % (norm(authors[0].split()[-1]) or "lab", arxiv.replace(".", "-"))})
        yield {
            "arxivId": arxiv, "title": title, "abstract": abstract, "authors": authors,
            "publishedAt": day.isoformat(), "upvotes": upvotes, "primaryCategory": cats[0], "categories": cats, "links": links,
        }


def queries(rng, model, n):
    out = []
    for _ in range(n):
        topic = rng.choice(model.topics)
        r = rng.random()
        if r < 0.12:
            # Phrase query: two or three consecutive words from a member paper's title or abstract.
            t, a = model.demo[rng.choice(topic["members"])]
            ws = [norm(w) for w in tokens(rng.choice([t, a]))]
            for _try in range(20):
                L = rng.randint(2, 3)
                i = rng.randrange(max(1, len(ws) - L + 1))
                span = ws[i:i + L]
                if len(span) == L and all(span) and span[0] not in STOP and span[-1] not in STOP:
                    out.append('"' + " ".join(span) + '"')
                    break
            else:
                out.append(topic["words"].sample(rng))
        elif r < 0.55:
            # Consecutive words from a topic's bigram chain, stop words dropped from the ends.
            words = [norm(w) for w in model.chain(rng, _Mix(Dist({0: 1}), [topic]), "title", 8)]
            words = [w for w in words if w]
            L = rng.randint(1, 5)
            i = rng.randrange(max(1, len(words) - L + 1))
            span = words[i:i + L]
            while span and span[0] in STOP:
                span.pop(0)
            while span and span[-1] in STOP:
                span.pop()
            out.append(" ".join(span) if span else topic["words"].sample(rng))
        else:
            # Bag of topic keywords.
            L = rng.choices([1, 2, 3, 4, 5], weights=[3, 5, 4, 2, 1])[0]
            ws = []
            for _try in range(L * 3):
                w = topic["words"].sample(rng)
                if w not in ws:
                    ws.append(w)
                if len(ws) == L:
                    break
            out.append(" ".join(ws))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--topics", type=int, default=60)
    ap.add_argument("--out", required=True, help="jsonl file to write")
    ap.add_argument("--queries", help="query file to write (one query a line)")
    ap.add_argument("--nqueries", type=int, default=2000)
    ap.add_argument("--demo", default=os.path.join(ROOT, "data", "demo", "*.txt"))
    args = ap.parse_args()

    demo = read_demo(args.demo)
    if len(demo) < 20:
        sys.exit("gen.py: too few demo papers in %s" % args.demo)
    model = Model(demo, args.topics, random.Random("topics-%d" % args.seed))
    rng = random.Random(args.seed)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for i, p in enumerate(papers(rng, model, args.papers)):
            f.write(json.dumps(p, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
            if (i + 1) % 50000 == 0:
                print("gen.py: %d papers" % (i + 1), file=sys.stderr)
    os.replace(tmp, args.out)
    if args.queries:
        qs = queries(random.Random("queries-%d" % args.seed), model, args.nqueries)
        with open(args.queries + ".tmp", "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(qs) + "\n")
        os.replace(args.queries + ".tmp", args.queries)
    print("gen.py: %d demo papers, %d topics -> %d papers in %s" % (len(demo), len(model.topics), args.papers, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
