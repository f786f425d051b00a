#!/usr/bin/python3
"""Prints one side-by-side Markdown table from out/{paperboy,hnswlib,faiss}.json (written by VectorBench run and peers.py)."""
import json, math, os, sys

out = sys.argv[1] if len(sys.argv) > 1 else "out"
libs = []
for name in ["ours", "ours-int8", "hnswlib", "faiss"]:
    path = os.path.join(out, name + ".json")
    if os.path.exists(path):
        with open(path) as f:
            libs.append(json.load(f))
# Extra search-only passes (<name>-search<N>.json): keep each ef's best QPS across passes (the machine is shared).
import glob
for name, lib in zip([n for n in ["ours", "ours-int8", "hnswlib", "faiss"] if os.path.exists(os.path.join(out, n + ".json"))], libs):
    lib["passes"] = 1
    for extra in sorted(glob.glob(os.path.join(out, name + "-search*.json"))):
        with open(extra) as f:
            rows = json.load(f)["search"]
        lib["passes"] += 1
        for mine, more in zip(lib["search"], rows):
            assert mine["ef"] == more["ef"]
            mine["qps"] = max(mine["qps"], more["qps"])
by = {l["library"]: l for l in libs}
ours, ref = by.get("paperboy"), by.get("hnswlib")


def qps_at_recall(lib, recall):
    """QPS of lib at the given recall: walking its ef points upwards, the first that reaches it, with log(QPS)
    interpolated from the point before (None when lib never reaches that recall)."""
    pts = sorted((r["ef"], r["recall"], r["qps"]) for r in lib["search"])
    for j, (_, r1, q1) in enumerate(pts):
        if r1 >= recall:
            if j == 0:
                return q1  # already there at its smallest ef
            _, r0, q0 = pts[j - 1]
            t = (recall - r0) / (r1 - r0)
            return math.exp(math.log(q0) + t * (math.log(q1) - math.log(q0)))
    return None


first = libs[0]
print(f"Dataset: {first['n']:,} x {first['dim']} (L2-normalised, Gaussian clusters), M={first['M']}, efConstruction={first['efConstruction']}, k=10, single-thread search\n")
print("### Search: recall@10 and QPS\n")
head = "| ef | " + " | ".join(f"{l['library']} recall | {l['library']} QPS" for l in libs)
if ours and ref:
    head += " | QPS ours/hnswlib (same ef) | QPS ours/hnswlib (at hnswlib's recall) |"
else:
    head += " |"
print(head)
print("|" + "---|" * (1 + 2 * len(libs) + (2 if ours and ref else 0)))
efs = [r["ef"] for r in first["search"]]
for i, ef in enumerate(efs):
    cells = [str(int(ef))]
    for l in libs:
        r = l["search"][i]
        cells += [f"{r['recall']:.4f}", f"{r['qps']:,.0f}"]
    if ours and ref:
        o, h = ours["search"][i], ref["search"][i]
        cells.append(f"{o['qps'] / h['qps']:.2f}")
        q = qps_at_recall(ours, h["recall"])
        cells.append(f"{q / h['qps']:.2f}" if q else "n/a (recall not reached)")
    print("| " + " | ".join(cells) + " |")

print("\nQPS: best of " + ", ".join(f"{l['library']} {l['passes']}" for l in libs) + " search passes (each itself best of 3 trials of >= 0.5 s).")
print("\n### Build time (seconds)\n")
threads = list(first["build_seconds"].keys())
print("| threads | " + " | ".join(l["library"] for l in libs) + (" | ours/hnswlib |" if ours and ref else " |"))
print("|" + "---|" * (1 + len(libs) + (1 if ours and ref else 0)))
for t in threads:
    cells = [t] + [f"{l['build_seconds'][t]:.1f}" if t in l["build_seconds"] else "not run" for l in libs]
    if ours and ref:
        cells.append(f"{ours['build_seconds'][t] / ref['build_seconds'][t]:.2f}")
    print("| " + " | ".join(cells) + " |")

print("\n### Memory (MiB)\n")
print("| measure | " + " | ".join(l["library"] for l in libs) + (" | ours/hnswlib |" if ours and ref else " |"))
print("|" + "---|" * (1 + len(libs) + (1 if ours and ref else 0)))
for key, label in [("index_bytes", "vectors + links in memory (hnswlib, faiss: their index file)"),
                   ("file_bytes", "saved index file"),
                   ("rss_delta_bytes", "process RSS growth during the first build"),
                   ("rss_bytes", "process RSS after the first build (includes the loaded dataset)")]:
    cells = [label] + [f"{l.get(key, 0) / 2**20:,.1f}" for l in libs]
    if ours and ref:
        cells.append(f"{ours[key] / ref[key]:.2f}")
    print("| " + " | ".join(cells) + " |")
