using System.Runtime.InteropServices;

namespace Paperboy.Search.Vectors;

/// <summary>
/// Exact brute-force index with the same interface as <see cref="VectorIndex"/>: for small corpora and as ground
/// truth. Vectors are one contiguous float array; deletes are tombstones, dropped on <see cref="Rebuild"/>.
/// </summary>
public sealed class FlatVectorIndex : IVectorIndex, IDisposable
{
    private readonly int _dim;
    private readonly VectorMetric _metric;
    private float[] _vectors;
    private VectorLabel[] _labels;
    private byte[] _deleted;
    private int _count;
    private int _deletedCount;
    private readonly Dictionary<VectorLabel, int> _labelToId = new();
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    public FlatVectorIndex(int dimensions, VectorMetric metric = VectorMetric.Cosine, int initialCapacity = 1024)
    {
        if (dimensions <= 0) throw new ArgumentOutOfRangeException(nameof(dimensions));
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric));
        _dim = dimensions;
        _metric = metric;
        int cap = Math.Max(initialCapacity, 16);
        _vectors = new float[(long)cap * dimensions];
        _labels = new VectorLabel[cap];
        _deleted = new byte[cap];
    }

    public int Dimensions => _dim;
    public VectorMetric Metric => _metric;
    public int Count { get { _lock.EnterReadLock(); try { return _count - _deletedCount; } finally { _lock.ExitReadLock(); } } }
    public long VectorBytes => (long)_count * _dim * 4;

    public bool Contains(VectorLabel label)
    {
        _lock.EnterReadLock();
        try { return _labelToId.ContainsKey(label); }
        finally { _lock.ExitReadLock(); }
    }

    public bool TryGetVector(VectorLabel label, Span<float> destination)
    {
        if (destination.Length < _dim) throw new ArgumentException($"Destination holds {destination.Length} floats; this index's vectors have {_dim}.", nameof(destination));
        _lock.EnterReadLock();
        try
        {
            if (!_labelToId.TryGetValue(label, out int id)) return false;
            _vectors.AsSpan(id * _dim, _dim).CopyTo(destination);
            return true;
        }
        finally { _lock.ExitReadLock(); }
    }

    public IReadOnlyList<VectorLabel> SampleLabels(int count, Random random)
    {
        _lock.EnterReadLock();
        try
        {
            var slots = SlotSampler.Draw(_count, _deleted, _count - _deletedCount, count, random);
            return slots.ConvertAll(slot => _labels[slot]);
        }
        finally { _lock.ExitReadLock(); }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _labels.Length) return;
        int cap = Math.Max(needed, _labels.Length * 2);
        Array.Resize(ref _vectors, checked(cap * _dim));
        Array.Resize(ref _labels, cap);
        Array.Resize(ref _deleted, cap);
    }

    public void Add(VectorLabel label, ReadOnlySpan<float> vector)
    {
        if (label.IsString && label.AsString!.Length == 0) throw new ArgumentException("Label must not be empty.", nameof(label));
        var prepared = new float[_dim];
        VectorMath.Prepare(_metric, _dim, vector, prepared, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            if (_labelToId.ContainsKey(label)) throw new ArgumentException($"Label '{label}' is already in the index; delete it first.", nameof(label));
            AppendLocked(label, prepared);
        }
        finally { _lock.ExitWriteLock(); }
    }

    private void AppendLocked(VectorLabel label, ReadOnlySpan<float> prepared)
    {
        EnsureCapacity(_count + 1);
        prepared.CopyTo(_vectors.AsSpan(_count * _dim, _dim));
        _labels[_count] = label;
        _labelToId[label] = _count;
        _count++;
    }

    public void AddRange(IReadOnlyList<VectorLabel> labels, IReadOnlyList<float[]> vectors, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(vectors);
        if (labels.Count != vectors.Count) throw new ArgumentException($"{labels.Count} labels but {vectors.Count} vectors.", nameof(vectors));
        int n = labels.Count;
        var prepared = new float[(long)n * _dim];
        var seen = new HashSet<VectorLabel>(n);
        for (int i = 0; i < n; i++)
        {
            if (labels[i].IsString && labels[i].AsString!.Length == 0) throw new ArgumentException($"Label {i} is empty.", nameof(labels));
            if (!seen.Add(labels[i])) throw new ArgumentException($"Label '{labels[i]}' appears twice in the batch.", nameof(labels));
            if (vectors[i] is null) throw new ArgumentException($"Vector {i} is null.", nameof(vectors));
            try { VectorMath.Prepare(_metric, _dim, vectors[i], prepared.AsSpan(i * _dim, _dim), nameof(vectors)); }
            catch (ArgumentException e) { throw new ArgumentException($"Vector {i} (label '{labels[i]}'): {e.Message}", nameof(vectors), e); }
        }
        _lock.EnterWriteLock();
        try
        {
            foreach (var l in labels)
                if (_labelToId.ContainsKey(l)) throw new ArgumentException($"Label '{l}' is already in the index; delete it first.", nameof(labels));
            EnsureCapacity(_count + n);
            for (int i = 0; i < n; i++) AppendLocked(labels[i], prepared.AsSpan(i * _dim, _dim));
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>The exact k nearest live vectors. <paramref name="efSearch"/> is ignored (kept for the common interface).</summary>
    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, int efSearch = 0) => Nearest(query, null, k);

    /// <summary>See <see cref="IVectorIndex.SearchAmong"/>.</summary>
    public IReadOnlyList<VectorHit> SearchAmong(ReadOnlySpan<float> query, IReadOnlyList<VectorLabel> labels, int k) => Nearest(query, labels, k);

    /// <summary>The k nearest of all live vectors, or of <paramref name="among"/>'s live ones.</summary>
    private VectorHit[] Nearest(ReadOnlySpan<float> query, IReadOnlyList<VectorLabel>? among, int k)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        var q = new float[_dim];
        VectorMath.Prepare(_metric, _dim, query, q, nameof(query));
        var top = new CandidateHeap(max: true);
        _lock.EnterReadLock();
        try
        {
            ref float q0 = ref MemoryMarshal.GetArrayDataReference(q);
            ref float v0 = ref MemoryMarshal.GetArrayDataReference(_vectors);
            int n = among?.Count ?? _count;
            for (int j = 0; j < n; j++)
            {
                int i = j;
                if (among is null ? _deleted[i] != 0 : !_labelToId.TryGetValue(among[j], out i)) continue;
                float d = VectorMath.Distance(_metric, ref q0, ref System.Runtime.CompilerServices.Unsafe.Add(ref v0, (nint)i * _dim), _dim);
                if (top.Count < k) top.Push(d, i);
                else if (d < top.Top.Distance) { top.Pop(); top.Push(d, i); }
            }
            return top.DrainNearestFirst(_labels);
        }
        finally { _lock.ExitReadLock(); }
    }

    public bool Delete(VectorLabel label)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_labelToId.Remove(label, out int id)) return false;
            _deleted[id] = 1;
            _deletedCount++;
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>A new compacted index without the tombstoned vectors.</summary>
    public FlatVectorIndex Rebuild()
    {
        _lock.EnterReadLock();
        try
        {
            var fresh = new FlatVectorIndex(_dim, _metric, Math.Max(_count - _deletedCount, 16));
            for (int i = 0; i < _count; i++)
                if (_deleted[i] == 0) fresh.AppendLocked(_labels[i], _vectors.AsSpan(i * _dim, _dim));
            return fresh;
        }
        finally { _lock.ExitReadLock(); }
    }

    public void Save(string path)
    {
        _lock.EnterReadLock();
        try
        {
            int n = _count;
            long total = IndexFile.HeaderSize + (long)n * _dim * 4 + n + IndexFile.LabelsSize(_labels.AsSpan(0, n)) + IndexFile.TrailerSize;
            var header = new IndexFile.Header
            {
                Kind = IndexFile.KindFlat, Metric = (byte)_metric, Dimensions = _dim, M = 0, EfConstruction = 0, EfSearch = 0,
                Count = n, Deleted = _deletedCount, EntryPoint = -1, MaxLevel = -1, TotalLength = total,
            };
            IndexFile.SaveAtomically(path, total, w =>
            {
                var h = new byte[IndexFile.HeaderSize];
                header.Write(h);
                w.Bytes(h);
                w.Floats(_vectors.AsSpan(0, n * _dim));
                w.Bytes(_deleted.AsSpan(0, n));
                w.Labels(_labels.AsSpan(0, n));
            });
        }
        finally { _lock.ExitReadLock(); }
    }

    public static FlatVectorIndex Load(string path) => IndexFile.Load(path, r =>
    {
        var h = r.ReadHeader(IndexFile.KindFlat);
        int n = h.Count;
        r.Need((long)n * h.Dimensions * 4, "vectors");
        var index = new FlatVectorIndex(h.Dimensions, (VectorMetric)h.Metric, n);
        r.Floats(index._vectors.AsSpan(0, n * h.Dimensions), "vectors");
        r.Need(n, "tombstones");
        r.Bytes(index._deleted.AsSpan(0, n));
        var labels = r.Labels(n, index._labels.Length);
        r.VerifyChecksum();
        index._labels = labels;
        index._count = n;
        for (int i = 0; i < n; i++)
        {
            if (index._deleted[i] > 1) throw r.Corrupt($"Element {i} has an invalid tombstone flag.");
            if (index._deleted[i] != 0) { index._deletedCount++; continue; }
            if (!index._labelToId.TryAdd(labels[i], i)) throw r.Corrupt($"Label '{labels[i]}' is live twice.");
        }
        if (index._deletedCount != h.Deleted) throw r.Corrupt("Tombstone count does not match the header.");
        foreach (var x in index._vectors.AsSpan(0, n * h.Dimensions))
            if (!float.IsFinite(x)) throw r.Corrupt("A stored vector holds NaN or Infinity.");
        return index;
    });

    public void Dispose() => _lock.Dispose();
}
