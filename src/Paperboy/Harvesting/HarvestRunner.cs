using Paperboy.Storage;

namespace Paperboy.Harvesting;

/// <summary>
/// Runs the harvesters: one source by name, or all enabled ones in turn (OAI-PMH, then the arXiv API for what OAI
/// has not published yet, then Hugging Face, whose upvotes land on papers the first two brought). The CLI's
/// <c>paperboy harvest</c> calls it, and so will the scheduler. One source failing does not stop the others.
/// </summary>
public sealed class HarvestRunner(IEnumerable<IHarvester> harvesters, JobLockStore locks, Microsoft.Extensions.Options.IOptions<HarvestOptions> options)
{
    public const string All = "all";

    private readonly IReadOnlyList<IHarvester> _harvesters = harvesters.ToList();

    public IEnumerable<string> Sources => _harvesters.Select(h => h.Name);

    /// <summary>Runs <paramref name="source"/> (a harvester's name, or <see cref="All"/> for every enabled one).</summary>
    public async Task<IReadOnlyList<HarvestResult>> RunAsync(string source, HarvestRequest request, IProgress<HarvestProgress>? progress = null,
        CancellationToken ct = default)
    {
        var chosen = source == All
            ? _harvesters.Where(h => h.Enabled).ToList()
            : _harvesters.Where(h => h.Name == source).ToList();
        if (source != All && chosen.Count == 0) throw new ArgumentException($"unknown harvest source '{source}' (known: {string.Join(", ", Sources)}, {All})", nameof(source));
        var results = new List<HarvestResult>();
        foreach (var h in chosen) results.Add(await h.RunAsync(request, progress, ct));
        return results;
    }

    public const string LockName = "harvest";

    /// <summary>
    /// <see cref="RunAsync"/> under the cluster's harvest job lock (a lease on SQLite, an advisory lock on PostgreSQL):
    /// one harvest at a time across every node and CLI run; null at once when another holds it. Losing the lock midway
    /// stops the run after its current page, which is committed with its watermark.
    /// </summary>
    public async Task<IReadOnlyList<HarvestResult>?> RunExclusiveAsync(string source, HarvestRequest request, IProgress<HarvestProgress>? progress = null,
        CancellationToken ct = default)
    {
        var owner = JobLockStore.NewOwner();
        await using var held = await locks.TryTakeAsync(LockName, owner, options.Value.LockLease, ct);
        if (held is null) return null;
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct, held.Lost);
        return await RunAsync(source, request, progress, lost.Token);
    }
}
