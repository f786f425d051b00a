#!/usr/bin/python3
"""Adds confirmed subscribers (and members with upvotes) straight into a Paperboy store, for the digest benchmark.

    /usr/bin/python3 bench/digest/subscribers.py --db DATA/paperboy.db --subscribers 10000 --queries out/queries.txt

Deterministic for a seed. Every third subscriber has a saved search (from the benchmark's query file), every fifth
is a member (a user account) with 20 upvoted papers, so recommendations have something to learn from when a
recommender is registered; one in five is weekly, the rest daily. Standard library only.
"""
import argparse
import random
import sqlite3
import uuid

NOW = "2026-11-24 00:00:00"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--subscribers", type=int, default=10_000)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--votes", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    queries = [q for q in open(a.queries, encoding="utf-8").read().split("\n") if q and len(q) <= 200][:300]
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA journal_mode=WAL")
    paper_ids = [r[0] for r in db.execute("SELECT Id FROM papers ORDER BY Id")]
    if not paper_ids:
        raise SystemExit("subscribers.py: the store has no papers")
    users, votes, subs = [], [], []
    for i in range(a.subscribers):
        email = "reader%05d@bench.invalid" % i
        user_id = None
        if i % 5 == 0:
            user_id = str(uuid.UUID(int=rnd.getrandbits(128)))
            users.append((user_id, "reader%05d" % i, NOW, email, email.upper(), email, email.upper(), 1, 0, 0, 1, 0))
            for pid in rnd.sample(paper_ids, a.votes):
                votes.append((user_id, pid, NOW))
        query = queries[rnd.randrange(len(queries))] if i % 3 == 0 else None
        frequency = "Weekly" if i % 5 == 4 else "Daily"
        subs.append((email, frequency, 1, query, user_id, NOW, NOW, 0))
    with db:
        db.executemany("""INSERT INTO AspNetUsers (Id, DisplayName, CreatedAt, UserName, NormalizedUserName, Email, NormalizedEmail,
                          EmailConfirmed, PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnabled, AccessFailedCount)
                          VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""", users)
        db.executemany("INSERT INTO votes (UserId, PaperId, At) VALUES (?,?,?)", votes)
        db.executemany("""INSERT INTO subscriptions (Email, Frequency, IncludeTrending, SavedQuery, UserId, CreatedAt, ConfirmedAt, PermanentFailures)
                          VALUES (?,?,?,?,?,?,?,?)""", subs)
    print("%d subscribers (%d with a saved search, %d weekly), %d members with %d votes" % (
        len(subs), sum(1 for s in subs if s[3]), sum(1 for s in subs if s[1] == "Weekly"), len(users), len(votes)))


if __name__ == "__main__":
    main()
