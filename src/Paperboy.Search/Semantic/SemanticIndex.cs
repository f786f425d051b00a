using System.Numerics.Tensors;
using System.Text.Json;
using Paperboy.Search.Embedding;

namespace Paperboy.Search.Semantic;

/// <summary>
/// The semantic half of search: an embedder and the vector of every paper, keyed by paper id. Like the lexical index
/// it records the change-log sequence it has applied and the embedder that made its vectors, so a restart resumes
/// where it stopped, a different embedder triggers a rebuild, and everything can be rebuilt from the store.
/// The embedder is either configured (ONNX, HTTP) or, by default, an LSA model trained on our corpus and saved here.
/// </summary>
public sealed class SemanticIndex
{
    private readonly string _dir;
    private readonly IEmbedder? _configured;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<string?> _labels = [];
    private float[] _vectors = [];
    private bool _dirty;

    /// <summary>The embedder the vectors were made with; null until the index has been built.</summary>
    public IEmbedder? Embedder { get; private set; }
    /// <summary>How many papers the (trainable) embedder was trained on; the indexer retrains as the corpus grows.</summary>
    public int TrainedOn { get; private set; }
    public long AppliedSeq { get; private set; }
    /// <summary>True when the embedder is ours to train (LSA) rather than configured.</summary>
    public bool Trainable => _configured is null;
    public bool IsCurrent => Embedder is not null;
    public int Dimension => Embedder?.Dimension ?? 0;
    public int Count { get { _lock.EnterReadLock(); try { return _slots.Count; } finally { _lock.ExitReadLock(); } } }

    private string StatePath => Path.Combine(_dir, "semantic.json");
    private string ModelPath => Path.Combine(_dir, "lsa.model");
    private string VectorsPath => Path.Combine(_dir, "vectors.bin");

    private sealed record State(long Seq, string Embedder, int Count, int TrainedOn);

    public SemanticIndex(string dir, IEmbedder? configured = null)
    {
        _dir = dir;
        _configured = configured;
        Directory.CreateDirectory(dir);
        Load();
    }

    /// <summary>Starts over with an embedder (a newly trained LSA model, or the configured one); all vectors are dropped.</summary>
    public void Reset(IEmbedder embedder, int trainedOn, int expectedCount)
    {
        _lock.EnterWriteLock();
        try
        {
            Embedder = embedder;
            TrainedOn = trainedOn;
            _slots.Clear();
            _labels.Clear();
            _vectors = new float[(long)Math.Max(1024, expectedCount) * embedder.Dimension];
            AppliedSeq = 0;
            _dirty = true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>The embedder to use when rebuilding: the configured one, or null meaning "train LSA".</summary>
    public IEmbedder? Configured => _configured;

    /// <summary>Embeds and stores papers, removes deleted ones, and records the sequence reached (0 leaves it as it is).</summary>
    public async Task ApplyAsync(IReadOnlyList<(string Id, string Text)> upserts, IEnumerable<string> deletes, long seq, CancellationToken ct = default)
    {
        var embedder = Embedder ?? throw new InvalidOperationException("the semantic index has no embedder yet");
        var vectors = upserts.Count == 0 ? [] : await embedder.EmbedAsync(upserts.Select(u => u.Text).ToList(), ct);
        if (vectors.Length != upserts.Count) throw new EmbedderException($"the embedder returned {vectors.Length} vectors for {upserts.Count} texts");
        foreach (var v in vectors)
            if (v is not null && (v.Length != embedder.Dimension || v.Any(x => !float.IsFinite(x))))
                throw new EmbedderException("the embedder returned a vector of the wrong dimension or with NaN; nothing from this batch was indexed");
        _lock.EnterWriteLock();
        try
        {
            foreach (var id in deletes) Remove(id);
            for (var i = 0; i < upserts.Count; i++)
            {
                var (id, vector) = (upserts[i].Id, vectors[i]);
                if (vector is null) { Remove(id); continue; }
                if (!_slots.TryGetValue(id, out var slot))
                {
                    slot = _labels.Count;
                    _labels.Add(id);
                    _slots[id] = slot;
                    EnsureCapacity(slot + 1);
                }
                vector.CopyTo(_vectors.AsSpan(slot * Dimension, Dimension));
            }
            if (seq > 0) AppliedSeq = seq;
            _dirty = true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    private void Remove(string id)
    {
        if (!_slots.Remove(id, out var slot)) return;
        _labels[slot] = null;
        _vectors.AsSpan(slot * Dimension, Dimension).Clear();
    }

    private void EnsureCapacity(int slots)
    {
        var need = (long)slots * Dimension;
        if (need <= _vectors.Length) return;
        Array.Resize(ref _vectors, (int)Math.Min(Array.MaxLength, Math.Max(need, _vectors.Length * 2L)));
    }

    public async Task<float[]?> EmbedQueryAsync(string text, CancellationToken ct = default)
    {
        var embedder = Embedder;
        if (embedder is null) return null;
        return (await embedder.EmbedAsync([text], ct))[0];
    }

    public float[]? VectorOf(string id)
    {
        _lock.EnterReadLock();
        try { return _slots.TryGetValue(id, out var slot) ? _vectors.AsSpan(slot * Dimension, Dimension).ToArray() : null; }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>The <paramref name="k"/> nearest papers by cosine similarity, best first.</summary>
    public List<(string Id, float Score)> Search(float[] query, int k, string? exclude = null)
    {
        _lock.EnterReadLock();
        try
        {
            var dim = Dimension;
            if (query.Length != dim || k <= 0) return [];
            var heap = new PriorityQueue<int, float>(k + 1);
            for (var slot = 0; slot < _labels.Count; slot++)
            {
                var label = _labels[slot];
                if (label is null || label == exclude) continue;
                var score = TensorPrimitives.Dot(query, _vectors.AsSpan(slot * dim, dim));
                if (heap.Count < k) heap.Enqueue(slot, score);
                else if (heap.TryPeek(out _, out var worst) && score > worst) heap.EnqueueDequeue(slot, score);
            }
            var result = new List<(string, float)>(heap.Count);
            while (heap.TryDequeue(out var slot, out var score)) result.Add((_labels[slot]!, score));
            result.Reverse();
            return result;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Writes the model (when trained here), the vectors and the state if anything changed; the state goes last.</summary>
    public void Save()
    {
        _lock.EnterReadLock();
        try
        {
            if (!_dirty || Embedder is null) return;
            if (Embedder is LsaModel lsa) lsa.Save(ModelPath);
            var tmp = VectorsPath + ".tmp";
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            using (var w = new BinaryWriter(fs))
            {
                var live = _slots.OrderBy(kv => kv.Value).ToList();
                w.Write(Dimension);
                w.Write(live.Count);
                foreach (var (id, slot) in live)
                {
                    w.Write(id);
                    w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_vectors.AsSpan(slot * Dimension, Dimension)));
                }
                w.Flush();
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, VectorsPath, overwrite: true);
            File.WriteAllText(StatePath + ".tmp", JsonSerializer.Serialize(new State(AppliedSeq, Embedder.Identity, _slots.Count, TrainedOn)));
            File.Move(StatePath + ".tmp", StatePath, overwrite: true);
            _dirty = false;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Loads what was saved; anything missing, damaged or made by another embedder leaves the index empty, to be rebuilt.</summary>
    private void Load()
    {
        try
        {
            if (!File.Exists(StatePath) || !File.Exists(VectorsPath)) return;
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(StatePath));
            IEmbedder? embedder = _configured ?? LsaModel.Load(ModelPath);
            if (state is null || embedder is null || embedder.Identity != state.Embedder) return;
            using var r = new BinaryReader(File.OpenRead(VectorsPath));
            var dim = r.ReadInt32();
            var count = r.ReadInt32();
            if (dim != embedder.Dimension || count != state.Count || count < 0) return;
            var vectors = new float[(long)Math.Max(1, count) * dim];
            var labels = new List<string?>(count);
            for (var i = 0; i < count; i++)
            {
                labels.Add(r.ReadString());
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.AsSpan(i * dim, dim));
                if (r.Read(bytes) != bytes.Length) return;
            }
            Embedder = embedder;
            TrainedOn = state.TrainedOn;
            _vectors = vectors;
            _labels.AddRange(labels);
            for (var i = 0; i < labels.Count; i++) _slots[labels[i]!] = i;
            AppliedSeq = state.Seq;
        }
        catch (Exception e) when (e is IOException or JsonException or EndOfStreamException or ArgumentException or FormatException or NotSupportedException)
        {
            Embedder = null;
            _slots.Clear();
            _labels.Clear();
        }
    }
}
