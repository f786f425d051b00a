using Paperboy.Storage;

namespace Paperboy.Indexing;

/// <summary>
/// Brings the indexes up to the store: follows the change log from the sequence the index last committed, or
/// rebuilds from the store when the index is new, of another analyzer version, or ahead of a replaced store.
/// </summary>
public sealed class Indexer(PaperStore store, IndexHolder indexes, ILogger<Indexer> logger)
{
    private const int Batch = 1000;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>True once the index has caught up with the store at least once in this process.</summary>
    public bool Ready { get; private set; }

    /// <summary>Applies everything committed to the store since the index's last commit. Returns how many changes were applied.</summary>
    public async Task<int> CatchUpAsync(CancellationToken ct = default)
    {
        var index = indexes.Lexical;
        if (index.ReadOnly) { Ready = true; return 0; }
        await _gate.WaitAsync(ct);
        try
        {
            var last = await store.LastChangeSeqAsync(ct);
            if (!index.IsCurrent || index.AppliedSeq > last || (index.AppliedSeq == 0 && last > 0 && index.Count == 0))
                return await RebuildLockedAsync(ct);
            var applied = 0;
            while (index.AppliedSeq < last)
            {
                var changes = await store.ChangesSinceAsync(index.AppliedSeq, Batch, ct);
                if (changes.Count == 0) break;
                var ids = changes.Select(c => c.PaperId).Distinct().ToList();
                var present = await store.GetManyAsync(ids, ct);
                var presentIds = present.Select(p => p.Id).ToHashSet();
                index.Apply(present, ids.Where(id => !presentIds.Contains(id)), changes[^1].Seq);
                applied += changes.Count;
            }
            Ready = true;
            return applied;
        }
        finally { _gate.Release(); }
    }

    /// <summary>Throws the index away and builds it again from the store (<c>paperboy reindex</c>).</summary>
    public async Task<int> RebuildAsync(CancellationToken ct = default, IProgress<int>? progress = null)
    {
        await _gate.WaitAsync(ct);
        try { return await RebuildLockedAsync(ct, progress); }
        finally { _gate.Release(); }
    }

    private async Task<int> RebuildLockedAsync(CancellationToken ct, IProgress<int>? progress = null)
    {
        var index = indexes.Lexical;
        if (index.ReadOnly) throw new InvalidOperationException("the index is held by another Paperboy process (is `paperboy serve` running?)");
        // Read the log position first: changes made while we copy are applied again afterwards, which is harmless.
        var seq = await store.LastChangeSeqAsync(ct);
        index.Clear();
        var count = 0;
        var batch = new List<Core.Papers.Paper>(Batch);
        await foreach (var p in store.AllAsync(ct))
        {
            batch.Add(p);
            if (batch.Count == Batch) { index.Apply(batch, [], 0); count += batch.Count; batch.Clear(); progress?.Report(count); }
        }
        index.Apply(batch, [], seq);
        count += batch.Count;
        progress?.Report(count);
        logger.LogInformation("Lexical index rebuilt: {Count} papers, change log at {Seq}", count, seq);
        Ready = true;
        return count;
    }
}
