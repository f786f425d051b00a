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
public sealed partial class PaperStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
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
        (await ImportCoreAsync(papers, [], null, false, null, ct)).Summary;

    /// <summary>
    /// One page of a harvest in one transaction: its papers added or merged, the papers the source reports deleted
    /// removed (unless members voted, commented or collected them: then they stay), and the source's progress saved
    /// with the page counted in it (<paramref name="state"/> is updated).
    /// </summary>
    public Task<(ImportSummary Summary, int Deleted)> ImportHarvestPageAsync(IReadOnlyList<Paper> papers, IReadOnlyList<string> deletedIds,
        HarvestState state, CancellationToken ct = default) => ImportCoreAsync(papers, deletedIds, state, false, null, ct);

    /// <summary>
    /// One batch of a bulk load: the papers as <see cref="ImportAsync(IReadOnlyList{Paper}, CancellationToken)"/> stores
    /// them, and in the same transaction the load's checkpoint, saved, or removed when <paramref name="last"/> (the load is done).
    /// With <paramref name="deferRelations"/> the near-duplicate pass is left to <see cref="FindRelationsAsync"/>, run once
    /// when the load is done.
    /// </summary>
    public async Task<ImportSummary> ImportBatchAsync(IReadOnlyList<Paper> papers, BulkCheckpoint checkpoint, bool last, CancellationToken ct = default,
        bool deferRelations = false) =>
        (await ImportCoreAsync(papers, [], null, deferRelations, async db =>
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
        HarvestState? state, bool deferRelations, Func<PaperboyDb, Task>? alsoInTransaction, CancellationToken ct)
    {
        var batch = ImportBatch.Fold(papers);
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ChangeLog.SerialiseAppendsAsync(db, ct);
        int added = 0, merged = 0, unchanged = 0;
        var now = clock.GetUtcNow().UtcDateTime;
        var fresh = new List<Paper>();
        var related = new RelationFinder(db, now, deferRelations);
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

        var summary = new ImportSummary(papers.Count, added, merged, unchanged);
        if (state is not null)
        {
            state.Count(summary, deleted);
            var row = await db.HarvestStates.FindAsync([state.Source], ct);
            if (row is null) db.HarvestStates.Add(state.Clone());
            else db.Entry(row).CurrentValues.SetValues(state);
        }

        if (alsoInTransaction is not null) await alsoInTransaction(db);
        await db.SaveChangesAsync(ct);
        await InsertNewAsync(db, fresh, now, ct);
        await related.SaveAsync(ct);
        await tx.CommitAsync(ct);
        return (summary, deleted);
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

    /// <summary>Keeps the derived columns (title key, board day, enrichment version: imports enrich) in step with the paper.</summary>
    private static void Stamp(PaperboyDb db, Paper p)
    {
        var entry = db.Entry(p);
        entry.Property<string>(PaperboyDb.TitleKey).CurrentValue = PaperIdentity.TitleId(p.Title);
        entry.Property<DateOnly?>(PaperboyDb.BoardDay).CurrentValue = p.BoardDay;
        entry.Property<int>(PaperboyDb.EnrichmentVersion).CurrentValue = PaperEnrichment.Version;
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

    /// <summary>A board: the papers of the period in <see cref="InBoardOrder"/>.</summary>
    public async Task<(List<Paper> Papers, int Total)> BoardAsync(BoardPeriod period, int limit, int offset, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await BoardPageAsync(db, InPeriod(db.Papers, period), limit, offset, ct);
    }

    /// <summary>The papers placed on a day of the period (their board day within it).</summary>
    public static IQueryable<Paper> InPeriod(IQueryable<Paper> papers, BoardPeriod period)
    {
        DateOnly? first = period.First, last = period.Last;
        return papers.Where(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) >= first && EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) <= last);
    }

    /// <summary>One page of <paramref name="papers"/> in <see cref="InBoardOrder"/>, with their count.</summary>
    internal static async Task<(List<Paper> Papers, int Total)> BoardPageAsync(PaperboyDb db, IQueryable<Paper> papers, int limit, int offset, CancellationToken ct)
    {
        var total = await papers.CountAsync(ct);
        return (await BoardPageQuery(db, papers, limit, offset).ToListAsync(ct), total);
    }

    /// <summary>
    /// Papers <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="limit"/> of
    /// <paramref name="papers"/> in <see cref="InBoardOrder"/>, in one statement: the ranking selects ids only, and
    /// only the page's papers are read whole, by key.
    /// </summary>
    public static IQueryable<Paper> BoardPageQuery(PaperboyDb db, IQueryable<Paper> papers, int limit, int offset, bool dayByDay = false)
    {
        var page = InBoardOrder(papers, dayByDay).Skip(offset).Take(limit).Select(p => p.Id);
        return InBoardOrder(db.Papers.AsNoTracking().Where(p => page.Contains(p.Id)), dayByDay);
    }

    /// <summary>
    /// The order of every list ranked by votes (boards, a topic's papers, the front page's earlier days): most votes
    /// (upvotes and members' votes) first, then the newest day, then the id, which is arXiv's own announcement order.
    /// <paramref name="dayByDay"/> puts the newest day first and ranks by votes within each day. Every key is in the
    /// board index (<see cref="PaperboyDb.BoardIndex"/>), so ranking a month's thousands of papers reads that narrow
    /// index alone; the title tie-break this replaced read every paper's wide row (abstract, authors…) to sort them.
    /// </summary>
    private static IOrderedQueryable<Paper> InBoardOrder(IQueryable<Paper> papers, bool dayByDay)
    {
        var ranked = dayByDay
            ? papers.OrderByDescending(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay)).ThenByDescending(p => p.Upvotes + p.MemberVotes)
            : papers.OrderByDescending(p => p.Upvotes + p.MemberVotes).ThenByDescending(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay));
        return ranked.ThenBy(p => p.Id);
    }

    /// <summary>The newest papers placed before <paramref name="day"/>: newest day first, in board order within a day.</summary>
    public async Task<List<Paper>> RecentBeforeAsync(DateOnly day, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        DateOnly? d = day;
        return await BoardPageQuery(db, db.Papers.Where(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) < d), limit, 0, dayByDay: true).ToListAsync(ct);
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
        // Scored on the id, votes and day alone; only the winners are read whole (the soak found 2,000 whole papers,
        // abstracts and all, read on every /trending view to be the costliest page of the site).
        var candidates = await TrendingCandidatesQuery(db).ToListAsync(ct);
        var now = clock.GetUtcNow();
        var top = candidates.Select(c => (c.Id, Score: TrendingScore(c.Votes, c.Day!.Value, now)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id, StringComparer.Ordinal).Take(limit).ToList();
        var ids = top.Select(t => t.Id).ToList();
        var papers = await db.Papers.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        // A paper deleted between the two reads drops out rather than failing the page.
        return top.Where(t => papers.ContainsKey(t.Id)).Select(t => (papers[t.Id], t.Score)).ToList();
    }

    /// <summary>Trending's candidates: the newest papers with votes, read through the partial index of voted papers.</summary>
    public static IQueryable<TrendingCandidate> TrendingCandidatesQuery(PaperboyDb db) => db.Papers.AsNoTracking()
        .Where(p => p.Upvotes + p.MemberVotes > 0 && EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) != null)
        .OrderByDescending(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay))
        .Take(TrendingCandidates)
        .Select(p => new TrendingCandidate(p.Id, p.Upvotes + p.MemberVotes, EF.Property<DateOnly?>(p, PaperboyDb.BoardDay)));

    /// <summary>A paper trending may show: its id, its votes (upvotes and members' votes) and its board day.</summary>
    public sealed record TrendingCandidate(string Id, int Votes, DateOnly? Day);

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

    /// <summary>
    /// Every paper's id, title and abstract, ordered by id, in pages: all the embedder and the topic labels read, without
    /// materialising whole papers (authors, categories and links are JSON columns, most of the cost of reading a paper).
    /// </summary>
    public IAsyncEnumerable<PaperText> AllTextsAsync(CancellationToken ct = default) =>
        ByIdAsync(papers => papers.Select(p => new PaperText(p.Id, p.Title, p.Abstract)), p => p.Id, 5000, ct);

    /// <summary>Every paper, ordered by id, read in pages so memory stays flat on a large store.</summary>
    public IAsyncEnumerable<Paper> AllAsync(CancellationToken ct = default) => ByIdAsync(papers => papers, p => p.Id, 2000, ct);

    /// <summary>Every paper's id, in order, read in pages as <see cref="AllAsync"/> reads papers (the key index alone).</summary>
    public IAsyncEnumerable<string> IdsAsync(CancellationToken ct = default) => ByIdAsync(papers => papers.Select(p => p.Id), id => id, 10_000, ct);

    /// <summary>
    /// Every paper, as <paramref name="select"/> makes it, in id order: pages of <paramref name="size"/> read after the
    /// last id of the one before, each in its own context, so memory stays flat on a large store.
    /// </summary>
    private async IAsyncEnumerable<T> ByIdAsync<T>(Func<IQueryable<Paper>, IQueryable<T>> select, Func<T, string> idOf, int size,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var after = "";
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var page = await select(db.Papers.AsNoTracking().Where(p => string.Compare(p.Id, after) > 0).OrderBy(p => p.Id)).Take(size).ToListAsync(ct);
            foreach (var item in page) yield return item;
            if (page.Count < size) yield break;
            after = idOf(page[^1]);
        }
    }
}

/// <summary>The text of a paper, what embedding and labelling read.</summary>
public sealed record PaperText(string Id, string Title, string Abstract);
