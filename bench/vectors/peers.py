#!/usr/bin/python3
"""Runs Debian's hnswlib and faiss (IndexHNSWFlat) on the files written by `VectorBench gen`, with the same
parameters as `VectorBench run`, and writes out/<lib>.json in the same shape.

Needs: apt-get install -y python3-hnswlib python3-faiss python3-numpy   (run with /usr/bin/python3)
"""
import argparse, json, os, sys, time, gc

import numpy as np


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    rows = raw.reshape(-1, dim + 1)[:, 1:]
    return np.ascontiguousarray(rows.view(dtype) if dtype == np.float32 else rows)


def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def recall_at_10(ids, gt):
    found = sum(len(set(row[:10]) & set(truth[:10])) for row, truth in zip(ids, gt))
    return found / (10.0 * len(gt))


def timed_search(fn, queries, min_seconds=1.0, max_rounds=20):
    fn(queries[:100])  # warm-up
    rounds, start = 0, time.perf_counter()
    while True:
        ids = fn(queries)
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds or rounds >= max_rounds:
            return ids, rounds * len(queries) / elapsed


def bench_hnswlib(data, queries, gt, args, out):
    import hnswlib
    n, dim = data.shape
    res = {"library": "hnswlib", "n": n, "dim": dim, "M": args.M, "efConstruction": args.efConstruction, "build_seconds": {}}
    kept = None
    for t in args.threads:
        gc.collect()
        before = rss()
        p = hnswlib.Index(space="l2", dim=dim)
        p.init_index(max_elements=n, ef_construction=args.efConstruction, M=args.M, random_seed=100)
        start = time.perf_counter()
        p.add_items(data, np.arange(n), num_threads=t)
        res["build_seconds"][str(t)] = time.perf_counter() - start
        print(f"hnswlib: build with {t} thread(s): {res['build_seconds'][str(t)]:.1f}s", file=sys.stderr)
        if kept is None:
            kept = p
            res["rss_bytes"] = rss()
            res["rss_delta_bytes"] = rss() - before
            path = os.path.join(out, "hnswlib.bin")
            p.save_index(path)
            res["file_bytes"] = os.path.getsize(path)
            # hnswlib's own layout: level-0 blocks (links + vector + label) + upper link lists; its file is exactly that.
            res["index_bytes"] = res["file_bytes"]
            os.remove(path)
        else:
            del p
    rows = []
    for ef in args.ef:
        kept.set_ef(ef)
        ids, qps = timed_search(lambda q: kept.knn_query(q, k=10, num_threads=1)[0], queries)
        r = recall_at_10(ids, gt)
        rows.append({"ef": ef, "recall": r, "qps": qps})
        print(f"hnswlib: ef={ef:4d} recall@10={r:.4f} qps={qps:.0f}", file=sys.stderr)
    res["search"] = rows
    return res


def bench_faiss(data, queries, gt, args, out):
    import faiss
    n, dim = data.shape
    res = {"library": "faiss", "n": n, "dim": dim, "M": args.M, "efConstruction": args.efConstruction, "build_seconds": {}}
    kept = None
    for t in args.threads:
        gc.collect()
        before = rss()
        faiss.omp_set_num_threads(t)
        index = faiss.IndexHNSWFlat(dim, args.M)
        index.hnsw.efConstruction = args.efConstruction
        start = time.perf_counter()
        index.add(data)
        res["build_seconds"][str(t)] = time.perf_counter() - start
        print(f"faiss: build with {t} thread(s): {res['build_seconds'][str(t)]:.1f}s", file=sys.stderr)
        if kept is None:
            kept = index
            res["rss_bytes"] = rss()
            res["rss_delta_bytes"] = rss() - before
            path = os.path.join(out, "faiss.bin")
            faiss.write_index(index, path)
            res["file_bytes"] = os.path.getsize(path)
            res["index_bytes"] = res["file_bytes"]
            os.remove(path)
        else:
            del index
    faiss.omp_set_num_threads(1)
    rows = []
    for ef in args.ef:
        kept.hnsw.efSearch = ef
        ids, qps = timed_search(lambda q: kept.search(q, 10)[1], queries)
        r = recall_at_10(ids, gt)
        rows.append({"ef": ef, "recall": r, "qps": qps})
        print(f"faiss: ef={ef:4d} recall@10={r:.4f} qps={qps:.0f}", file=sys.stderr)
    res["search"] = rows
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out")
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--efConstruction", type=int, default=200)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--ef", default="16,32,64,128,256")
    ap.add_argument("--libs", default="hnswlib,faiss")
    args = ap.parse_args()
    args.threads = [int(x) for x in args.threads.split(",")]
    args.ef = [int(x) for x in args.ef.split(",")]
    data = read_vecs(os.path.join(args.out, "base.fvecs"), np.float32)
    queries = read_vecs(os.path.join(args.out, "query.fvecs"), np.float32)
    gt = read_vecs(os.path.join(args.out, "gt.ivecs"), np.int32)
    for lib in args.libs.split(","):
        res = {"hnswlib": bench_hnswlib, "faiss": bench_faiss}[lib](data, queries, gt, args, args.out)
        with open(os.path.join(args.out, f"{lib}.json"), "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
