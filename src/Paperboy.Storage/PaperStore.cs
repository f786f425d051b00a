using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Paperboy.Core.Boards;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;

namespace Paperboy.Storage;

/// <summary>
/// Every read and write of papers goes through here. Writes happen in one transaction per batch and append to the
/// change log in the same transaction, so the indexes can always catch up with exactly what was committed.
/// </summary>
public sealed class PaperStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    private const int Chunk = 500;

    public async Task MigrateAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
    }

    public async Task<int> CountAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Papers.CountAsync(ct);
    }

    /// <summary>Adds or merges a batch of papers in one transaction and returns what changed.</summary>
    public async Task<ImportSummary> ImportAsync(IReadOnlyList<Paper> papers, CancellationToken ct = default) =>
        (await ImportCoreAsync(papers, [], null, null, ct)).Summary;

    /// <summary>
    /// One page of a harvest in one transaction: its papers added or merged, the papers the source reports deleted
    /// removed (unless members voted, commented or collected them: then they stay), and the source's progress saved.
    /// </summary>
    public Task<(ImportSummary Summary, int Deleted)> ImportHarvestPageAsync(IReadOnlyList<Paper> papers, IReadOnlyList<string> deletedIds,
        HarvestState state, CancellationToken ct = default) => ImportCoreAsync(papers, deletedIds, state, null, ct);

    /// <summary>
    /// One batch of a bulk load: the papers as <see cref="ImportAsync(IReadOnlyList{Paper}, CancellationToken)"/> stores
    /// them, and in the same transaction the load's checkpoint, saved, or removed when <paramref name="last"/> (the load is done).
    /// </summary>
    public async Task<ImportSummary> ImportBatchAsync(IReadOnlyList<Paper> papers, BulkCheckpoint checkpoint, bool last, CancellationToken ct = default) =>
        (await ImportCoreAsync(papers, [], null, async db =>
        {
            var row = await db.BulkCheckpoints.FindAsync([checkpoint.Path], ct);
            if (last) { if (row is not null) db.BulkCheckpoints.Remove(row); return; }
            if (row is null) db.BulkCheckpoints.Add(row = new BulkCheckpoint { Path = checkpoint.Path });
            db.Entry(row).CurrentValues.SetValues(checkpoint);
        }, ct)).Summary;

    /// <summary>The checkpoint of an unfinished bulk load of the file at this full path, if any.</summary>
    public async Task<BulkCheckpoint?> BulkCheckpointAsync(string path, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.BulkCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Path == path, ct);
    }

    /// <summary>Records that the load of this file stopped (an error or Ctrl-C); its checkpoint stays for a resume.</summary>
    public async Task StopBulkLoadAsync(string path)
    {
        await using var db = await factory.CreateDbContextAsync();
        await db.BulkCheckpoints.Where(c => c.Path == path).ExecuteUpdateAsync(u => u.SetProperty(c => c.Running, false));
    }

    /// <summary>True while a bulk load is at work: it committed a batch within <paramref name="staleAfter"/> and has not stopped.</summary>
    public async Task<bool> BulkLoadRunningAsync(TimeSpan staleAfter, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var since = clock.GetUtcNow().UtcDateTime - staleAfter;
        return await db.BulkCheckpoints.AnyAsync(c => c.Running && c.UpdatedAt > since, ct);
    }

    private async Task<(ImportSummary Summary, int Deleted)> ImportCoreAsync(IReadOnlyList<Paper> papers, IReadOnlyList<string> deletedIds,
        HarvestState? state, Func<PaperboyDb, Task>? alsoInTransaction, CancellationToken ct)
    {
        var batch = ImportBatch.Fold(papers);
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ChangeLog.SerialiseAppendsAsync(db, ct);
        int added = 0, merged = 0, unchanged = 0;
        var now = clock.GetUtcNow().UtcDateTime;
        var fresh = new List<Paper>();
        var related = new RelationFinder(db, now);
        await related.PrefetchAsync(batch, ct);

        var existing = new Dictionary<string, Paper>(StringComparer.Ordinal);
        var byTitle = new Dictionary<string, Paper>(StringComparer.Ordinal);
        foreach (var chunk in batch.Chunk(Chunk))
        {
            var ids = chunk.Select(p => p.Id).Concat(chunk.Select(p => PaperIdentity.TitleId(p.Title))).Distinct().ToList();
            foreach (var p in await db.Papers.Where(p => ids.Contains(p.Id)).ToListAsync(ct)) existing[p.Id] = p;
            var keys = chunk.Select(p => PaperIdentity.TitleId(p.Title)).Distinct().ToList();
            foreach (var p in await db.Papers.Where(p => keys.Contains(EF.Property<string>(p, PaperboyDb.TitleKey))).ToListAsync(ct))
                byTitle.TryAdd(db.Entry(p).Property<string>(PaperboyDb.TitleKey).CurrentValue, p);
            var aliasIds = chunk.Select(p => p.Id).ToList();
            foreach (var a in await db.Aliases.Where(a => aliasIds.Contains(a.Id)).ToListAsync(ct))
                if (!existing.ContainsKey(a.Id) && await db.Papers.FindAsync([a.PaperId], ct) is { } target) existing[a.Id] = target;
        }

        foreach (var incoming in batch)
        {
            var titleKey = PaperIdentity.TitleId(incoming.Title);
            if (!existing.TryGetValue(incoming.Id, out var current) && byTitle.TryGetValue(titleKey, out var sameTitle))
            {
                if (incoming.ArxivId is null) current = sameTitle;                      // title-only copy of a paper we know
                else if (PaperIdentity.IsTitleId(sameTitle.Id) && sameTitle.ArxivId is null)
                {
                    // The arXiv id of a paper we knew only by title: re-key it, keep the old id as an alias, and bring
                    // along everything members attached to the old id (votes, comments, collection entries).
                    PaperMerge.Into(incoming, sameTitle);
                    incoming.MemberVotes = sameTitle.MemberVotes;
                    incoming.MemberComments = sameTitle.MemberComments;
                    var oldId = sameTitle.Id;
                    var newId = incoming.Id;
                    await db.Votes.Where(v => v.PaperId == oldId).ExecuteUpdateAsync(u => u.SetProperty(v => v.PaperId, newId), ct);
                    await db.Comments.Where(c => c.PaperId == oldId).ExecuteUpdateAsync(u => u.SetProperty(c => c.PaperId, newId), ct);
                    await db.CollectionItems.Where(i => i.PaperId == oldId).ExecuteUpdateAsync(u => u.SetProperty(i => i.PaperId, newId), ct);
                    await related.ForgetAsync(oldId, ct);
                    db.Papers.Remove(sameTitle);
                    db.Aliases.Add(new PaperAlias { Id = sameTitle.Id, PaperId = incoming.Id });
                    foreach (var old in await db.Aliases.Where(a => a.PaperId == sameTitle.Id).ToListAsync(ct)) old.PaperId = incoming.Id;
                    db.Changes.Add(new Change { PaperId = sameTitle.Id, Deleted = true, At = now });
                    byTitle.Remove(titleKey);
                    existing.Remove(sameTitle.Id);
                    Add(db, incoming, now);
                    existing[incoming.Id] = incoming;
                    byTitle[titleKey] = incoming;
                    await related.IndexAsync(incoming, existing, isNew: true, ct);
                    merged++;
                    continue;
                }
            }

            if (current is null)
            {
                fresh.Add(incoming);      // inserted below with one prepared statement: EF's tracking is the cost at scale
                existing[incoming.Id] = incoming;
                byTitle.TryAdd(titleKey, incoming);
                await related.IndexAsync(incoming, existing, isNew: true, ct);
                added++;
            }
            else
            {
                var text = (current.Title, current.Abstract);
                if (PaperMerge.Into(current, incoming))
                {
                    Stamp(db, current);
                    db.Changes.Add(new Change { PaperId = current.Id, At = now });
                    if ((current.Title, current.Abstract) != text) await related.IndexAsync(current, existing, isNew: false, ct);
                    merged++;
                }
                else unchanged++;
            }
        }

        var deleted = 0;
        foreach (var id in deletedIds.Distinct())
        {
            var paper = existing.TryGetValue(id, out var known) ? known : await db.Papers.FindAsync([id], ct);
            if (paper is null) continue;
            if (fresh.Remove(paper)) { existing.Remove(id); added--; continue; }   // added and withdrawn in one page: never stored
            // Members' votes, comments and collections are theirs: a paper they used stays, withdrawn or not.
            if (await db.Votes.AnyAsync(v => v.PaperId == id, ct) || await db.Comments.AnyAsync(c => c.PaperId == id, ct)
                || await db.CollectionItems.AnyAsync(i => i.PaperId == id, ct)) continue;
            await related.ForgetAsync(id, ct);
            await db.Aliases.Where(a => a.PaperId == id).ExecuteDeleteAsync(ct);
            db.Papers.Remove(paper);
            existing.Remove(id);
            db.Changes.Add(new Change { PaperId = id, Deleted = true, At = now });
            deleted++;
        }

        if (state is not null)
        {
            var row = await db.HarvestStates.FindAsync([state.Source], ct);
            if (row is null) db.HarvestStates.Add(state.Clone());
            else db.Entry(row).CurrentValues.SetValues(state);
        }

        if (alsoInTransaction is not null) await alsoInTransaction(db);
        await db.SaveChangesAsync(ct);
        await InsertNewAsync(db, fresh, now, ct);
        await related.SaveAsync(ct);
        await tx.CommitAsync(ct);
        return (new ImportSummary(papers.Count, added, merged, unchanged), deleted);
    }

    /// <summary>
    /// New papers and their change-log rows, in the open transaction, through the provider's bulk path: EF's change
    /// tracking is the cost at scale, and these rows need none (nothing else in the batch touches them again).
    /// </summary>
    private static async Task InsertNewAsync(PaperboyDb db, List<Paper> papers, DateTime now, CancellationToken ct)
    {
        if (papers.Count == 0) return;
        var rows = BulkInsert.For(db);
        await rows.InsertAsync(papers, (p, column) => column switch
        {
            PaperboyDb.AddedAt => now,
            PaperboyDb.BoardDay => p.BoardDay,
            PaperboyDb.TitleKey => PaperIdentity.TitleId(p.Title),
            _ => throw new InvalidOperationException($"papers.{column} has no value in the bulk path"),
        }, ct: ct);
        await rows.InsertAsync(papers.Select(p => new Change { PaperId = p.Id, At = now }), ct: ct);
    }

    /// <summary>
    /// Keeps the near-duplicate bands and relations in step with the papers of one import (see
    /// <see cref="NearDuplicates"/>): a paper added, or whose text changed, gets its band keys stored and is compared
    /// exactly with every paper that shares a band with it, in the store or earlier in the same batch.
    /// </summary>
    private sealed class RelationFinder(PaperboyDb db, DateTime now)
    {
        // What this batch adds: band keys → new members, and relations. Written at the end with prepared statements
        // (SaveAsync): a paper has 48 band rows, and tracking them as entities made a large import several times slower.
        private readonly Dictionary<long, List<string>> _pending = [];
        private readonly Dictionary<(string, string), NearDuplicates.Match> _relations = [];
        // The stored members of the buckets of the batch's band keys, read once for the whole batch.
        private readonly Dictionary<long, List<string>> _stored = [];

        /// <summary>Reads the stored buckets of every band key of the batch in a few queries, not one per paper.</summary>
        public async Task PrefetchAsync(IEnumerable<Paper> batch, CancellationToken ct)
        {
            var keys = batch.SelectMany(NearDuplicates.BandKeys).Distinct().ToList();
            foreach (var k in keys) _stored[k] = [];
            foreach (var chunk in keys.Chunk(5_000))
                foreach (var b in await db.Bands.AsNoTracking().Where(b => chunk.Contains(b.Key)).Select(b => new { b.Key, b.PaperId }).ToListAsync(ct))
                    _stored[b.Key].Add(b.PaperId);
        }

        public async Task IndexAsync(Paper paper, Dictionary<string, Paper> known, bool isNew, CancellationToken ct)
        {
            var keys = NearDuplicates.BandKeys(paper);
            if (!isNew) await db.Bands.Where(b => b.PaperId == paper.Id).ExecuteDeleteAsync(ct);
            // A merged paper's new text may have keys the prefetch did not see. Buckets are bounded
            // (NearDuplicates.MaxBucket), so this reads at most bands × bucket rows.
            var missing = keys.Where(k => !_stored.ContainsKey(k)).ToList();
            foreach (var k in missing) _stored[k] = [];
            if (missing.Count > 0)
                foreach (var b in await db.Bands.AsNoTracking().Where(b => missing.Contains(b.Key)).Select(b => new { b.Key, b.PaperId }).ToListAsync(ct))
                    _stored[b.Key].Add(b.PaperId);
            var members = keys.Distinct().ToDictionary(k => k, k => _stored[k].Where(id => id != paper.Id || isNew).ToList());
            var shared = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var k in keys)
            {
                var bucket = members.GetValueOrDefault(k) ?? [];
                if (_pending.TryGetValue(k, out var pending)) bucket.AddRange(pending);
                else _pending[k] = pending = [];
                foreach (var id in bucket.Distinct())
                    if (id != paper.Id) shared[id] = shared.GetValueOrDefault(id) + 1;
                if (bucket.Count < NearDuplicates.MaxBucket && !bucket.Contains(paper.Id)) pending.Add(paper.Id);
            }
            if (shared.Count == 0) return;
            var mine = NearDuplicates.Shingles.Of(paper);
            // The candidates sharing the most bands have the highest estimated similarity: check those exactly.
            foreach (var id in shared.OrderByDescending(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal).Take(NearDuplicates.MaxCandidates).Select(x => x.Key))
            {
                var other = known.TryGetValue(id, out var k) ? k : await db.Papers.FindAsync([id], ct);
                if (other is null || NearDuplicates.Compare(mine, NearDuplicates.Shingles.Of(other)) is not { } match) continue;
                _relations[(paper.Id, other.Id)] = match;
                _relations[(other.Id, paper.Id)] = match;
            }
        }

        /// <summary>Drops a paper's bands and relations (it is deleted, or re-keyed and indexed again under its new id).</summary>
        public async Task ForgetAsync(string id, CancellationToken ct)
        {
            await db.Bands.Where(b => b.PaperId == id).ExecuteDeleteAsync(ct);
            await db.Relations.Where(r => r.PaperId == id || r.OtherId == id).ExecuteDeleteAsync(ct);
            foreach (var ids in _pending.Values) ids.Remove(id);
            foreach (var pair in _relations.Keys.Where(p => p.Item1 == id || p.Item2 == id).ToList()) _relations.Remove(pair);
        }

        /// <summary>Writes the batch's bands and relations, inside the import's transaction.</summary>
        public async Task SaveAsync(CancellationToken ct)
        {
            if (_pending.Count == 0 && _relations.Count == 0) return;
            var connection = db.Database.GetDbConnection();
            var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            // 48 rows a paper: the provider's bulk path (COPY on PostgreSQL), not a round trip each.
            await BulkInsert.For(db).InsertAsync(_pending.SelectMany(b => b.Value.Select(id => new PaperBand { Key = b.Key, PaperId = id })),
                skipExisting: true, ct: ct);
            await using (var rel = connection.CreateCommand())
            {
                rel.Transaction = transaction;
                rel.CommandText = "INSERT INTO paper_relations (\"PaperId\", \"OtherId\", \"Kind\", \"Similarity\", \"At\") VALUES (@a, @b, @kind, @sim, @at) "
                    + "ON CONFLICT (\"PaperId\", \"OtherId\") DO UPDATE SET \"Kind\" = excluded.\"Kind\", \"Similarity\" = excluded.\"Similarity\"";
                var a = rel.CreateParameter(); a.ParameterName = "@a"; rel.Parameters.Add(a);
                var b = rel.CreateParameter(); b.ParameterName = "@b"; rel.Parameters.Add(b);
                var kind = rel.CreateParameter(); kind.ParameterName = "@kind"; rel.Parameters.Add(kind);
                var sim = rel.CreateParameter(); sim.ParameterName = "@sim"; rel.Parameters.Add(sim);
                var at = rel.CreateParameter(); at.ParameterName = "@at"; at.Value = now; rel.Parameters.Add(at);
                foreach (var ((pa, pb), m) in _relations)
                {
                    a.Value = pa; b.Value = pb; kind.Value = m.Kind; sim.Value = m.Similarity;
                    await rel.ExecuteNonQueryAsync(ct);
                }
            }
        }
    }

    /// <summary>The papers flagged as possibly the same work as this one, most similar first.</summary>
    public async Task<List<(Paper Paper, string Kind, double Similarity)>> RelatedAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Relations.AsNoTracking().Where(r => r.PaperId == id).ToListAsync(ct);
        var ids = rows.Select(r => r.OtherId).ToList();
        var papers = await db.Papers.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        return rows.Where(r => papers.ContainsKey(r.OtherId)).Select(r => (papers[r.OtherId], r.Kind, r.Similarity))
            .OrderByDescending(x => x.Similarity).ThenBy(x => x.Item1.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>A harvest source's progress, or null before its first run.</summary>
    public async Task<HarvestState?> HarvestStateAsync(string source, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.HarvestStates.AsNoTracking().FirstOrDefaultAsync(h => h.Source == source, ct);
    }

    public async Task<List<HarvestState>> HarvestStatesAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.HarvestStates.AsNoTracking().OrderBy(h => h.Source).ToListAsync(ct);
    }

    /// <summary>Saves a source's progress alone (a run starting, finishing without papers, or failing).</summary>
    public async Task SaveHarvestStateAsync(HarvestState state, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.HarvestStates.FindAsync([state.Source], ct);
        if (row is null) db.HarvestStates.Add(state.Clone());
        else db.Entry(row).CurrentValues.SetValues(state);
        await db.SaveChangesAsync(ct);
    }


    private static void Add(PaperboyDb db, Paper p, DateTime now)
    {
        db.Papers.Add(p);
        db.Entry(p).Property<DateTime>(PaperboyDb.AddedAt).CurrentValue = now;
        Stamp(db, p);
        db.Changes.Add(new Change { PaperId = p.Id, At = now });
    }

    /// <summary>Keeps the derived columns (title key, board day) in step with the paper.</summary>
    private static void Stamp(PaperboyDb db, Paper p)
    {
        var entry = db.Entry(p);
        entry.Property<string>(PaperboyDb.TitleKey).CurrentValue = PaperIdentity.TitleId(p.Title);
        entry.Property<DateOnly?>(PaperboyDb.BoardDay).CurrentValue = p.BoardDay;
    }

    /// <summary>Finds a paper by id or by an old alias; <c>CanonicalId</c> differs from the asked id when it was an alias.</summary>
    public async Task<Paper?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var paper = await db.Papers.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        if (paper is not null) return paper;
        var alias = await db.Aliases.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        return alias is null ? null : await db.Papers.AsNoTracking().FirstOrDefaultAsync(p => p.Id == alias.PaperId, ct);
    }

    /// <summary>The papers with these ids, in the order asked; unknown ids are skipped.</summary>
    public async Task<List<Paper>> GetManyAsync(IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var found = new Dictionary<string, Paper>(StringComparer.Ordinal);
        foreach (var chunk in ids.Distinct().Chunk(Chunk))
            foreach (var p in await db.Papers.AsNoTracking().Where(p => chunk.Contains(p.Id)).ToListAsync(ct)) found[p.Id] = p;
        return ids.Where(found.ContainsKey).Select(id => found[id]).ToList();
    }

    /// <summary>A board: the papers of the period ranked by upvotes, newest first among equals.</summary>
    public async Task<(List<Paper> Papers, int Total)> BoardAsync(BoardPeriod period, int limit, int offset, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        DateOnly? first = period.First, last = period.Last;
        var q = db.Papers.AsNoTracking().Where(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) >= first && EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) <= last);
        var total = await q.CountAsync(ct);
        var papers = await q.OrderByDescending(p => p.Upvotes + p.MemberVotes)
            .ThenByDescending(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay))
            .ThenBy(p => p.Title)
            .Skip(offset).Take(limit).ToListAsync(ct);
        return (papers, total);
    }

    /// <summary>The newest papers placed before <paramref name="day"/>: newest day first, by upvotes within a day.</summary>
    public async Task<List<Paper>> RecentBeforeAsync(DateOnly day, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        DateOnly? d = day;
        return await db.Papers.AsNoTracking().Where(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) < d)
            .OrderByDescending(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay)).ThenByDescending(p => p.Upvotes + p.MemberVotes).ThenBy(p => p.Title)
            .Take(limit).ToListAsync(ct);
    }

    /// <summary>How many recent papers trending considers: the newest ones with any upvote.</summary>
    public const int TrendingCandidates = 2_000;

    /// <summary>
    /// Trending: score = upvotes / (age in hours + 2)^1.5, the age counted from the start of the paper's board day
    /// (Hacker News' gravity formula). Computed over the newest papers that have upvotes, so it stays cheap on a large store.
    /// </summary>
    public async Task<List<(Paper Paper, double Score)>> TrendingAsync(int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var candidates = await db.Papers.AsNoTracking()
            .Where(p => p.Upvotes + p.MemberVotes > 0 && EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) != null)
            .OrderByDescending(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay))
            .Take(TrendingCandidates).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return candidates.Select(p => (p, TrendingScore(p.TotalUpvotes, p.BoardDay!.Value, now)))
            .OrderByDescending(x => x.Item2).ThenBy(x => x.p.Id, StringComparer.Ordinal).Take(limit).ToList();
    }

    public static double TrendingScore(int upvotes, DateOnly day, DateTimeOffset now)
    {
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var ageHours = Math.Max(0, (now - start).TotalHours);
        return upvotes / Math.Pow(ageHours + 2, 1.5);
    }

    /// <summary>The newest day that has papers, or null for an empty store.</summary>
    public async Task<DateOnly?> LatestBoardDayAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Papers.MaxAsync(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay), ct);
    }

    /// <summary>The nearest day before (or after) <paramref name="day"/> that has papers.</summary>
    public async Task<DateOnly?> AdjacentBoardDayAsync(DateOnly day, bool before, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        DateOnly? d = day;
        var days = db.Papers.Select(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay)).Where(x => x != null);
        return before ? await days.Where(x => x < d).MaxAsync(ct) : await days.Where(x => x > d).MinAsync(ct);
    }

    public async Task<long> LastChangeSeqAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Changes.MaxAsync(c => (long?)c.Seq, ct) ?? 0;
    }

    /// <summary>Changes after <paramref name="seq"/>, oldest first.</summary>
    public async Task<List<Change>> ChangesSinceAsync(long seq, int max, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Changes.AsNoTracking().Where(c => c.Seq > seq).OrderBy(c => c.Seq).Take(max).ToListAsync(ct);
    }

    /// <summary>Every paper, ordered by id, read in pages so memory stays flat on a large store.</summary>
    public async IAsyncEnumerable<Paper> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        string after = "";
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var page = await db.Papers.AsNoTracking().Where(p => string.Compare(p.Id, after) > 0).OrderBy(p => p.Id).Take(2000).ToListAsync(ct);
            foreach (var p in page) yield return p;
            if (page.Count < 2000) yield break;
            after = page[^1].Id;
        }
    }
}
