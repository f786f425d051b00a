using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using Paperboy.Search.Embedding;
using Paperboy.Search.Semantic;
using Paperboy.Search.Topics;
using Paperboy.Storage;

namespace Paperboy.Indexing;

/// <summary>
/// Keeps the stored topic map (topics, each paper's topic and map position) following the semantic index. It is
/// computed whole (<see cref="TopicMapBuilder"/>) when there is none, when the vectors were remade by another
/// embedder (an LSA retrain included), when the corpus has grown by a fifth since, or on <c>paperboy reindex</c>;
/// in between, papers the change log brings join the nearest topic and sit among their nearest neighbours.
/// <para>
/// Once per cluster: every write to the map happens under the <see cref="LockName"/> job lock, and the decision is
/// taken again under it from the stored state, so with several nodes on one PostgreSQL database one node computes or
/// follows and the others find the map it stored (pages and the API read it from the store) instead of computing it
/// again. A node whose embedder made other vectors than the stored map's (LSA trained at another moment) leaves the map
/// to the nodes that share its space, and replaces it at most once per embedder of its own, so two such nodes never take
/// turns recomputing.
/// </para>
/// </summary>
public sealed class TopicMap(PaperStore store, TopicStore topics, IndexHolder indexes, JobLockStore locks, TimeProvider clock, ILogger<TopicMap> logger)
{
    private const int Batch = 1000;
    public const int Seed = 8;
    /// <summary>Texts kept for the labels on a large corpus (a uniform sample).</summary>
    public const int LabelSample = 50_000;
    /// <summary>The job lock every write to the stored map is made under.</summary>
    public const string LockName = "topics";
    /// <summary>Renewed every third while held; a computation at 200k papers takes minutes.</summary>
    private static readonly TimeSpan LockLease = TimeSpan.FromMinutes(2);

    /// <summary>The embedder this node last replaced the stored map for (computing it, or finding it made by that embedder).</summary>
    private string? _replacedFor;

    /// <summary>How long each step of the last full computation took (for <c>bench/map</c> and the log).</summary>
    public IReadOnlyDictionary<string, TimeSpan> LastTimings { get; private set; } = new Dictionary<string, TimeSpan>();

    /// <summary>True while a whole map is being computed (shown by <c>/healthz</c>: search is up, the map is on its way).</summary>
    public bool Computing { get; private set; }

    /// <summary>
    /// Brings the stored map up to <paramref name="last"/> (the change-log position the semantic index has reached): nothing
    /// when it is there already or another node holds the lock; otherwise follows the log, or computes the map whole.
    /// Returns the number of changes followed or papers placed.
    /// </summary>
    public async Task<int> CatchUpAsync(long last, CancellationToken ct)
    {
        var semantic = indexes.Semantic;
        if (!semantic.IsCurrent || semantic.Count < 2) return 0;
        if (Plan(await topics.StateAsync(ct), last) == Step.Nothing) return 0;   // the usual poll: no lock taken
        return await UnderLockAsync(async (state, token) => Plan(state, last) switch
        {
            Step.Compute => await ComputeAsync(token),
            Step.Follow => await FollowAsync(state!.AppliedSeq, last, semantic, token),
            _ => 0,
        }, ct) ?? 0;
    }

    /// <summary>
    /// Whether a map of this node's vector space is stored (or none can be: no semantic index, fewer than two papers).
    /// False while another node, or a dead one's unexpired lease, keeps this node from computing the first map.
    /// </summary>
    public async Task<bool> StoredAsync(CancellationToken ct)
    {
        var semantic = indexes.Semantic;
        if (!semantic.IsCurrent || semantic.Embedder is null || semantic.Count < 2) return true;
        return await topics.StateAsync(ct) is { } state
            && (state.Embedder == semantic.Embedder.Identity || Plan(state, semantic.AppliedSeq) == Step.Nothing);
    }

    /// <summary>Computes the whole map again from the semantic index's vectors (<c>paperboy reindex</c>). Returns the number of papers placed.</summary>
    public async Task<int> RecomputeAsync(CancellationToken ct)
    {
        if (await UnderLockAsync((_, token) => ComputeAsync(token), ct) is { } placed) return placed;
        logger.LogWarning("Topic map not computed: another node holds the {Lock} lock and is computing it", LockName);
        return 0;
    }

    private enum Step { Nothing, Follow, Compute }

    /// <summary>What the stored map needs from this node, given the stored state and how far this node's vectors have come.</summary>
    private Step Plan(TopicMapState? state, long last)
    {
        var semantic = indexes.Semantic;
        if (state is null) return Step.Compute;
        var mine = semantic.Embedder!.Identity;
        if (state.Embedder == mine) _replacedFor = mine;
        else return _replacedFor == mine ? Step.Nothing : Step.Compute;   // another space: replace it once, then leave it
        if (semantic.Count >= Indexer.RetrainGrowth * state.ComputedOn + 10 || last - state.AppliedSeq >= Indexer.RebuildBacklog) return Step.Compute;
        // Behind: follow. Ahead (another node has followed further than this one has read, or the log lost rows): look
        // under the lock, where a map ahead of the store itself is computed again and one ahead of this node is left alone.
        return state.AppliedSeq != last ? Step.Follow : Step.Nothing;
    }

    /// <summary>
    /// Runs <paramref name="work"/> under the cluster's topic-map lock with the stored state read again under it (another
    /// node may have just stored a map); null at once when another node holds the lock. Losing the lock cancels the work's writes.
    /// </summary>
    private async Task<int?> UnderLockAsync(Func<TopicMapState?, CancellationToken, Task<int>> work, CancellationToken ct)
    {
        var semantic = indexes.Semantic;
        if (!semantic.IsCurrent || semantic.Embedder is null) return 0;
        await using var lease = await locks.TryTakeAsync(LockName, JobLockStore.NewOwner(), LockLease, ct);
        if (lease is null) return null;
        using var held = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
        var state = await topics.StateAsync(held.Token);
        // A map that claims more of the log than the store has (a store restored from an older copy) is computed again.
        if (state is not null && state.AppliedSeq > await store.LastChangeSeqAsync(held.Token)) state = null;
        return await work(state, held.Token);
    }

    /// <summary>Computes the whole map from the semantic index's vectors and stores it; call under the lock.</summary>
    private async Task<int> ComputeAsync(CancellationToken ct)
    {
        var semantic = indexes.Semantic;
        if (!semantic.IsCurrent || semantic.Embedder is null) return 0;
        Computing = true;
        logger.LogInformation("Topic map: computing over {Papers} papers (search does not wait for it)", semantic.Count);
        try { return await ComputeAsync(semantic, ct); }
        finally { Computing = false; }
    }

    private async Task<int> ComputeAsync(SemanticIndex semantic, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var seq = semantic.AppliedSeq;
        var embedder = semantic.Embedder!.Identity;
        var dim = semantic.Dimension;
        var ids = new List<string>(semantic.Count);
        // Every vector, in half precision: the map's one large allocation (1.3 GB at 2.5M papers of 256 dimensions).
        var rows = VectorRows.HalfPrecision(dim, semantic.Count);
        var vector = new float[dim];
        var sampleRows = new List<int>();
        var sampleTexts = new List<string>();
        var rng = new Random(Seed);
        var seen = 0;
        await foreach (var p in store.AllAsync(ct))
        {
            if (!semantic.TryCopyVector(p.Id, vector)) continue;
            var row = ids.Count;
            rows.Add(vector);
            ids.Add(p.Id);
            // A uniform sample of texts for the labels (reservoir), so memory stays bounded on a large corpus.
            var text = EmbedderText.Of(p.Title, p.Abstract);
            if (sampleRows.Count < LabelSample) { sampleRows.Add(row); sampleTexts.Add(text); }
            else if (rng.Next(seen + 1) is var j && j < LabelSample) { sampleRows[j] = row; sampleTexts[j] = text; }
            seen++;
        }
        var read = total.Elapsed;
        if (ids.Count < 2) return 0;
        var texts = new Dictionary<int, string>(sampleRows.Count);
        for (var i = 0; i < sampleRows.Count; i++) texts[sampleRows[i]] = sampleTexts[i];
        var rowOf = new Dictionary<string, int>(ids.Count, StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++) rowOf[ids[i]] = i;
        var result = TopicMapBuilder.Build(rows, row => texts.GetValueOrDefault(row), row =>
        {
            var query = new float[dim];
            rows.Read(row, query);
            return semantic.Search(query, TopicMapBuilder.Neighbours + 1, ids[row])
                .Select(h => rowOf.TryGetValue(h.Id, out var r) ? r : -1).Where(r => r >= 0).ToList();
        }, Seed);
        if (semantic.Embedder?.Identity != embedder)
        {
            // The vectors were remade while we read them (a retrain): this map mixes two spaces. The next catch-up redoes it.
            logger.LogInformation("Topic map discarded: the semantic index was rebuilt while it was computed");
            return 0;
        }
        var write = Stopwatch.StartNew();
        var topicRows = result.Topics.Select(t => new Topic
        {
            Id = t.Id, Terms = string.Join(", ", t.Terms), Centroid = Bytes(t.Centroid), Size = t.Size, X = t.X, Y = t.Y,
        }).ToList();
        var placed = new List<PaperTopic>(ids.Count);
        for (var i = 0; i < ids.Count; i++) placed.Add(new PaperTopic { PaperId = ids[i], TopicId = result.TopicOf[i], X = result.X[i], Y = result.Y[i] });
        await topics.ReplaceAsync(new TopicMapState { Embedder = embedder, ComputedOn = ids.Count, AppliedSeq = seq, ComputedAt = clock.GetUtcNow().UtcDateTime },
            topicRows, placed, ct);
        _replacedFor = embedder;
        var timings = new Dictionary<string, TimeSpan>(result.Timings) { ["read"] = read, ["write"] = write.Elapsed, ["total"] = total.Elapsed };
        LastTimings = timings;
        logger.LogInformation("Topic map computed: {Papers} papers, {Topics} topics in {Total:0.0} s ({Steps})", ids.Count, topicRows.Count,
            total.Elapsed.TotalSeconds, string.Join(", ", timings.Select(t => $"{t.Key} {t.Value.TotalSeconds:0.00} s")));
        return ids.Count;
    }

    /// <summary>New and changed papers join the nearest topic, at the mean position of their placed nearest neighbours.</summary>
    private async Task<int> FollowAsync(long from, long last, SemanticIndex semantic, CancellationToken ct)
    {
        var all = await topics.TopicsAsync(ct);
        var dim = semantic.Dimension;
        if (all.Count == 0 || all.Any(t => t.Centroid.Length != dim * sizeof(float))) return await ComputeAsync(ct);
        var k = all.Max(t => t.Id) + 1;
        var centroids = new float[k * dim];
        foreach (var t in all) Floats(t.Centroid).CopyTo(centroids.AsSpan(t.Id * dim, dim));
        var applied = 0;
        var at = from;
        while (at < last)
        {
            var changes = await store.ChangesSinceAsync(at, Batch, ct);
            if (changes.Count == 0) break;
            var ids = changes.Where(c => !c.CountsOnly).Select(c => c.PaperId).Distinct().ToList();
            var upserts = new List<PaperTopic>();
            var deletes = new List<string>();
            var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
            foreach (var id in ids)
                if (semantic.VectorOf(id) is { } v) vectors[id] = v; else deletes.Add(id);
            var neighbours = vectors.ToDictionary(kv => kv.Key, kv => semantic.Search(kv.Value, TopicMapBuilder.Neighbours, kv.Key).Select(h => h.Id).ToList());
            var positions = await topics.PositionsAsync(neighbours.Values.SelectMany(n => n).ToList(), ct);
            foreach (var (id, v) in vectors)
            {
                var topic = KMeans.Nearest(centroids, dim, k, v);
                var near = neighbours[id].Where(positions.ContainsKey).Select(n => positions[n]).ToList();
                var (x, y) = near.Count > 0 ? (near.Average(n => n.X), near.Average(n => n.Y)) : (all.First(t => t.Id == topic).X, all.First(t => t.Id == topic).Y);
                // A small offset from the paper's id, so a paper does not sit exactly on top of its neighbours' mean.
                var h = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(id));
                upserts.Add(new PaperTopic { PaperId = id, TopicId = topic, X = Math.Clamp(x + ((h & 0xffff) / 65535f - 0.5f) * 0.004f, 0, 1), Y = Math.Clamp(y + ((h >> 16) / 65535f - 0.5f) * 0.004f, 0, 1) });
            }
            at = changes[^1].Seq;
            await topics.ApplyAsync(upserts, deletes, at, ct);
            applied += changes.Count;
        }
        return applied;
    }

    private static byte[] Bytes(float[] v)
    {
        var bytes = new byte[v.Length * sizeof(float)];
        Buffer.BlockCopy(v, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static float[] Floats(byte[] b)
    {
        var v = new float[b.Length / sizeof(float)];
        Buffer.BlockCopy(b, 0, v, 0, b.Length);
        return v;
    }
}
