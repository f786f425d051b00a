using System.Text.Json;
using Paperboy.Search.Embedding;
using Paperboy.Search.Vectors;

namespace Paperboy.Search.Semantic;

/// <summary>
/// The semantic half of search: an embedder and a vector index over every paper, labelled by paper id. Small corpora
/// use the exact flat index, larger ones our HNSW <see cref="VectorIndex"/>. Like the lexical index it records the
/// change-log sequence it has applied and the embedder that made its vectors, so a restart resumes where it stopped,
/// a different embedder triggers a rebuild, and a missing or corrupt file is rebuilt from the store.
/// The embedder is either configured (ONNX, HTTP) or, by default, an LSA model trained on our corpus and saved here.
/// </summary>
public sealed class SemanticIndex : IDisposable
{
    /// <summary>Below this many papers exact search is fast enough and has perfect recall.</summary>
    public const int DefaultFlatLimit = 20_000;

    private readonly int _flatLimit;

    private readonly string _dir;
    private readonly IEmbedder? _configured;
    private readonly Action<string>? _warn;
    private readonly Lock _swap = new();
    private IVectorIndex? _index;
    private volatile bool _dirty;

    /// <summary>The embedder the vectors were made with; null until the index has been built.</summary>
    public IEmbedder? Embedder { get; private set; }
    /// <summary>How many papers the (trainable) embedder was trained on; the indexer retrains as the corpus grows.</summary>
    public int TrainedOn { get; private set; }
    public long AppliedSeq { get; private set; }
    /// <summary>True when the embedder is ours to train (LSA) rather than configured.</summary>
    public bool Trainable => _configured is null;
    /// <summary>The embedder to rebuild with: the configured one, or null meaning "train LSA".</summary>
    public IEmbedder? Configured => _configured;
    /// <summary>True once vectors were built to a point of the change log (a reset index being filled is not current).</summary>
    public bool IsCurrent => Embedder is not null && _index is not null && AppliedSeq > 0;
    public int Dimension => Embedder?.Dimension ?? 0;
    public int Count => _index?.Count ?? 0;
    public string Kind => _index is VectorIndex ? "hnsw" : "flat";
    /// <summary>Time spent so far embedding texts and inserting vectors (for the rebuild's log: which of the two is the cost).</summary>
    public (TimeSpan Embed, TimeSpan Insert) Spent { get; private set; }

    /// <summary>True when the index should be rebuilt for its shape: a flat index that has outgrown the flat limit.</summary>
    public bool Outgrown => _index is FlatVectorIndex && Count > _flatLimit * 3 / 2;

    private string StatePath => Path.Combine(_dir, "semantic.json");
    private string ModelPath => Path.Combine(_dir, "lsa.model");
    private string VectorsPath => Path.Combine(_dir, "vectors.idx");

    private sealed record State(long Seq, string Embedder, string Kind, int TrainedOn);

    public SemanticIndex(string dir, IEmbedder? configured = null, Action<string>? warn = null, int flatLimit = DefaultFlatLimit)
    {
        _flatLimit = flatLimit;
        _dir = dir;
        _configured = configured;
        _warn = warn;
        Directory.CreateDirectory(dir);
        Load();
    }

    /// <summary>Starts over with an embedder (a newly trained LSA model, or the configured one): an empty index sized for the corpus.</summary>
    public void Reset(IEmbedder embedder, int trainedOn, int expectedCount)
    {
        IVectorIndex index = expectedCount <= _flatLimit
            ? new FlatVectorIndex(embedder.Dimension, VectorMetric.Cosine, Math.Max(1024, expectedCount))
            : new VectorIndex(new VectorIndexOptions { Dimensions = embedder.Dimension, Metric = VectorMetric.Cosine, InitialCapacity = expectedCount });
        lock (_swap)
        {
            (_index as IDisposable)?.Dispose();
            _index = index;
            Embedder = embedder;
            TrainedOn = trainedOn;
            AppliedSeq = 0;
            _dirty = true;
        }
    }

    /// <summary>Embeds and stores papers, removes deleted ones, and records the sequence reached (0 leaves it as it is).</summary>
    public async Task ApplyAsync(IReadOnlyList<(string Id, string Text)> upserts, IEnumerable<string> deletes, long seq, CancellationToken ct = default)
    {
        var embedder = Embedder ?? throw new InvalidOperationException("the semantic index has no embedder yet");
        var index = _index!;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var vectors = upserts.Count == 0 ? [] : await embedder.EmbedAsync(upserts.Select(u => u.Text).ToList(), ct);
        var embedded = watch.Elapsed;
        if (vectors.Length != upserts.Count) throw new EmbedderException($"the embedder returned {vectors.Length} vectors for {upserts.Count} texts");
        foreach (var v in vectors)
            if (v is not null && (v.Length != embedder.Dimension || v.Any(x => !float.IsFinite(x))))
                throw new EmbedderException("the embedder returned a vector of the wrong dimension or with NaN; nothing from this batch was indexed");

        foreach (var id in deletes) index.Delete(id);
        var labels = new List<VectorLabel>(upserts.Count);
        var fresh = new List<float[]>(upserts.Count);
        for (var i = 0; i < upserts.Count; i++)
        {
            index.Delete(upserts[i].Id);     // an update is a tombstone and a new node; rebuilds compact them
            if (vectors[i] is { } v) { labels.Add(upserts[i].Id); fresh.Add(v); }
        }
        if (labels.Count > 0) index.AddRange(labels, fresh);
        Spent = (Spent.Embed + embedded, Spent.Insert + watch.Elapsed - embedded);
        if (seq > 0) AppliedSeq = seq;
        _dirty = true;
    }

    public async Task<float[]?> EmbedAsync(string text, CancellationToken ct = default)
    {
        var embedder = Embedder;
        if (embedder is null) return null;
        return (await embedder.EmbedAsync([text], ct))[0];
    }

    /// <summary>The <paramref name="k"/> nearest papers with their cosine similarity, best first.</summary>
    public List<(string Id, float Score)> Search(float[] query, int k, string? exclude = null)
    {
        var index = _index;
        if (index is null || query.Length != index.Dimensions || k <= 0) return [];
        var want = exclude is null ? k : k + 1;
        var hits = index.Search(query, want, efSearch: Math.Max(64, want));
        return hits.Where(h => h.Label.AsString != exclude).Take(k).Select(h => (h.Label.AsString!, 1 - h.Distance)).ToList();
    }

    /// <summary>
    /// The <paramref name="k"/> nearest of <paramref name="ids"/> (papers without a vector are passed over), compared
    /// exactly, one by one: nearest neighbours under a filter that leaves few papers, where a walk of the graph would
    /// meet few that pass.
    /// </summary>
    public List<(string Id, float Score)> SearchAmong(float[] query, IReadOnlyList<string> ids, int k)
    {
        var index = _index;
        if (index is null || query.Length != index.Dimensions || k <= 0) return [];
        return index.SearchAmong(query, ids.Select(id => new VectorLabel(id)).ToList(), k).Select(h => (h.Label.AsString!, 1 - h.Distance)).ToList();
    }

    /// <summary>The stored vector of a paper (unit length), or null when the paper has none.</summary>
    public float[]? VectorOf(string id)
    {
        var index = _index;
        if (index is null || string.IsNullOrEmpty(id)) return null;
        var vector = new float[index.Dimensions];
        return index.TryGetVector(id, vector) ? vector : null;
    }

    /// <summary>
    /// Copies a paper's stored vector into <paramref name="destination"/> without allocating (for callers that read
    /// many, such as the recommender); false when the paper has none or the destination is not
    /// <see cref="Dimension"/> long (the index was just rebuilt with another embedder).
    /// </summary>
    public bool TryCopyVector(string id, Span<float> destination)
    {
        var index = _index;
        if (index is null || string.IsNullOrEmpty(id) || destination.Length != index.Dimensions) return false;
        return index.TryGetVector(id, destination);
    }

    /// <summary>Up to <paramref name="count"/> distinct paper ids drawn uniformly at random from the indexed papers;
    /// the same seed over the same index draws the same ids.</summary>
    public IReadOnlyList<string> SampleIds(int count, int seed)
    {
        var index = _index;
        if (index is null || count <= 0) return [];
        return index.SampleLabels(count, new Random(seed)).Select(l => l.AsString!).ToList();
    }

    /// <summary>Replaces the index by a compacted copy once tombstones (deletes and updates) pass a quarter of it.</summary>
    private void CompactIfWorthIt()
    {
        IVectorIndex? compacted = _index switch
        {
            VectorIndex v when v.DeletedCount > v.TotalCount / 4 => v.Rebuild(),
            _ => null,
        };
        if (compacted is null) return;
        lock (_swap)
        {
            var old = _index;
            _index = compacted;
            (old as IDisposable)?.Dispose();
        }
    }

    /// <summary>Writes the model (when trained here), the vectors and then the state, if anything changed.</summary>
    public void Save()
    {
        CompactIfWorthIt();
        var index = _index;
        var embedder = Embedder;
        if (!_dirty || index is null || embedder is null) return;
        _dirty = false;
        var seq = AppliedSeq;
        if (embedder is LsaModel lsa) lsa.Save(ModelPath);
        index.Save(VectorsPath);
        File.WriteAllText(StatePath + ".tmp", JsonSerializer.Serialize(new State(seq, embedder.Identity, Kind, TrainedOn)));
        File.Move(StatePath + ".tmp", StatePath, overwrite: true);
    }

    /// <summary>Loads what was saved; anything missing, corrupt or made by another embedder leaves the index empty, to be rebuilt.</summary>
    private void Load()
    {
        if (!File.Exists(StatePath) || !File.Exists(VectorsPath)) return;
        try
        {
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(StatePath));
            IEmbedder? embedder = _configured ?? LsaModel.Load(ModelPath);
            if (state is null || embedder is null || embedder.Identity != state.Embedder) return;
            IVectorIndex index = state.Kind == "hnsw" ? VectorIndex.Load(VectorsPath) : FlatVectorIndex.Load(VectorsPath);
            if (index.Dimensions != embedder.Dimension) { (index as IDisposable)?.Dispose(); return; }
            _index = index;
            Embedder = embedder;
            TrainedOn = state.TrainedOn;
            AppliedSeq = state.Seq;
        }
        catch (Exception e) when (e is IOException or JsonException or ArgumentException or FormatException or NotSupportedException or InvalidDataException)
        {
            // VectorIndexCorruptException is an IOException: a damaged file is reported and rebuilt from the store.
            _warn?.Invoke($"semantic index at {_dir} could not be loaded and will be rebuilt: {e.Message}");
            _index = null;
            Embedder = null;
        }
    }

    public void Dispose() => (_index as IDisposable)?.Dispose();
}
