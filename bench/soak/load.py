#!/usr/bin/env python3
"""Open-loop load at a steady rate against a running `paperboy serve`, with a per-minute record of latency, errors and memory.

Open loop: request i is due at start + i / rate whatever happened to earlier ones, and its latency is measured from
when it was due, so a stalled server shows up as latency rather than as a quietly lower rate (no coordinated omission).
The mix: hybrid search, board pages, paper pages and votes (POST/DELETE /api/papers/{id}/upvote with members' API
tokens, spread over the members so that none reaches the vote rate limit).

Writes one CSV row a minute (--csv) and, at the end, an SVG plot of the series (--svg), standard library only.
"""
import argparse
import collections
import concurrent.futures
import datetime
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

MIX = [("search", 0.40), ("board", 0.25), ("paper", 0.30), ("vote", 0.05)]


def parse_args():
    a = argparse.ArgumentParser()
    a.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    a.add_argument("--pid", type=int, required=True, help="the server's process id (for RSS)")
    a.add_argument("--rate", type=float, default=200.0, help="requests per second")
    a.add_argument("--duration", type=int, default=1800, help="seconds")
    a.add_argument("--queries", required=True)
    a.add_argument("--ids", required=True, help="paper ids, one a line")
    a.add_argument("--days", required=True, help="publication days (YYYY-MM-DD), one a line")
    a.add_argument("--tokens", required=True, help="API tokens, one a line")
    a.add_argument("--csv", required=True)
    a.add_argument("--svg")
    a.add_argument("--workers", type=int, default=64, help="connections (one per worker thread)")
    a.add_argument("--max-backlog", type=int, default=400, help="requests outstanding beyond which a due request is counted as failed, not sent")
    a.add_argument("--seed", type=int, default=1)
    return a.parse_args()


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


class Requests:
    """Makes the next request of the mix: (kind, method, path, headers)."""

    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.queries = lines(args.queries)
        self.ids = lines(args.ids)
        self.days = lines(args.days)
        self.tokens = lines(args.tokens)
        self.voted = {}          # (token index, paper id) -> True while the vote stands: the next vote on it withdraws it
        self.next_token = 0
        self.kinds = [k for k, _ in MIX]
        self.weights = [w for _, w in MIX]

    def next(self):
        kind = self.rng.choices(self.kinds, self.weights)[0]
        if kind == "search":
            q = urllib.parse.quote(self.rng.choice(self.queries))
            return kind, "GET", f"/search?q={q}&mode=hybrid" if self.rng.random() < 0.5 else f"/api/search?q={q}&mode=hybrid&limit=10", {}
        if kind == "board":
            day = self.rng.choice(self.days)
            y, m, d = (int(x) for x in day.split("-"))
            iso = datetime.date(y, m, d).isocalendar()
            return kind, "GET", self.rng.choice([f"/date/{day}", f"/week/{iso[0]}-W{iso[1]:02d}", f"/month/{day[:7]}", "/trending"]), {}
        if kind == "paper":
            return kind, "GET", f"/papers/{urllib.parse.quote(self.rng.choice(self.ids))}", {}
        t = self.next_token
        self.next_token = (t + 1) % len(self.tokens)
        pid = self.rng.choice(self.ids[:2000])
        method = "DELETE" if self.voted.pop((t, pid), False) else "POST"
        if method == "POST":
            self.voted[(t, pid)] = True
        return kind, method, f"/api/papers/{urllib.parse.quote(pid)}/upvote", {"Authorization": "Bearer " + self.tokens[t]}


class Minute:
    def __init__(self):
        self.lat = collections.defaultdict(list)   # kind -> latencies (ms)
        self.errors = collections.Counter()        # "kind status" -> count
        self.samples = []                          # (rss MB, gc heap MB, gen2, load1)
        self.dropped = 0                           # due but not sent: too many requests outstanding


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024.0
    return float("nan")


def metrics(host, port):
    c = http.client.HTTPConnection(host, port, timeout=10)
    try:
        c.request("GET", "/metrics")
        body = c.getresponse().read().decode()
    finally:
        c.close()
    out = {}
    for l in body.splitlines():
        if l and not l.startswith("#"):
            name, value = l.rsplit(" ", 1)
            out[name] = float(value)
    return out


def main():
    args = parse_args()
    u = urllib.parse.urlsplit(args.base)
    host, port = u.hostname, u.port
    gen = Requests(args)
    minutes = collections.defaultdict(Minute)
    lock = threading.Lock()
    local = threading.local()
    start = time.monotonic() + 1.0
    stop = threading.Event()
    outstanding = [0]

    def conn():
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = http.client.HTTPConnection(host, port, timeout=30)
        return c

    def send(due, kind, method, path, headers):
        status = None
        try:
            c = conn()
            try:
                c.request(method, path, headers=headers)
                r = c.getresponse()
                r.read()
                status = r.status
            except (http.client.HTTPException, OSError):
                local.c = None
                c.close()
                raise
        except Exception as e:   # a refused or broken connection is an error like a 5xx
            status = type(e).__name__
        done = time.monotonic()
        minute = int((due - start) // 60)
        with lock:
            outstanding[0] -= 1
            m = minutes[minute]
            m.lat[kind].append((done - due) * 1000.0)
            if not (isinstance(status, int) and 200 <= status < 400):
                m.errors[f"{kind} {method} {status}"] += 1

    def sample():
        while not stop.wait(5.0):
            try:
                mx = metrics(host, port)
                s = (rss_mb(args.pid), mx.get("dotnet_gc_heap_bytes", float("nan")) / 2**20,
                     mx.get('dotnet_gc_collections_total{generation="2"}', float("nan")), os.getloadavg()[0])
            except Exception as e:
                print(f"load.py: sampling failed: {e}", file=sys.stderr)
                continue
            with lock:
                minutes[int((time.monotonic() - start) // 60)].samples.append(s)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    total = int(args.rate * args.duration)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        for i in range(total):
            due = start + i / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            request = gen.next()
            with lock:
                backlog = outstanding[0]
                if backlog >= args.max_backlog:
                    # The server (or this machine) is not keeping up: count the request as failed instead of
                    # queueing without bound, so the run still ends on time and the overload shows as errors.
                    minutes[int((due - start) // 60)].errors[f"{request[0]} not sent"] += 1
                    minutes[int((due - start) // 60)].dropped += 1
                    request = None
                else:
                    outstanding[0] += 1
            if request is not None:
                pool.submit(send, due, *request)
            if i and i % int(args.rate * 60) == 0:
                report(minutes, lock, int((due - start) // 60) - 1)
                with lock:
                    write_csv(args.csv, minutes)   # as it goes: a run stopped early keeps its minutes
    stop.set()
    sampler.join()

    rows = write_csv(args.csv, minutes)
    if args.svg:
        write_svg(args.svg, rows, args)
    summary(rows)


def report(minutes, lock, minute):
    with lock:
        m = minutes.get(minute)
        if m is None:
            return
        lat = [x for v in m.lat.values() for x in v]
        errs = sum(m.errors.values())
        rss = m.samples[-1][0] if m.samples else float("nan")
    print(f"load.py: minute {minute + 1}: {len(lat)} requests, p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms, "
          f"{errs} errors, RSS {rss:.0f} MB", file=sys.stderr, flush=True)


COLUMNS = ["minute", "requests", "errors", "dropped", "p50_ms", "p99_ms", "max_ms", "search_p99_ms", "board_p99_ms", "paper_p99_ms",
           "vote_p99_ms", "rss_mb", "gc_heap_mb", "gen2_collections", "load1", "error_kinds"]


def write_csv(path, minutes):
    rows = []
    for minute in sorted(k for k in list(minutes) if k >= 0):
        m = minutes[minute]
        lat = [x for v in m.lat.values() for x in v]
        if not lat:
            continue
        last = m.samples[-1] if m.samples else (float("nan"),) * 4
        rows.append({
            "minute": minute + 1, "requests": len(lat) + m.dropped, "errors": sum(m.errors.values()), "dropped": m.dropped,
            "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99), "max_ms": max(lat),
            "search_p99_ms": percentile(m.lat["search"], 99), "board_p99_ms": percentile(m.lat["board"], 99),
            "paper_p99_ms": percentile(m.lat["paper"], 99), "vote_p99_ms": percentile(m.lat["vote"], 99),
            "rss_mb": last[0], "gc_heap_mb": last[1], "gen2_collections": last[2], "load1": last[3],
            "error_kinds": ";".join(f"{k}={v}" for k, v in m.errors.most_common(5)),
        })
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]) for c in COLUMNS) + "\n")
    return rows


def summary(rows):
    full = [r for r in rows if r["requests"] > 0]
    if len(full) < 3:
        print("load.py: too short for a summary", file=sys.stderr)
        return
    body = full[1:-1] or full     # the first and last minutes are partial
    rss = [r["rss_mb"] for r in body]
    p99 = sorted(r["p99_ms"] for r in body)
    k = max(1, len(body) // 5)
    early, late = sum(rss[:k]) / k, sum(rss[-k:]) / k
    print(json.dumps({
        "minutes": len(body), "requests": sum(r["requests"] for r in full), "errors": sum(r["errors"] for r in full), "not_sent": sum(r["dropped"] for r in full),
        "p50_median_ms": round(percentile([r["p50_ms"] for r in body], 50), 1),
        "p99_median_ms": round(p99[len(p99) // 2], 1), "p99_worst_minute_ms": round(p99[-1], 1),
        "rss_first_fifth_mb": round(early), "rss_last_fifth_mb": round(late), "rss_max_mb": round(max(rss)),
        "gc_heap_first_mb": round(body[0]["gc_heap_mb"]), "gc_heap_last_mb": round(body[-1]["gc_heap_mb"]),
        "load1_mean": round(sum(r["load1"] for r in body) / len(body), 2),
    }))


def write_svg(path, rows, args):
    """Three stacked panels sharing the minute axis: memory, latency, requests and errors."""
    W, H, left, right, top, gap, ph = 900, 720, 70, 20, 40, 50, 180
    xs = [r["minute"] for r in rows]
    x0, x1 = 0, max(xs + [1])
    panels = [
        ("memory (MB)", [("RSS", "rss_mb", "#1f77b4"), ("GC heap", "gc_heap_mb", "#2ca02c")]),
        ("latency per minute (ms)", [("p50", "p50_ms", "#1f77b4"), ("p99", "p99_ms", "#d62728"), ("search p99", "search_p99_ms", "#ff7f0e")]),
        ("requests and errors per minute", [("requests", "requests", "#1f77b4"), ("errors", "errors", "#d62728")]),
    ]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">Paperboy soak: {args.rate:.0f} requests/s mixed (hybrid search, boards, paper pages, votes), '
           f'{len(rows)} minutes</text>']
    for i, (title, series) in enumerate(panels):
        y_top = top + i * (ph + gap)
        vals = [r[key] for _, key, _ in series for r in rows if r[key] == r[key]]
        ymax = max(vals + [1.0]) * 1.1
        sx = lambda x: left + (x - x0) / (x1 - x0 or 1) * (W - left - right)
        sy = lambda y: y_top + ph - y / ymax * ph
        out.append(f'<text x="{left}" y="{y_top - 8}" font-weight="bold">{title}</text>')
        out.append(f'<rect x="{left}" y="{y_top}" width="{W - left - right}" height="{ph}" fill="none" stroke="#999"/>')
        for t in range(5):
            v = ymax * t / 4
            y = sy(v)
            out.append(f'<line x1="{left}" x2="{W - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        for t in range(0, x1 + 1, 5):
            out.append(f'<text x="{sx(t):.1f}" y="{y_top + ph + 15}" text-anchor="middle">{t}</text>')
        lx = left + 10
        for label, key, colour in series:
            pts = " ".join(f"{sx(r['minute']):.1f},{sy(r[key]):.1f}" for r in rows if r[key] == r[key])
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"/>')
            out.append(f'<rect x="{lx}" y="{y_top + 6}" width="12" height="3" fill="{colour}"/><text x="{lx + 16}" y="{y_top + 11}">{label}</text>')
            lx += 20 + 8 * len(label)
    out.append(f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle">minute of the run</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
