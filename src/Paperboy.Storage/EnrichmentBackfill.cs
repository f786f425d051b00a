using Microsoft.EntityFrameworkCore;
using Paperboy.Core.Papers;

namespace Paperboy.Storage;

/// <summary>What a backfill did: papers it looked at (they were below the current version) and papers whose enrichment changed.</summary>
public sealed record BackfillResult(int Checked, int Changed);

/// <summary>
/// Brings papers stored under older enrichment rules (or before enrichment existed) up to
/// <see cref="PaperEnrichment.Version"/>: code links, datasets, headline and primary category are computed again from
/// the stored text. It walks the papers below the version in id order, a batch per transaction, so memory stays flat
/// on any store and an interrupted backfill goes on from where it stopped (done papers carry the new version). A
/// paper whose enrichment changed gets a change-log row in the same transaction, so every node's indexes and the
/// pages follow; one that only needed the new version stamped does not. Safe beside imports: it takes the change-log
/// lock before reading (PostgreSQL), and SQLite has one writer at a time.
/// </summary>
public sealed class EnrichmentBackfill(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    public const int DefaultBatchSize = 500;

    /// <summary>How many papers are below the current enrichment version.</summary>
    public async Task<int> PendingAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await Behind(db).CountAsync(ct);
    }

    /// <param name="progress">Receives the number of papers checked so far after each batch.</param>
    public async Task<BackfillResult> RunAsync(IProgress<int>? progress = null, int batchSize = DefaultBatchSize, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int checkedCount = 0, changed = 0;
        var after = "";
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await ChangeLog.SerialiseAppendsAsync(db, ct);
            var batch = await Behind(db).Where(p => string.Compare(p.Id, after) > 0).OrderBy(p => p.Id).Take(batchSize).ToListAsync(ct);
            if (batch.Count == 0) return new BackfillResult(checkedCount, changed);
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var paper in batch)
            {
                var before = Derived(paper);
                PaperEnrichment.Apply(paper);
                if (Derived(paper) != before)
                {
                    db.Changes.Add(new Change { PaperId = paper.Id, At = now });
                    changed++;
                }
                db.Entry(paper).Property<int>(PaperboyDb.EnrichmentVersion).CurrentValue = PaperEnrichment.Version;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            checkedCount += batch.Count;
            after = batch[^1].Id;
            progress?.Report(checkedCount);
        }
    }

    private static IQueryable<Paper> Behind(PaperboyDb db) =>
        db.Papers.Where(p => EF.Property<int>(p, PaperboyDb.EnrichmentVersion) < PaperEnrichment.Version);

    // What enrichment may change, to tell a paper that needs a change-log row from one that only needs its version.
    private static string Derived(Paper p) =>
        string.Join("\u001f", p.Links.Select(l => l.Kind + " " + l.Url)) + "\u001e" + string.Join("\u001f", p.Datasets) + "\u001e" + p.Headline + "\u001e" + p.PrimaryCategory;
}
