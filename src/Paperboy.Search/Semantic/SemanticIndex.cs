using System.Numerics.Tensors;
using System.Text.Json;
using Paperboy.Search.Embedding;

namespace Paperboy.Search.Semantic;

/// <summary>
/// The semantic half of search: the embedder (LSA trained on our corpus) and the vectors of every paper, keyed by
/// paper id. Like the lexical index it records the change-log sequence it has applied, so it can be rebuilt from the
/// store at any time and resumes after a restart. Vectors live in memory and are saved to <c>vectors.bin</c>.
/// </summary>
public sealed class SemanticIndex
{
    private readonly string _dir;
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<string?> _labels = [];
    private float[] _vectors = [];
    private bool _dirty;

    public LsaModel? Model { get; private set; }
    public long AppliedSeq { get; private set; }
    public int Count { get { _lock.EnterReadLock(); try { return _slots.Count; } finally { _lock.ExitReadLock(); } } }
    public bool IsCurrent => Model is not null;
    public int Dimension => Model?.Dimension ?? 0;

    private string StatePath => Path.Combine(_dir, "semantic.json");
    private string ModelPath => Path.Combine(_dir, "lsa.model");
    private string VectorsPath => Path.Combine(_dir, "vectors.bin");

    private sealed record State(long Seq, string Embedder, int Count);

    public SemanticIndex(string dir)
    {
        _dir = dir;
        Directory.CreateDirectory(dir);
        Load();
    }

    /// <summary>Trains a new model on <paramref name="trainingTexts"/> and forgets all vectors (they are re-added by the caller).</summary>
    public void Retrain(IReadOnlyList<string> trainingTexts)
    {
        var model = LsaModel.Train(trainingTexts);
        _lock.EnterWriteLock();
        try
        {
            Model = model;
            _slots.Clear();
            _labels.Clear();
            _vectors = new float[Math.Max(1024, trainingTexts.Count) * model.Dimension];
            AppliedSeq = 0;
            _dirty = true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Embeds and stores papers, removes deleted ones, and records the sequence reached.</summary>
    public void Apply(IEnumerable<(string Id, string Text)> upserts, IEnumerable<string> deletes, long seq)
    {
        var model = Model ?? throw new InvalidOperationException("the semantic index has no model yet");
        var embedded = upserts.AsParallel().AsOrdered().Select(u => (u.Id, Vector: model.Embed(u.Text))).ToList();
        _lock.EnterWriteLock();
        try
        {
            foreach (var id in deletes) Remove(id);
            foreach (var (id, vector) in embedded)
            {
                if (vector is null) { Remove(id); continue; }
                if (!_slots.TryGetValue(id, out var slot))
                {
                    slot = _labels.Count;
                    _labels.Add(id);
                    _slots[id] = slot;
                    EnsureCapacity(slot + 1);
                }
                vector.CopyTo(_vectors.AsSpan(slot * model.Dimension, model.Dimension));
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
        var need = slots * Dimension;
        if (need <= _vectors.Length) return;
        Array.Resize(ref _vectors, Math.Max(need, _vectors.Length * 2));
    }

    public float[]? EmbedQuery(string text) => Model?.Embed(text);

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

    /// <summary>Writes the model, vectors and state if anything changed (atomic renames; the state goes last).</summary>
    public void Save()
    {
        _lock.EnterReadLock();
        try
        {
            if (!_dirty || Model is null) return;
            Model.Save(ModelPath);
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
            File.WriteAllText(StatePath + ".tmp", JsonSerializer.Serialize(new State(AppliedSeq, Model.Identity, _slots.Count)));
            File.Move(StatePath + ".tmp", StatePath, overwrite: true);
            _dirty = false;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Loads what was saved; anything missing, damaged or from another model leaves the index empty, to be rebuilt.</summary>
    private void Load()
    {
        try
        {
            if (!File.Exists(StatePath)) return;
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(StatePath));
            var model = LsaModel.Load(ModelPath);
            if (state is null || model is null || model.Identity != state.Embedder || !File.Exists(VectorsPath)) return;
            using var r = new BinaryReader(File.OpenRead(VectorsPath));
            var dim = r.ReadInt32();
            var count = r.ReadInt32();
            if (dim != model.Dimension || count != state.Count || count < 0) return;
            var vectors = new float[Math.Max(1, count) * dim];
            var labels = new List<string?>(count);
            for (var i = 0; i < count; i++)
            {
                labels.Add(r.ReadString());
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.AsSpan(i * dim, dim));
                if (r.Read(bytes) != bytes.Length) return;
            }
            Model = model;
            _vectors = vectors;
            _labels.AddRange(labels);
            for (var i = 0; i < labels.Count; i++) _slots[labels[i]!] = i;
            AppliedSeq = state.Seq;
        }
        catch (Exception e) when (e is IOException or JsonException or EndOfStreamException or ArgumentException or FormatException)
        {
            Model = null;
            _slots.Clear();
            _labels.Clear();
        }
    }
}
