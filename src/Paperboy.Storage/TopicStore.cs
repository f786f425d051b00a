using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Paperboy.Core.Papers;

namespace Paperboy.Storage;

/// <summary>
/// The topic map in the store: topics, each paper's topic and map position, and what the map was computed from.
/// Written by the indexer (whole on a recompute, paper by paper as the change log brings new ones), read by pages and the API.
/// </summary>
public sealed class TopicStore(IDbContextFactory<PaperboyDb> factory)
{
    private const int InsertRows = 400;

    /// <summary>What the stored map was computed from (null before the first map); <c>ComputedAt</c> is UTC on either provider.</summary>
    public async Task<TopicMapState?> StateAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var state = await db.TopicMapStates.AsNoTracking().FirstOrDefaultAsync(s => s.Id == 1, ct);
        if (state is not null) state.ComputedAt = CommentStore.Utc(state.ComputedAt);   // SQLite keeps no kind
        return state;
    }

    /// <summary>Replaces the whole map in one transaction: readers see the old map or the new one, never a mix.</summary>
    public async Task ReplaceAsync(TopicMapState state, IReadOnlyList<Topic> topics, IReadOnlyList<PaperTopic> papers, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.PaperTopics.ExecuteDeleteAsync(ct);
        await db.Topics.ExecuteDeleteAsync(ct);
        await db.TopicMapStates.ExecuteDeleteAsync(ct);
        db.Topics.AddRange(topics);
        db.TopicMapStates.Add(state);
        await db.SaveChangesAsync(ct);
        // In key order: each row lands next to the last in the primary-key index instead of at a random page, which kept
        // a 2.5M-paper map's transaction (and SQLite's write lock) open for minutes.
        await InsertAsync(db, papers.OrderBy(p => p.PaperId, StringComparer.Ordinal).ToList(), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Follows the change log: new or changed papers get (or keep) a topic and a position, deleted ones leave; the
    /// topic sizes follow; the state records the sequence reached.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<PaperTopic> upserts, IReadOnlyList<string> deletes, long seq, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var gone = upserts.Select(u => u.PaperId).Concat(deletes).Distinct().ToList();
        foreach (var chunk in gone.Chunk(500))
            await db.PaperTopics.Where(t => chunk.Contains(t.PaperId)).ExecuteDeleteAsync(ct);
        await InsertAsync(db, upserts, ct);
        // Sizes recounted for the topics touched: cheap (indexed) and never drifts.
        var touched = await db.Topics.ToListAsync(ct);
        var counts = await db.PaperTopics.GroupBy(t => t.TopicId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        foreach (var t in touched) t.Size = counts.GetValueOrDefault(t.Id);
        var state = await db.TopicMapStates.FirstAsync(s => s.Id == 1, ct);
        state.AppliedSeq = seq;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Multi-row INSERTs with parameters, in portable SQL (quoted identifiers), far faster than one row at a time.</summary>
    private static async Task InsertAsync(PaperboyDb db, IReadOnlyList<PaperTopic> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        foreach (var chunk in rows.Chunk(InsertRows))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            var values = new System.Text.StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                if (i > 0) values.Append(',');
                values.Append($"(@p{i},@t{i},@x{i},@y{i})");
                Add(cmd, $"@p{i}", chunk[i].PaperId);
                Add(cmd, $"@t{i}", chunk[i].TopicId);
                Add(cmd, $"@x{i}", chunk[i].X);
                Add(cmd, $"@y{i}", chunk[i].Y);
            }
            cmd.CommandText = $"INSERT INTO \"paper_topics\" (\"PaperId\", \"TopicId\", \"X\", \"Y\") VALUES {values}";
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    /// <summary>Every topic, largest first.</summary>
    public async Task<List<Topic>> TopicsAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Topics.AsNoTracking().OrderByDescending(t => t.Size).ThenBy(t => t.Id).ToListAsync(ct);
    }

    public async Task<Topic?> TopicAsync(int id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Topics.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
    }

    /// <summary>A topic's papers ranked as a board is (<see cref="PaperStore.BoardPageQuery"/>).</summary>
    public async Task<(List<Paper> Papers, int Total)> PapersAsync(int topicId, int limit, int offset, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await PaperStore.BoardPageAsync(db, PapersOf(db, topicId), limit, offset, ct);
    }

    /// <summary>
    /// The papers of a topic, found from the topic's rows (a join): asked per paper instead (<c>EXISTS</c>), SQLite
    /// walks every paper of the store to test its topic.
    /// </summary>
    public static IQueryable<Paper> PapersOf(PaperboyDb db, int topicId) =>
        db.PaperTopics.Where(t => t.TopicId == topicId).Join(db.Papers, t => t.PaperId, p => p.Id, (_, p) => p);

    /// <summary>Every placed paper's id in map order: by topic, then across the map (empty before the first map).</summary>
    public async Task<List<string>> PaperIdsInMapOrderAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var placed = await db.PaperTopics.AsNoTracking().Select(t => new { t.PaperId, t.TopicId, t.X }).ToListAsync(ct);
        return placed.OrderBy(t => t.TopicId).ThenBy(t => t.X).ThenBy(t => t.PaperId, StringComparer.Ordinal).Select(t => t.PaperId).ToList();
    }

    /// <summary>The topics of these papers (papers without one are left out).</summary>
    public async Task<Dictionary<string, int>> TopicOfAsync(IReadOnlyCollection<string> paperIds, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in paperIds.Distinct().Chunk(500))
            foreach (var t in await db.PaperTopics.AsNoTracking().Where(t => chunk.Contains(t.PaperId)).ToListAsync(ct)) found[t.PaperId] = t.TopicId;
        return found;
    }

    /// <summary>The map positions of these papers.</summary>
    public async Task<Dictionary<string, PaperTopic>> PositionsAsync(IReadOnlyCollection<string> paperIds, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var found = new Dictionary<string, PaperTopic>(StringComparer.Ordinal);
        foreach (var chunk in paperIds.Distinct().Chunk(500))
            foreach (var t in await db.PaperTopics.AsNoTracking().Where(t => chunk.Contains(t.PaperId)).ToListAsync(ct)) found[t.PaperId] = t;
        return found;
    }

    public async Task<int> PointCountAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.PaperTopics.CountAsync(ct);
    }

    /// <summary>One page of map points in paper-id order (keyset paging: <paramref name="after"/> is the last id of the previous page).</summary>
    public async Task<List<PaperTopic>> PointsAsync(string after, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.PaperTopics.AsNoTracking().Where(t => string.Compare(t.PaperId, after) > 0)
            .OrderBy(t => t.PaperId).Take(limit).ToListAsync(ct);
    }

    /// <summary>
    /// Placed papers counted per topic and board day, from <paramref name="from"/> on, of one topic or all: what trends
    /// need, without keeping a row per paper. The rows are counted as they stream in: SQLite's own GROUP BY over the
    /// join sorted all 2.5M of them first and took twice as long.
    /// </summary>
    public async Task<List<(int Topic, DateOnly Day, int Papers)>> TopicDayCountsAsync(DateOnly? from = null, int? topic = null, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        DateOnly? f = from;
        var q = from t in db.PaperTopics
                join p in db.Papers on t.PaperId equals p.Id
                let day = EF.Property<DateOnly?>(p, PaperboyDb.BoardDay)
                where day != null && (f == null || day >= f) && (topic == null || t.TopicId == topic)
                select new { t.TopicId, Day = day!.Value };
        var counts = new Dictionary<(int, DateOnly), int>();
        await foreach (var r in q.AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
            counts[(r.TopicId, r.Day)] = counts.GetValueOrDefault((r.TopicId, r.Day)) + 1;
        return counts.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value)).ToList();
    }
}
