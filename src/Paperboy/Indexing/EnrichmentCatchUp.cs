using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Indexing;

/// <summary>
/// At <c>serve</c> start-up, in the background: papers stored under older enrichment rules (or before there were any)
/// get their code links, datasets, headline and primary category from <see cref="EnrichmentBackfill"/>. It waits
/// until the indexes are ready, so /healthz turns healthy on the store as it is, and the backfill's changes then reach
/// the indexes through the change log like any import's. One node does it (the <c>enrichment</c> job lock); a node
/// that stops half-way leaves the rest to the next start-up, since finished papers carry the new version.
/// </summary>
public sealed class EnrichmentCatchUp(EnrichmentBackfill backfill, Indexer indexer, JobLockStore locks, TimeProvider clock, ILogger<EnrichmentCatchUp> log)
    : BackgroundService
{
    public const string LockName = "enrichment";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        await Task.Yield();   // never hold up the host's start
        try
        {
            while (!indexer.Ready) await Task.Delay(TimeSpan.FromMilliseconds(200), clock, ct);
            var pending = await backfill.PendingAsync(ct);
            if (pending == 0) return;
            await using var held = await locks.TryTakeAsync(LockName, JobLockStore.NewOwner(), Lease, ct);
            if (held is null)
            {
                log.LogInformation("Enrichment: another node is bringing {Pending} papers up to version {Version}", pending, PaperEnrichment.Version);
                return;
            }
            log.LogInformation("Enrichment: bringing {Pending} papers up to version {Version}", pending, PaperEnrichment.Version);
            using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct, held.Lost);
            var result = await backfill.RunAsync(ct: lost.Token);
            log.LogInformation("Enrichment: {Checked} papers checked, {Changed} changed", result.Checked, result.Changed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            // The papers done so far keep their new version; the next start-up (or paperboy reindex) does the rest.
            log.LogError(e, "Enrichment backfill stopped; it goes on at the next start-up or paperboy reindex");
        }
    }
}
