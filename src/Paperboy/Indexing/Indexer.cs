using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using System.Threading.Channels;
using Paperboy.Core.Papers;
using Paperboy.Search.Embedding;
using Paperboy.Storage;

namespace Paperboy.Indexing;

/// <summary>
/// Brings the indexes up to the store. Each index follows the change log from the sequence it last recorded, or is
/// rebuilt from the store when it is new, made by another analyzer or embedder, or ahead of a replaced store.
/// The semantic index is also rebuilt, with a retrained embedder, once the corpus has grown by a fifth. A large
/// backlog (a bulk load: <see cref="IsBacklogLarge"/>) is also a rebuild, which is far cheaper than following a million
/// changes one batch at a time; and while a bulk load is still at work the indexes wait for it to finish.
/// </summary>
public sealed class Indexer(PaperStore store, TopicStore topics, IndexHolder indexes, TopicMap topicMap, TimeProvider clock, ILogger<Indexer> logger)
{
    private const int Batch = 1000;
    public const int TrainingSample = 100_000;
    public const double RetrainGrowth = 1.2;
    /// <summary>Vectors are saved this often while changes flow (and on shutdown); after a crash the log replays the rest.</summary>
    private static readonly TimeSpan SaveEvery = TimeSpan.FromMinutes(2);
    /// <summary>A backlog of at least this many changes is rebuilt from the store rather than followed.</summary>
    public const int RebuildBacklog = 50_000;
    /// <summary>A bulk load that has not committed a batch for this long is taken as dead (killed), and no longer waited for.</summary>
    public static readonly TimeSpan BulkLoadStaleAfter = TimeSpan.FromMinutes(1);
    /// <summary>A lexical rebuild of at least this many papers is followed by a full, compacting collection.</summary>
    private const int AggressiveCollectionAfter = 100_000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _topicGate = new(1, 1);
    private DateTimeOffset _lastSave = DateTimeOffset.MinValue;
    private long _semanticFailedAt = -1;

    /// <summary>True until the topic map has been brought up to the indexes once, and while it is (<c>/healthz</c> says so).</summary>
    public bool TopicMapPending => !_topicsCaughtUp || _topicGate.CurrentCount == 0;
    private volatile bool _topicsCaughtUp;

    /// <summary>True once the indexes have caught up with the store at least once in this process.</summary>
    public bool Ready { get; private set; }

    /// <summary>Applies everything committed to the store since the indexes' last commits, then brings the topic map up to
    /// them (<see cref="CatchUpIndexesAsync"/> and <see cref="CatchUpTopicsAsync"/>). Returns how many changes were applied.</summary>
    public async Task<int> CatchUpAsync(CancellationToken ct = default)
    {
        var applied = await CatchUpIndexesAsync(ct);
        await CatchUpTopicsAsync(ct);
        return applied;
    }

    /// <summary>
    /// Brings the lexical and semantic indexes up to the store and marks them <see cref="Ready"/> (searchable). The topic
    /// map is left to <see cref="CatchUpTopicsAsync"/>: on a large store it takes minutes, and search must not wait for it.
    /// </summary>
    public async Task<int> CatchUpIndexesAsync(CancellationToken ct = default)
    {
        if (indexes.Lexical.ReadOnly) { Ready = true; return 0; }
        await _gate.WaitAsync(ct);
        try
        {
            if (await store.BulkLoadRunningAsync(BulkLoadStaleAfter, ct))
            {
                // Indexing each batch of a bulk load would rebuild the semantic index at every fifth of growth and
                // follow millions of changes; the indexes built before the load keep serving until it is done.
                if (indexes.Lexical.IsCurrent && indexes.Lexical.AppliedSeq > 0) Ready = true;
                return 0;
            }
            var last = await store.LastChangeSeqAsync(ct);
            var applied = await CatchUpLexicalAsync(last, ct) + await CatchUpSemanticAsync(last, ct);
            Ready = true;
            return applied;
        }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// Brings the topic map up to the semantic index (one run at a time; <c>serve</c> runs it in the background once the
    /// indexes are searchable), then the lexical index into the map's order if it is not in it yet. A failure is
    /// logged, and search and the boards keep working.
    /// </summary>
    public async Task CatchUpTopicsAsync(CancellationToken ct = default)
    {
        if (indexes.Lexical.ReadOnly) { _topicsCaughtUp = true; return; }
        await _topicGate.WaitAsync(ct);
        try
        {
            // The map follows the semantic index (its vectors), so it goes as far as that index has applied the log.
            var last = indexes.Semantic.AppliedSeq;
            if (last == 0) { _topicsCaughtUp = true; return; }   // nothing indexed: nothing to map
            if (await store.BulkLoadRunningAsync(BulkLoadStaleAfter, ct)) return;
            await TopicStepAsync(() => topicMap.CatchUpAsync(last, ct), ct);
            // Still under the topic gate, so /healthz says "computing" until the search index has caught up with the map
            // too, and benchmarks that wait for "ready" do not measure during the rebuild.
            await RebuildLexicalInMapOrderAsync(ct);
            // Not when the lock was held elsewhere and no map is stored yet: /healthz says "computing" until one is.
            _topicsCaughtUp = await topicMap.StoredAsync(ct);
        }
        finally { _topicGate.Release(); }
    }

    /// <summary>
    /// A store loaded from scratch gets its lexical index before its first topic map (the map needs the semantic index),
    /// so in id order. Once a map is stored, the index is rebuilt once in map order, which lets searches skip far more
    /// postings (<see cref="InMapOrderAsync"/>); later map updates leave it alone, as new papers are appended anyway.
    /// Searches keep the id-ordered index until the rebuild commits, and a kill before that leaves it on disk.
    /// </summary>
    private async Task RebuildLexicalInMapOrderAsync(CancellationToken ct)
    {
        if (indexes.Lexical.InMapOrder) return;
        await _gate.WaitAsync(ct);   // after the topic gate, as in RebuildAsync: one order, no deadlock
        try
        {
            var index = indexes.Lexical;
            if (index.InMapOrder || !index.IsCurrent || await store.BulkLoadRunningAsync(BulkLoadStaleAfter, ct)) return;
            var placed = await topics.PaperIdsInMapOrderAsync(ct);
            if (placed.Count == 0) return;   // no map (yet, or it failed): the id order stays
            logger.LogInformation("Lexical index: rebuilding in topic-map order now that a map is stored ({Placed} papers placed); searches use the current index until it is done",
                placed.Count);
            // The map just computed (its copy of every vector, kNN graph and layout: gigabytes at 2.5M papers) is garbage,
            // but not collected yet; collected now, the rebuild's writer grows from the live heap (4.7 GB at 2.5M) rather
            // than beside the map's leftovers.
            ReturnMemory(placed.Count, "before the map-order rebuild");
            await RebuildLexicalAsync(placed, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            // Searches keep the id-ordered view; the next index catch-up rebuilds the half this left staged (in map order).
            logger.LogWarning(e, "Lexical index not rebuilt in topic-map order ({Reason})", e.Message);
        }
        finally { _gate.Release(); }
    }

    /// <summary>Throws the indexes away and builds them again from the store (<c>paperboy reindex</c>).</summary>
    public async Task<int> RebuildAsync(CancellationToken ct = default, IProgress<int>? progress = null)
    {
        await _topicGate.WaitAsync(ct);
        await _gate.WaitAsync(ct);
        try
        {
            // Lexical last: the map is computed from the semantic index and the store alone, and the lexical rebuild then
            // reads the papers in the new map's order. Lexical first would write them in the old map's order, or in id
            // order on a store without a map, which the next topic catch-up would then rebuild a second time.
            await RebuildSemanticAsync(ct);
            await TopicStepAsync(() => topicMap.RecomputeAsync(ct), ct);
            var count = await RebuildLexicalAsync(await topics.PaperIdsInMapOrderAsync(ct), ct, progress);
            _topicsCaughtUp = true;
            Ready = true;
            return count;
        }
        finally { _gate.Release(); _topicGate.Release(); }
    }

    private async Task TopicStepAsync(Func<Task<int>> step, CancellationToken ct)
    {
        try { await step(); }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Topic map not updated ({Reason})", e.Message);
        }
    }

    private async Task<int> CatchUpLexicalAsync(long last, CancellationToken ct)
    {
        var index = indexes.Lexical;
        // Rebuilding here (the gate is ours) is a rebuild that failed half-way: the next Apply would commit its half.
        if (!index.IsCurrent || index.Rebuilding || index.AppliedSeq > last || (index.AppliedSeq == 0 && last > 0 && index.Count == 0)
            || await IsBacklogLarge(last - index.AppliedSeq, ct))
            return await RebuildLexicalAsync(await topics.PaperIdsInMapOrderAsync(ct), ct);
        return await FollowAsync(() => index.AppliedSeq, last, (present, deleted, seq) => { index.Apply(present, deleted, seq); return Task.CompletedTask; }, ct);
    }

    private async Task<int> CatchUpSemanticAsync(long last, CancellationToken ct)
    {
        var index = indexes.Semantic;
        if (index.IsCurrent && index.AppliedSeq == last) return 0;   // the common case on a poll: nothing new
        if (_semanticFailedAt == last) return 0;                      // failed on exactly this store: wait for a change
        try
        {
            var papers = await store.CountAsync(ct);
            if (papers < 2) return 0;
            if (!index.IsCurrent || index.AppliedSeq > last || index.Outgrown || (index.Trainable && papers >= RetrainGrowth * index.TrainedOn + 10)
                || await IsBacklogLarge(last - index.AppliedSeq, ct))
                return await RebuildSemanticAsync(ct);
            var applied = await FollowAsync(() => index.AppliedSeq, last,
                (present, deleted, seq) => index.ApplyAsync(Texts(present), deleted, seq, ct), ct, contentOnly: true);
            if (applied > 0 && clock.GetUtcNow() - _lastSave > SaveEvery) Save();
            return applied;
        }
        catch (Exception e) when (e is EmbedderException or HttpRequestException or InvalidOperationException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Semantic search is an addition: keyword search and the boards keep working without it.
            _semanticFailedAt = last;
            logger.LogWarning(e, "Semantic index not updated; searches rank by keywords until it is ({Reason})", e.Message);
            return 0;
        }
    }

    /// <summary>
    /// A backlog worth a rebuild: at least <see cref="RebuildBacklog"/> changes, or (from 5,000) more changes than a
    /// fifth of the corpus. Small backlogs, the usual few papers and votes, are followed change by change.
    /// </summary>
    private async Task<bool> IsBacklogLarge(long backlog, CancellationToken ct) =>
        backlog >= RebuildBacklog || (backlog >= 5_000 && backlog > await store.CountAsync(ct) / 5);

    private static List<(string Id, string Text)> Texts(IEnumerable<Paper> papers) =>
        papers.Select(p => (p.Id, EmbedderText.Of(p.Title, p.Abstract))).ToList();

    /// <param name="contentOnly">Skip changes that touched only counts (votes): the semantic index embeds text, which they leave alone.</param>
    private async Task<int> FollowAsync(Func<long> appliedSeq, long last, Func<List<Paper>, List<string>, long, Task> apply, CancellationToken ct, bool contentOnly = false)
    {
        var applied = 0;
        while (appliedSeq() < last)
        {
            var changes = await store.ChangesSinceAsync(appliedSeq(), Batch, ct);
            if (changes.Count == 0) break;
            var ids = changes.Where(c => !contentOnly || !c.CountsOnly).Select(c => c.PaperId).Distinct().ToList();
            var present = await store.GetManyAsync(ids, ct);
            var presentIds = present.Select(p => p.Id).ToHashSet();
            await apply(present, ids.Where(id => !presentIds.Contains(id)).ToList(), changes[^1].Seq);
            applied += changes.Count;
        }
        return applied;
    }

    /// <summary>
    /// Every paper, those on the topic map first in map order (by topic, then across the map), the rest after. Document
    /// numbers then follow topics, so a word's postings bunch where its topic is, and the block maxima that let a search
    /// skip postings (<c>MaxScoreSearch</c>) are high in few blocks and low in the rest: Lucene 9 reorders documents
    /// for the same reason (<c>BPIndexReorderer</c>). Before the first map, papers come in id order.
    /// </summary>
    /// <param name="placed">The papers on the map in map order (<see cref="TopicStore.PaperIdsInMapOrderAsync"/>); none before the first map.</param>
    internal async IAsyncEnumerable<Paper> InMapOrderAsync(IReadOnlyList<string> placed, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (placed.Count == 0)
        {
            await foreach (var p in store.AllAsync(ct)) yield return p;   // no map yet: one sequential read
            yield break;
        }
        // The unplaced by their ids, read after the map's: a paper placed meanwhile is then in one list or the other.
        var seen = placed.ToHashSet(StringComparer.Ordinal);
        var unplaced = new List<string>();
        await foreach (var id in store.IdsAsync(ct))
            if (!seen.Contains(id)) unplaced.Add(id);
        foreach (var chunk in placed.Concat(unplaced).Chunk(2000))
            foreach (var p in await store.GetManyAsync(chunk, ct)) yield return p;
    }

    /// <param name="placed">The papers on the map in map order, read before the rebuild: the index records whether it was written in map order.</param>
    private async Task<int> RebuildLexicalAsync(IReadOnlyList<string> placed, CancellationToken ct, IProgress<int>? progress = null)
    {
        var index = indexes.Lexical;
        if (index.ReadOnly) throw new InvalidOperationException("the index is held by another Paperboy process (is `paperboy serve` running?)");
        var watch = Stopwatch.StartNew();
        // Read the log position first: changes made while we copy are applied again afterwards, which is harmless.
        var seq = await store.LastChangeSeqAsync(ct);
        index.Clear(inMapOrder: placed.Count > 0);
        var count = 0;
        var staging = new Stopwatch();
        TimeSpan staged, merged;
        using (index.BulkMode())
        {
            await foreach (var batch in ReadAhead(Batches(InMapOrderAsync(placed, ct)), ct))
            {
                staging.Start();
                index.Stage(batch);       // no commit per batch: one commit, one merge at the end
                staging.Stop();
                count += batch.Count;
                progress?.Report(count);
            }
            staged = watch.Elapsed;
            index.Apply([], [], seq);
            index.Optimise();
            merged = watch.Elapsed - staged;
        }
        logger.LogInformation("Lexical index rebuilt: {Count} papers in {Order} order, change log at {Seq}, in {Total:0.0} s (read and analyse {Staged:0.0} s, of which analysing {Staging:0.0} s; commit and merge {Merged:0.0} s; {Memory})",
            count, placed.Count > 0 ? "topic-map" : "id", seq, watch.Elapsed.TotalSeconds, staged.TotalSeconds, staging.Elapsed.TotalSeconds, merged.TotalSeconds, Memory());
        // The segments flushed on the way and merged into one, and the index this one replaced, are garbage now: about
        // twice the index (2.5 GB at 2.5M papers). Nothing else allocates enough to collect them soon, and the process
        // would keep them resident (7.5 GB against 4.8 after a restart), so they are collected and returned at once:
        // a pause of a second or so, once after minutes of rebuilding.
        ReturnMemory(count, "after the lexical rebuild");
        return count;
    }

    /// <summary>
    /// Collects and compacts the whole heap and gives the freed memory back to the system, after a step over
    /// <paramref name="papers"/> papers has left a large heap of garbage behind it: a pause of a second or so, once after
    /// minutes of work. Small stores are left to the collector.
    /// </summary>
    private void ReturnMemory(int papers, string when)
    {
        if (papers < AggressiveCollectionAfter) return;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        logger.LogInformation("Memory returned {When}: {Memory}", when, Memory());
    }

    private async Task<int> RebuildSemanticAsync(CancellationToken ct)
    {
        var index = indexes.Semantic;
        var watch = Stopwatch.StartNew();
        var seq = await store.LastChangeSeqAsync(ct);
        var total = await store.CountAsync(ct);
        var training = TimeSpan.Zero;
        if (index.Configured is { } configured) index.Reset(configured, total, total);
        else
        {
            // Train on a bounded sample so that the cost stays flat on a store of millions: the papers whose id hashes
            // into the first TrainingSample of `total` slots, about TrainingSample papers, the same ones on every
            // rebuild of the same store. Each is kept only as term counts (LsaModel.TrainingCorpus); the model embeds
            // every other paper by folding it in.
            using var corpus = new LsaModel.TrainingCorpus();
            await foreach (var p in store.AllTextsAsync(ct))
                if (InTrainingSample(p.Id, total)) corpus.Add(EmbedderText.Of(p.Title, p.Abstract));
            if (corpus.Count < 2) return 0;
            var sampled = watch.Elapsed;
            index.Reset(corpus.Train(), total, total);
            training = watch.Elapsed;
            logger.LogInformation("Embedder trained: LSA on {Sample} of {Total} papers in {Seconds:0.0} s (sample read {Read:0.0} s; {Memory})",
                corpus.Count, total, training.TotalSeconds, sampled.TotalSeconds, Memory());
        }
        var count = 0;
        var (embedding, inserting) = index.Spent;
        await foreach (var batch in ReadAhead(Batches(store.AllTextsAsync(ct)), ct))
        {
            await index.ApplyAsync(batch.Select(p => (p.Id, EmbedderText.Of(p.Title, p.Abstract))).ToList(), [], 0, ct);
            count += batch.Count;
        }
        await index.ApplyAsync([], [], seq, ct);
        var built = watch.Elapsed;
        Save();
        var spent = index.Spent;
        logger.LogInformation("Semantic index rebuilt: {Count} papers, {Dim} dimensions ({Embedder}) in {Total:0.0} s (training {Training:0.0} s; embedding {Embed:0.0} s; " +
            "vector index {Insert:0.0} s; saving {Save:0.0} s; {Memory})", count, index.Dimension, index.Embedder!.Identity, watch.Elapsed.TotalSeconds, training.TotalSeconds,
            (spent.Embed - embedding).TotalSeconds, (spent.Insert - inserting).TotalSeconds, (watch.Elapsed - built).TotalSeconds, Memory());
        return count;
    }

    /// <summary>Whether a paper is in the embedder's training sample of a store of <paramref name="total"/> papers.</summary>
    public static bool InTrainingSample(string id, int total) =>
        total <= TrainingSample || XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(id)) % (ulong)total < TrainingSample;

    private void Save()
    {
        indexes.Semantic.Save();
        _lastSave = clock.GetUtcNow();
    }

    /// <summary>The process's memory now and at its peak, for the rebuild logs (a bulk load's index build is the peak).</summary>
    private static string Memory()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return $"RSS {self.WorkingSet64 >> 20} MB, peak {self.PeakWorkingSet64 >> 20} MB, managed heap {GC.GetTotalMemory(false) >> 20} MB";
    }

    private static async IAsyncEnumerable<List<T>> Batches<T>(IAsyncEnumerable<T> items)
    {
        var batch = new List<T>(Batch);
        await foreach (var p in items)
        {
            batch.Add(p);
            if (batch.Count == Batch) { yield return batch; batch = new List<T>(Batch); }
        }
        if (batch.Count > 0) yield return batch;
    }

    /// <summary>
    /// Reads the next batches from the store while the current one is analysed or embedded: reading is one thread's
    /// work, and without this the other core idles through it. At most two batches wait, so memory stays bounded.
    /// </summary>
    private static async IAsyncEnumerable<List<T>> ReadAhead<T>(IAsyncEnumerable<List<T>> batches, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<List<T>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in batches.WithCancellation(stop.Token)) await channel.Writer.WriteAsync(batch, stop.Token);
                channel.Writer.Complete();
            }
            catch (Exception e) { channel.Writer.Complete(e); }
        }, CancellationToken.None);
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(ct)) yield return batch;
        }
        finally
        {
            await stop.CancelAsync();
            try { await reader; } catch (OperationCanceledException) { }
        }
    }
}
