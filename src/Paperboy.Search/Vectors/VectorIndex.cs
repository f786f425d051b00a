using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Paperboy.Search.Vectors;

/// <summary>
/// Hierarchical Navigable Small World index (Malkov &amp; Yashunin, 2016/2018) over float32 vectors, with optional
/// int8 traversal and an exact re-rank.
/// <para>
/// Memory layout (decided first, as in hnswlib): every element owns one fixed-size block in a single <c>int[]</c>:
/// <c>[version/lock][level-0 link count][2·M level-0 links][vector]</c>, so a base-layer hop touches one contiguous
/// region. The vector part is the float32 vector, or, with int8 quantisation, the byte codes (the floats then live
/// in a second contiguous array, read only for construction and re-ranking). Upper-level links live apart, one small
/// array per element that has levels above 0: <c>level × [count][M links]</c>.
/// </para>
/// <para>
/// Concurrency: each element's first int is a sequence lock. A writer CASes it from even to odd, edits any of that
/// element's link lists, and releases it by storing the next even value. A reader copies a link list and retries
/// if the version was odd or changed, so it never sees a torn list and never writes shared memory. The entry point
/// and max level are one 64-bit word, changed under a global lock. Growth of the arrays takes a reader/writer lock
/// in write mode; inserts, deletes and searches hold it in read mode (they run concurrently with each other).
/// </para>
/// </summary>
public sealed class VectorIndex : IVectorIndex, IDisposable
{
    private const int MaxLevelCap = 31;
    private const int LinksOffset = 1; // [version][count][links...] — count is at LinksOffset
    private const int PrefetchAhead = 8; // vectors SearchAmong asks for before it needs them

    private readonly int _dim;
    private readonly int _m;
    private readonly int _maxM0;
    private readonly int _efConstruction;
    private int _efSearch;
    private readonly VectorMetric _metric;
    private readonly bool _quantized;
    private readonly double _levelMult;
    private readonly ulong _seed;

    private readonly int _stride;       // ints per element block in _level0
    private readonly int _payloadOffset; // ints from block start to the vector/codes
    private readonly int _upperStride;  // ints per upper level: 1 + M

    private int[] _level0;
    private int[] _floatStore;          // quantised: float vectors (as ints); otherwise == _level0
    private int _vecStride, _vecOffset; // where the float vector of element i starts in _floatStore
    private int[] _levels;
    private int[]?[] _upper;
    private VectorLabel[] _labels;
    private byte[] _deleted;
    private byte[] _written;            // 1 once the element's vector is in place (its label is published before that)
    private int _capacity;
    private int _count;
    private int _deletedCount;
    private ScalarQuantizer? _quantizer;

    private readonly Dictionary<VectorLabel, int> _labelToId = new();
    private readonly object _labelLock = new();
    private readonly object _entryLock = new();
    private readonly ReaderWriterLockSlim _structure = new(LockRecursionPolicy.NoRecursion);
    private long _entry = Pack(-1, -1); // (max level << 32) | entry point
    private readonly VisitedListPool _visitedPool = new();

    [ThreadStatic] private static Scratch? t_scratch;

    public VectorIndex(VectorIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _dim = options.Dimensions;
        _m = options.M;
        _maxM0 = 2 * options.M;
        _efConstruction = Math.Max(options.EfConstruction, options.M);
        _efSearch = options.EfSearch;
        _metric = options.Metric;
        _quantized = options.Quantization == VectorQuantization.Int8;
        _levelMult = 1.0 / Math.Log(_m);
        _seed = options.Seed;
        _payloadOffset = 2 + _maxM0;
        _stride = _payloadOffset + (_quantized ? (_dim + 3) / 4 : _dim);
        _upperStride = 1 + _m;
        _capacity = 0;
        _level0 = [];
        _floatStore = [];
        _levels = [];
        _upper = [];
        _labels = [];
        _deleted = [];
        _written = [];
        Grow(Math.Max(options.InitialCapacity, 16));
    }

    public VectorIndexOptions Options => new()
    {
        Dimensions = _dim, Metric = _metric, M = _m, EfConstruction = _efConstruction, EfSearch = _efSearch,
        Quantization = _quantized ? VectorQuantization.Int8 : VectorQuantization.None, Seed = _seed,
    };

    public int Dimensions => _dim;
    public VectorMetric Metric => _metric;
    public int M => _m;
    public int EfConstruction => _efConstruction;
    public VectorQuantization Quantization => _quantized ? VectorQuantization.Int8 : VectorQuantization.None;

    /// <summary>Default ef for queries that do not pass one.</summary>
    public int EfSearch
    {
        get => Volatile.Read(ref _efSearch);
        set => Volatile.Write(ref _efSearch, value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    public int Count { get { lock (_labelLock) return _count - _deletedCount; } }
    public int DeletedCount { get { lock (_labelLock) return _deletedCount; } }
    /// <summary>Elements held, live and tombstoned.</summary>
    public int TotalCount => Volatile.Read(ref _count);
    public int MaxLevel => (int)(Volatile.Read(ref _entry) >> 32);

    /// <summary>Bytes of vectors and links actually in use (base-layer blocks, upper links, float copies when quantised).</summary>
    public long VectorAndLinkBytes
    {
        get
        {
            _structure.EnterReadLock();
            try
            {
                long n = _count;
                long bytes = n * _stride * 4L;
                if (_quantized) bytes += n * _dim * 4L;
                for (int i = 0; i < n; i++) bytes += (_upper[i]?.Length ?? 0) * 4L;
                return bytes;
            }
            finally { _structure.ExitReadLock(); }
        }
    }

    public bool Contains(VectorLabel label) { lock (_labelLock) return _labelToId.ContainsKey(label); }

    // ───────────────────────────── layout helpers ─────────────────────────────

    private static long Pack(int entryPoint, int maxLevel) => ((long)maxLevel << 32) | (uint)entryPoint;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref int At(int[] array, nint index) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int Block(int[] level0, int id) => ref At(level0, (nint)id * _stride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref float FloatVector(int[] store, int id) => ref Unsafe.As<int, float>(ref At(store, (nint)id * _vecStride + _vecOffset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte Codes(int[] level0, int id) => ref Unsafe.As<int, byte>(ref At(level0, (nint)id * _stride + _payloadOffset));

    /// <summary>The [count][links...] list of <paramref name="id"/> at <paramref name="level"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int LinkList(int id, int level)
    {
        if (level == 0) return ref At(_level0, (nint)id * _stride + LinksOffset);
        var upper = Volatile.Read(ref _upper[id])!;
        return ref At(upper, (nint)(level - 1) * _upperStride);
    }

    /// <summary>A larger array (huge pages where they help) holding the first <paramref name="used"/> elements of <paramref name="old"/>, zeros after.</summary>
    private static int[] Enlarged(int[] old, long used, int length)
    {
        var array = HugePages.Allocate<int>(length);
        Array.Copy(old, array, used);
        array.AsSpan((int)Math.Min(used, length)).Clear();
        return array;
    }

    private void Grow(int minCapacity)
    {
        int newCap = Math.Max(minCapacity, _capacity == 0 ? 16 : checked(_capacity * 2));
        long ints = (long)newCap * _stride;
        if (ints > Array.MaxLength)
        {
            newCap = (int)(Array.MaxLength / _stride);
            if (newCap < minCapacity) throw new InvalidOperationException($"Vector index is full: at most {newCap} vectors of this dimension fit one array.");
        }
        _level0 = Enlarged(_level0, (long)_count * _stride, checked(newCap * _stride));
        if (_quantized)
        {
            _floatStore = Enlarged(_floatStore, (long)_count * _dim, checked(newCap * _dim));
            _vecStride = _dim;
            _vecOffset = 0;
        }
        else
        {
            _floatStore = _level0;
            _vecStride = _stride;
            _vecOffset = _payloadOffset;
        }
        Array.Resize(ref _levels, newCap);
        Array.Resize(ref _upper, newCap);
        Array.Resize(ref _labels, newCap);
        Array.Resize(ref _deleted, newCap);
        Array.Resize(ref _written, newCap);
        _capacity = newCap;
    }

    private void EnsureCapacity(int needed)
    {
        _structure.EnterWriteLock();
        try { if (needed > _capacity) Grow(needed); }
        finally { _structure.ExitWriteLock(); }
    }

    private int RandomLevel(int id)
    {
        // SplitMix64 of (seed, id): levels do not depend on thread scheduling.
        ulong z = _seed + 0x9E3779B97F4A7C15UL * (ulong)(id + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        double u = ((z >> 11) + 1) * (1.0 / (1UL << 53)); // (0, 1]
        return Math.Min((int)(-Math.Log(u) * _levelMult), MaxLevelCap);
    }

    // ───────────────────────────── node locks (sequence locks) ─────────────────────────────

    private void LockNode(int id)
    {
        ref int version = ref Block(_level0, id);
        var spin = new SpinWait();
        while (true)
        {
            int v = Volatile.Read(ref version);
            if ((v & 1) == 0 && Interlocked.CompareExchange(ref version, v + 1, v) == v) return;
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void UnlockNode(int id)
    {
        ref int version = ref Block(_level0, id);
        Volatile.Write(ref version, version + 1);
    }

    /// <summary>Copies the links of <paramref name="id"/> at <paramref name="level"/> into <paramref name="dst"/>,
    /// retrying until it reads a version-consistent list.</summary>
    private int ReadLinks(int id, int level, Span<int> dst)
    {
        ref int version = ref Block(_level0, id);
        int cap = level == 0 ? _maxM0 : _m;
        var spin = new SpinWait();
        while (true)
        {
            int v1 = Volatile.Read(ref version);
            if ((v1 & 1) == 0)
            {
                ref int list = ref LinkList(id, level);
                int n = Math.Min(Volatile.Read(ref list), cap);
                for (int i = 0; i < n; i++) dst[i] = Volatile.Read(ref Unsafe.Add(ref list, 1 + i));
                if (Volatile.Read(ref version) == v1) return n;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    // ───────────────────────────── distances ─────────────────────────────

    private interface IQueryDistance
    {
        float Distance(int id);
        /// <summary>Starts loading the element's whole vector into the cache, without waiting for it.</summary>
        void Prefetch(int id);
    }

    /// <summary>Exact distance from a float query to stored float vectors.</summary>
    private readonly struct ExactDistance : IQueryDistance
    {
        private readonly int[] _store;
        private readonly float[] _query;
        private readonly int _stride, _offset, _dim;
        private readonly bool _l2;

        public ExactDistance(VectorIndex index, float[] query)
        {
            _store = index._floatStore; _query = query; _stride = index._vecStride; _offset = index._vecOffset;
            _dim = index._dim; _l2 = index._metric == VectorMetric.L2;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Distance(int id)
        {
            ref float v = ref Unsafe.As<int, float>(ref At(_store, (nint)id * _stride + _offset));
            ref float q = ref MemoryMarshal.GetArrayDataReference(_query);
            return _l2 ? VectorMath.L2Squared(ref q, ref v, _dim) : 1f - VectorMath.Dot(ref q, ref v, _dim);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int id) => CacheLines.Prefetch(ref At(_store, (nint)id * _stride + _offset), _dim * 4);
    }

    /// <summary>Distance from a float query to int8 codes: L2 as Σ(a - s·c)², dot as bias + Σ w·c.</summary>
    private readonly struct QuantizedDistance : IQueryDistance
    {
        private readonly int[] _level0;
        private readonly float[] _a;     // L2: query - min; dot: query * step
        private readonly float[] _s;     // L2: step
        private readonly float _bias;    // dot: Σ query·min
        private readonly int _stride, _offset, _dim;
        private readonly bool _l2;

        public QuantizedDistance(VectorIndex index, float[] query, Scratch scratch)
        {
            var qz = index._quantizer!;
            _level0 = index._level0; _stride = index._stride; _offset = index._payloadOffset; _dim = index._dim;
            _l2 = index._metric == VectorMetric.L2;
            _a = scratch.QueryA; _s = qz.Step;
            _bias = 0f;
            for (int d = 0; d < _dim; d++)
            {
                if (_l2) _a[d] = query[d] - qz.Min[d];
                else { _a[d] = query[d] * qz.Step[d]; _bias += query[d] * qz.Min[d]; }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Distance(int id)
        {
            ref byte c = ref Unsafe.As<int, byte>(ref At(_level0, (nint)id * _stride + _offset));
            ref float a = ref MemoryMarshal.GetArrayDataReference(_a);
            return _l2
                ? VectorMath.QuantL2(ref a, ref MemoryMarshal.GetArrayDataReference(_s), ref c, _dim)
                : 1f - (_bias + VectorMath.QuantDot(ref a, ref c, _dim));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int id) => CacheLines.Prefetch(ref At(_level0, (nint)id * _stride + _offset), _dim);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float DistanceBetween(int a, int b)
    {
        var store = _floatStore;
        return VectorMath.Distance(_metric, ref FloatVector(store, a), ref FloatVector(store, b), _dim);
    }

    // ───────────────────────────── per-thread scratch ─────────────────────────────

    private sealed class Scratch
    {
        public readonly CandidateHeap Top = new(max: true);
        public readonly CandidateHeap Candidates = new(max: false);
        public int[] Links = new int[64];
        public Candidate[] Work = new Candidate[256];
        public Candidate[] Selected = new Candidate[64];
        public Candidate[] Prune = new Candidate[80];
        public Candidate[] PruneOut = new Candidate[80];
        public float[] Query = new float[64];
        public float[] QueryA = new float[64];
        public Candidate[] Pending = new Candidate[(MaxLevelCap + 1) * 16];
        public readonly int[] PendingCount = new int[MaxLevelCap + 1];

        public Span<Candidate> PendingFor(int level, int m)
        {
            if (Pending.Length < (MaxLevelCap + 1) * m) Pending = new Candidate[(MaxLevelCap + 1) * m];
            return Pending.AsSpan(level * m, m);
        }

        public void Fit(int dim, int maxM0, int ef)
        {
            if (Query.Length < dim) { Query = new float[dim]; QueryA = new float[dim]; }
            if (Links.Length < maxM0 + 1) Links = new int[maxM0 + 1];
            if (Selected.Length < maxM0 + 1) Selected = new Candidate[maxM0 + 1];
            if (Prune.Length < 2 * maxM0 + 2) { Prune = new Candidate[2 * maxM0 + 2]; PruneOut = new Candidate[2 * maxM0 + 2]; }
            if (Work.Length < ef + 1) Work = new Candidate[ef + 1];
        }
    }

    private Scratch GetScratch(int ef)
    {
        var s = t_scratch ??= new Scratch();
        s.Fit(_dim, _maxM0, ef);
        return s;
    }

    // ───────────────────────────── the paper's algorithms ─────────────────────────────

    /// <summary>Greedy descent (SEARCH-LAYER with ef = 1) from the top layer down to <paramref name="stopLevel"/> + 1.</summary>
    private int GreedyDescend<TD>(ref TD dist, int ep, int fromLevel, int stopLevel, Scratch s) where TD : struct, IQueryDistance
    {
        int cur = ep;
        float curDist = dist.Distance(cur);
        var links = s.Links;
        for (int level = fromLevel; level > stopLevel; level--)
        {
            bool changed = true;
            while (changed)
            {
                changed = false;
                int n = ReadLinks(cur, level, links);
                for (int i = 0; i < n; i++)
                {
                    int cand = links[i];
                    float d = dist.Distance(cand);
                    if (d < curDist) { curDist = d; cur = cand; changed = true; }
                }
            }
        }
        return cur;
    }

    /// <summary>
    /// Algorithm 2, SEARCH-LAYER: best-first search of one layer from <paramref name="ep"/>, keeping the
    /// <paramref name="ef"/> closest in <c>s.Top</c> (a max-heap). With <paramref name="skipDeleted"/>, tombstoned
    /// elements are walked through but never enter the result.
    /// </summary>
    private void SearchBaseLayer<TD>(ref TD dist, int ep, int ef, int level, Scratch s, bool skipDeleted) where TD : struct, IQueryDistance
    {
        var top = s.Top;
        var candidates = s.Candidates;
        top.Clear();
        candidates.Clear();
        var visited = _visitedPool.Rent(_capacity);
        try
        {
            var deleted = _deleted;
            bool anyDeleted = skipDeleted && Volatile.Read(ref _deletedCount) > 0;
            float d0 = dist.Distance(ep);
            float lowerBound;
            if (!skipDeleted || deleted[ep] == 0) { top.Push(d0, ep); lowerBound = d0; }
            else lowerBound = float.MaxValue;
            candidates.Push(d0, ep);
            visited.TryVisit(ep);
            var links = s.Links;

            while (candidates.Count > 0)
            {
                var c = candidates.Top;
                if (c.Distance > lowerBound && (top.Count >= ef || !anyDeleted)) break;
                candidates.Pop();
                int n = ReadLinks(c.Id, level, links);
                // Keep only unvisited neighbours, then ask for all their vectors before computing the first distance.
                // At 2.5M vectors the base layer is 3 GB and nearly every vector is a trip to memory; asked for
                // together, those trips overlap instead of queueing one behind the other. Asking one vector ahead, as
                // before, made a 2.5M walk (k = ef = 100) 1.3× slower.
                int fresh = 0;
                for (int i = 0; i < n; i++)
                {
                    int id = links[i];
                    if (visited.TryVisit(id)) links[fresh++] = id;
                }
                for (int i = 0; i < fresh; i++) dist.Prefetch(links[i]);
                for (int i = 0; i < fresh; i++)
                {
                    int id = links[i];
                    float d = dist.Distance(id);
                    if (top.Count < ef || d < lowerBound)
                    {
                        candidates.Push(d, id);
                        if (!skipDeleted || deleted[id] == 0)
                        {
                            top.Push(d, id);
                            if (top.Count > ef) top.Pop();
                        }
                        if (top.Count > 0) lowerBound = top.Top.Distance;
                    }
                }
            }
        }
        finally { _visitedPool.Return(visited); }
    }

    /// <summary>
    /// Algorithm 4, SELECT-NEIGHBORS-HEURISTIC (without extending candidates or keeping pruned ones, as hnswlib):
    /// walking <paramref name="sorted"/> from the closest, keep an element only if it is closer to the base than to
    /// every element already kept. Returns how many were written to <paramref name="output"/>.
    /// </summary>
    private int SelectNeighborsHeuristic(ReadOnlySpan<Candidate> sorted, int m, Span<Candidate> output)
    {
        if (sorted.Length <= m)
        {
            // hnswlib keeps all when there are fewer than M; the heuristic only prunes.
            sorted.CopyTo(output);
            return sorted.Length;
        }
        int kept = 0;
        foreach (var e in sorted)
        {
            if (kept >= m) break;
            bool good = true;
            for (int j = 0; j < kept; j++)
            {
                if (DistanceBetween(e.Id, output[j].Id) < e.Distance) { good = false; break; }
            }
            if (good) output[kept++] = e;
        }
        return kept;
    }

    private static void SortByDistance(Span<Candidate> items)
    {
        for (int i = 1; i < items.Length; i++)
        {
            var x = items[i];
            int j = i - 1;
            while (j >= 0 && items[j].Distance > x.Distance) { items[j + 1] = items[j]; j--; }
            items[j + 1] = x;
        }
    }

    /// <summary>
    /// First half of connecting a new element: sets its own links at <paramref name="level"/> to the heuristic's
    /// choice among the candidates in <c>s.Top</c>, and remembers that choice for <see cref="AddBacklinks"/>.
    /// Returns the closest chosen neighbour, the entry point for the next layer down.
    /// <para>
    /// The back links are added only once the element has its own links on every layer: otherwise a concurrent
    /// search could descend onto it through an upper layer while its base-layer list is still empty.
    /// </para>
    /// </summary>
    private int ConnectNewElement(int id, int level, Scratch s)
    {
        var top = s.Top;
        int n = top.Count;
        var work = s.Work;
        for (int i = n - 1; i >= 0; i--) work[i] = top.Pop(); // ascending by distance
        int cap = level == 0 ? _maxM0 : _m;
        int selectedCount = SelectNeighborsHeuristic(work.AsSpan(0, n), _m, s.Selected);
        var selected = s.Selected.AsSpan(0, selectedCount);

        // Own list. Normally empty; a concurrent insert may already have linked back to us at this level.
        LockNode(id);
        try
        {
            ref int list = ref LinkList(id, level);
            int existing = list;
            if (existing == 0)
            {
                for (int i = 0; i < selected.Length; i++) Unsafe.Add(ref list, 1 + i) = selected[i].Id;
                list = selected.Length;
            }
            else
            {
                var prune = s.Prune.AsSpan();
                int pn = 0;
                foreach (var c in selected) prune[pn++] = c;
                for (int i = 0; i < existing && pn < prune.Length; i++)
                {
                    int other = Unsafe.Add(ref list, 1 + i);
                    bool dup = false;
                    foreach (var c in selected) if (c.Id == other) { dup = true; break; }
                    if (!dup) prune[pn++] = new Candidate(DistanceBetween(id, other), other);
                }
                SortByDistance(prune[..pn]);
                int kept = SelectNeighborsHeuristic(prune[..pn], cap, s.PruneOut);
                for (int i = 0; i < kept; i++) Unsafe.Add(ref list, 1 + i) = s.PruneOut[i].Id;
                list = kept;
            }
        }
        finally { UnlockNode(id); }

        selected.CopyTo(s.PendingFor(level, _m));
        s.PendingCount[level] = selected.Length;
        return selected.Length > 0 ? selected[0].Id : work[0].Id;
    }

    /// <summary>Second half: links each neighbour chosen at <paramref name="level"/> back to <paramref name="id"/>,
    /// shrinking a full list with the heuristic (hnswlib's mutual connection).</summary>
    private void AddBacklinks(int id, int level, Scratch s)
    {
        int cap = level == 0 ? _maxM0 : _m;
        var selected = s.PendingFor(level, _m)[..s.PendingCount[level]];
        foreach (var neighbour in selected)
        {
            int nb = neighbour.Id;
            LockNode(nb);
            try
            {
                ref int list = ref LinkList(nb, level);
                int count = list;
                bool present = false;
                for (int i = 0; i < count; i++) if (Unsafe.Add(ref list, 1 + i) == id) { present = true; break; }
                if (present) continue;
                if (count < cap)
                {
                    Unsafe.Add(ref list, 1 + count) = id;
                    list = count + 1;
                }
                else
                {
                    var prune = s.Prune.AsSpan(0, count + 1);
                    prune[0] = new Candidate(neighbour.Distance, id);
                    for (int i = 0; i < count; i++)
                    {
                        int other = Unsafe.Add(ref list, 1 + i);
                        prune[i + 1] = new Candidate(DistanceBetween(nb, other), other);
                    }
                    SortByDistance(prune);
                    int kept = SelectNeighborsHeuristic(prune, cap, s.PruneOut);
                    for (int i = 0; i < kept; i++) Unsafe.Add(ref list, 1 + i) = s.PruneOut[i].Id;
                    list = kept;
                }
            }
            finally { UnlockNode(nb); }
        }
    }

    /// <summary>Algorithm 1, INSERT, for an element whose id, label and vector are already in place.</summary>
    private void Insert(int id, Scratch s)
    {
        int level = RandomLevel(id);
        _levels[id] = level;
        if (level > 0) Volatile.Write(ref _upper[id], new int[level * _upperStride]);

        bool holdingGlobal = false;
        Monitor.Enter(_entryLock);
        try
        {
            long entry = Volatile.Read(ref _entry);
            int ep = (int)entry, maxLevel = (int)(entry >> 32);
            if (ep < 0)
            {
                Volatile.Write(ref _entry, Pack(id, level));
                return;
            }
            if (level > maxLevel) holdingGlobal = true; // keep the lock: we become the entry point
            else Monitor.Exit(_entryLock);

            var dist = new ExactDistance(this, s.Query);
            int cur = GreedyDescend(ref dist, ep, maxLevel, level, s);
            int top = Math.Min(level, maxLevel);
            for (int l = top; l >= 0; l--)
            {
                SearchBaseLayer(ref dist, cur, _efConstruction, l, s, skipDeleted: false);
                cur = ConnectNewElement(id, l, s);
            }
            for (int l = top; l >= 0; l--) AddBacklinks(id, l, s);
            if (holdingGlobal) Volatile.Write(ref _entry, Pack(id, level));
        }
        finally
        {
            if (Monitor.IsEntered(_entryLock)) Monitor.Exit(_entryLock);
        }
    }

    // ───────────────────────────── public API: adding ─────────────────────────────

    /// <summary>
    /// Adds one vector (ADD-POINT). See <see cref="IVectorIndex.Add"/>. With int8 quantisation and no quantiser yet,
    /// this vector alone sets its range (widened around it); prefer <see cref="AddRange"/> for the first batch, or
    /// <see cref="Rebuild"/> later to refit the range to all live vectors.
    /// </summary>
    public void Add(VectorLabel label, ReadOnlySpan<float> vector)
    {
        if (label.IsString && label.AsString!.Length == 0) throw new ArgumentException("Label must not be empty.", nameof(label));
        var s = GetScratch(_efConstruction);
        VectorMath.Prepare(_metric, _dim, vector, s.Query.AsSpan(0, _dim), nameof(vector));
        if (_quantized && Volatile.Read(ref _quantizer) is null)
        {
            lock (_entryLock) _quantizer ??= ScalarQuantizer.Train(s.Query.AsSpan(0, _dim), _dim, 1);
        }
        AddPrepared(label, s);
    }

    /// <summary>Adds a prepared vector (in <c>s.Query</c>): reserves an id, writes the block, links it.</summary>
    private void AddPrepared(VectorLabel label, Scratch s)
    {
        while (true)
        {
            _structure.EnterReadLock();
            int id = -1;
            try
            {
                lock (_labelLock)
                {
                    if (_labelToId.ContainsKey(label))
                        throw new ArgumentException($"Label '{label}' is already in the index; delete it first.", nameof(label));
                    if (_count < _capacity)
                    {
                        id = _count++;
                        _labelToId[label] = id;
                        _labels[id] = label;
                    }
                }
                if (id >= 0)
                {
                    var q = s.Query.AsSpan(0, _dim);
                    q.CopyTo(MemoryMarshal.CreateSpan(ref FloatVector(_floatStore, id), _dim));
                    if (_quantized) _quantizer!.Encode(q, MemoryMarshal.CreateSpan(ref Codes(_level0, id), _dim));
                    Volatile.Write(ref _written[id], 1);   // publishes the vector to TryGetVector
                    Insert(id, s);
                    return;
                }
            }
            finally { _structure.ExitReadLock(); }
            EnsureCapacity(Volatile.Read(ref _count) + 1);
        }
    }

    /// <summary>
    /// Adds many vectors, building in parallel (Parallel.For over points; per-node locks). Every vector and label is
    /// validated first, so a bad one leaves the index unchanged. With int8 quantisation the first batch trains the
    /// quantiser.
    /// </summary>
    public void AddRange(IReadOnlyList<VectorLabel> labels, IReadOnlyList<float[]> vectors, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(vectors);
        if (labels.Count != vectors.Count) throw new ArgumentException($"{labels.Count} labels but {vectors.Count} vectors.", nameof(vectors));
        int n = labels.Count;
        if (n == 0) return;
        // Validate everything first, without keeping a prepared copy of the batch (it would double peak memory):
        // each vector is prepared again, into per-thread scratch, when it is inserted.
        var buffer = new float[_dim];
        var seen = new HashSet<VectorLabel>(n);
        ScalarQuantizer.Trainer? trainer = _quantized && Volatile.Read(ref _quantizer) is null ? new ScalarQuantizer.Trainer(_dim) : null;
        for (int i = 0; i < n; i++)
        {
            var label = labels[i];
            if (label.IsString && label.AsString!.Length == 0) throw new ArgumentException($"Label {i} is empty.", nameof(labels));
            if (!seen.Add(label)) throw new ArgumentException($"Label '{label}' appears twice in the batch.", nameof(labels));
            if (vectors[i] is null) throw new ArgumentException($"Vector {i} is null.", nameof(vectors));
            try { VectorMath.Prepare(_metric, _dim, vectors[i], buffer, nameof(vectors)); }
            catch (ArgumentException e) { throw new ArgumentException($"Vector {i} (label '{label}'): {e.Message}", nameof(vectors), e); }
            trainer?.Add(buffer);
        }
        lock (_labelLock)
        {
            foreach (var label in labels)
                if (_labelToId.ContainsKey(label)) throw new ArgumentException($"Label '{label}' is already in the index; delete it first.", nameof(labels));
        }
        if (_quantized && Volatile.Read(ref _quantizer) is null)
        {
            lock (_entryLock) _quantizer ??= trainer!.Build();
        }
        EnsureCapacity(Volatile.Read(ref _count) + n);

        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism };
        Parallel.For(0, n, options, i =>
        {
            var s = GetScratch(_efConstruction);
            VectorMath.Prepare(_metric, _dim, vectors[i], s.Query.AsSpan(0, _dim), nameof(vectors));
            AddPrepared(labels[i], s);
        });
    }

    // ───────────────────────────── public API: searching ─────────────────────────────

    /// <summary>K-NN-SEARCH (algorithm 5): the <paramref name="k"/> nearest live vectors, closest first.</summary>
    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, int efSearch = 0)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        if (efSearch < 0) throw new ArgumentOutOfRangeException(nameof(efSearch), efSearch, "efSearch must be >= 0 (0 = default).");
        int ef = Math.Max(efSearch == 0 ? EfSearch : efSearch, k);
        var s = GetScratch(ef);
        VectorMath.Prepare(_metric, _dim, query, s.Query.AsSpan(0, _dim), nameof(query));
        _structure.EnterReadLock();
        try { return SearchKnn(s, k, ef); }
        finally { _structure.ExitReadLock(); }
    }

    private IReadOnlyList<VectorHit> SearchKnn(Scratch s, int k, int ef)
    {
        long entry = Volatile.Read(ref _entry);
        int ep = (int)entry, maxLevel = (int)(entry >> 32);
        if (ep < 0) return [];
        var top = s.Top;
        if (_quantized)
        {
            var qd = new QuantizedDistance(this, s.Query, s);
            int cur = GreedyDescend(ref qd, ep, maxLevel, 0, s);
            SearchBaseLayer(ref qd, cur, ef, 0, s, skipDeleted: true);
            // Exact re-rank of the ef candidates on the float vectors.
            var exact = new ExactDistance(this, s.Query);
            var items = top.Items;
            var work = s.Work;
            int n = items.Length;
            for (int i = 0; i < n; i++) work[i] = new Candidate(exact.Distance(items[i].Id), items[i].Id);
            top.Clear();
            for (int i = 0; i < n; i++)
            {
                top.Push(work[i].Distance, work[i].Id);
                if (top.Count > k) top.Pop();
            }
        }
        else
        {
            var dist = new ExactDistance(this, s.Query);
            int cur = GreedyDescend(ref dist, ep, maxLevel, 0, s);
            SearchBaseLayer(ref dist, cur, ef, 0, s, skipDeleted: true);
            while (top.Count > k) top.Pop();
        }
        return top.DrainNearestFirst(_labels);
    }

    /// <summary>See <see cref="IVectorIndex.SearchAmong"/>: one lookup of all the labels, then exact distances on the float vectors.</summary>
    public IReadOnlyList<VectorHit> SearchAmong(ReadOnlySpan<float> query, IReadOnlyList<VectorLabel> labels, int k)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        var q = new float[_dim];
        VectorMath.Prepare(_metric, _dim, query, q, nameof(query));
        var ids = new int[labels.Count];
        var n = 0;
        var top = new CandidateHeap(max: true);
        _structure.EnterReadLock();
        try
        {
            lock (_labelLock)
                foreach (var label in labels)
                    if (_labelToId.TryGetValue(label, out var id)) ids[n++] = id;
            var distance = new ExactDistance(this, q);
            // The papers are scattered over the store: keep the next few vectors on their way from memory.
            for (var i = 0; i < Math.Min(n, PrefetchAhead); i++) distance.Prefetch(ids[i]);
            for (var i = 0; i < n; i++)
            {
                var id = ids[i];
                if (i + PrefetchAhead < n) distance.Prefetch(ids[i + PrefetchAhead]);
                if (Volatile.Read(ref _written[id]) == 0) continue;   // still being added
                var d = distance.Distance(id);
                if (top.Count < k) top.Push(d, id);
                else if (d < top.Top.Distance) { top.Pop(); top.Push(d, id); }
            }
            return top.DrainNearestFirst(_labels);
        }
        finally { _structure.ExitReadLock(); }
    }

    // ───────────────────────────── public API: reading vectors ─────────────────────────────

    /// <summary>See <see cref="IVectorIndex.TryGetVector"/>: the float vector (exact, also under int8 quantisation).</summary>
    public bool TryGetVector(VectorLabel label, Span<float> destination)
    {
        if (destination.Length < _dim) throw new ArgumentException($"Destination holds {destination.Length} floats; this index's vectors have {_dim}.", nameof(destination));
        _structure.EnterReadLock();   // the arrays are not swapped by Grow while we read
        try
        {
            int id;
            lock (_labelLock)
            {
                if (!_labelToId.TryGetValue(label, out id)) return false;
            }
            // An add publishes the label before it writes the vector; until then the element has no vector to give.
            if (Volatile.Read(ref _written[id]) == 0) return false;
            MemoryMarshal.CreateReadOnlySpan(ref FloatVector(_floatStore, id), _dim).CopyTo(destination);
            return true;
        }
        finally { _structure.ExitReadLock(); }
    }

    /// <summary>See <see cref="IVectorIndex.SampleLabels"/>.</summary>
    public IReadOnlyList<VectorLabel> SampleLabels(int count, Random random)
    {
        _structure.EnterReadLock();
        try
        {
            lock (_labelLock)
            {
                var slots = SlotSampler.Draw(_count, _deleted, _count - _deletedCount, count, random);
                return slots.ConvertAll(slot => _labels[slot]);
            }
        }
        finally { _structure.ExitReadLock(); }
    }

    // ───────────────────────────── deleting and rebuilding ─────────────────────────────

    /// <summary>Tombstones <paramref name="label"/>: never returned again, still used for navigation until <see cref="Rebuild"/>.</summary>
    public bool Delete(VectorLabel label)
    {
        _structure.EnterReadLock();
        try
        {
            lock (_labelLock)
            {
                if (!_labelToId.Remove(label, out int id)) return false;
                Volatile.Write(ref _deleted[id], 1);
                _deletedCount++;
                return true;
            }
        }
        finally { _structure.ExitReadLock(); }
    }

    /// <summary>A new, compacted index holding only the live vectors (and, with int8, a quantiser refitted to them).</summary>
    public VectorIndex Rebuild(int maxDegreeOfParallelism = -1)
    {
        var labels = new List<VectorLabel>();
        var vectors = new List<float[]>();
        _structure.EnterReadLock();
        try
        {
            lock (_labelLock)
            {
                for (int id = 0; id < _count; id++)
                {
                    if (_deleted[id] != 0) continue;
                    labels.Add(_labels[id]);
                    vectors.Add(MemoryMarshal.CreateReadOnlySpan(ref FloatVector(_floatStore, id), _dim).ToArray());
                }
            }
        }
        finally { _structure.ExitReadLock(); }
        var fresh = new VectorIndex(Options with { InitialCapacity = Math.Max(labels.Count, 16) });
        fresh.AddRange(labels, vectors, maxDegreeOfParallelism);
        return fresh;
    }

    // ───────────────────────────── persistence ─────────────────────────────

    /// <summary>
    /// Writes the index to <paramref name="path"/> atomically. Body: base-layer blocks; float vectors, min and step
    /// (int8 only); levels; upper-link ints (count, then ints); tombstone bytes; labels; then the checksum.
    /// </summary>
    public void Save(string path)
    {
        _structure.EnterWriteLock(); // a consistent snapshot: no insert is half done
        try
        {
            int n = _count;
            long upperInts = 0;
            for (int i = 0; i < n; i++) upperInts += _upper[i]?.Length ?? 0;
            long total = IndexFile.HeaderSize + (long)n * _stride * 4 + (_quantized ? (long)n * _dim * 4 + 2L * _dim * 4 : 0)
                         + (long)n * 4 + 8 + upperInts * 4 + n + IndexFile.LabelsSize(_labels.AsSpan(0, n)) + IndexFile.TrailerSize;
            long entry = _entry;
            var header = new IndexFile.Header
            {
                Kind = IndexFile.KindHnsw, Metric = (byte)_metric, Quantization = (byte)Quantization,
                Dimensions = _dim, M = _m, EfConstruction = _efConstruction, EfSearch = _efSearch,
                Count = n, Deleted = _deletedCount, EntryPoint = (int)entry, MaxLevel = (int)(entry >> 32), TotalLength = total,
            };
            IndexFile.SaveAtomically(path, total, w =>
            {
                var h = new byte[IndexFile.HeaderSize];
                header.Write(h);
                w.Bytes(h);
                w.Ints(_level0.AsSpan(0, n * _stride));
                if (_quantized)
                {
                    w.Ints(_floatStore.AsSpan(0, n * _dim));
                    w.Floats(_quantizer?.Min ?? new float[_dim]);
                    w.Floats(_quantizer?.Step ?? new float[_dim]);
                }
                w.Ints(_levels.AsSpan(0, n));
                w.Int64(upperInts);
                for (int i = 0; i < n; i++) if (_upper[i] is { } u) w.Ints(u);
                w.Bytes(_deleted.AsSpan(0, n));
                w.Labels(_labels.AsSpan(0, n));
            });
        }
        finally { _structure.ExitWriteLock(); }
    }

    /// <summary>
    /// Loads an index written by <see cref="Save"/>. A truncated, altered or foreign file raises
    /// <see cref="VectorIndexCorruptException"/>; the checksum is verified before the index is returned, and the
    /// graph is checked for out-of-range links.
    /// </summary>
    public static VectorIndex Load(string path) => IndexFile.Load(path, r =>
    {
        var h = r.ReadHeader(IndexFile.KindHnsw);
        if (h.M < 2 || h.M > 256 || h.EfConstruction < 1 || h.EfSearch < 1) throw r.Corrupt("Header has impossible HNSW parameters.");
        var index = new VectorIndex(new VectorIndexOptions
        {
            Dimensions = h.Dimensions, Metric = (VectorMetric)h.Metric, M = h.M, EfConstruction = h.EfConstruction,
            EfSearch = h.EfSearch, Quantization = (VectorQuantization)h.Quantization, InitialCapacity = 0,
        });
        int n = h.Count;
        long level0Ints = (long)n * index._stride;
        r.Need(level0Ints * 4, "base layer");
        index.Grow(Math.Max(n, 16));
        r.Ints(index._level0.AsSpan(0, (int)level0Ints), "base layer");
        if (index._quantized)
        {
            r.Ints(index._floatStore.AsSpan(0, n * h.Dimensions), "float vectors");
            var min = new float[h.Dimensions];
            var step = new float[h.Dimensions];
            r.Floats(min, "quantiser min");
            r.Floats(step, "quantiser step");
            index._quantizer = n > 0 ? new ScalarQuantizer(min, step) : null; // an empty index trains on its first batch
        }
        r.Ints(index._levels.AsSpan(0, n), "levels");
        long upperInts = r.Int64("upper links");
        r.Need(upperInts * 4, "upper links");
        long expectedUpper = 0;
        for (int i = 0; i < n; i++)
        {
            int lv = index._levels[i];
            if (lv < 0 || lv > MaxLevelCap) throw r.Corrupt($"Element {i} has impossible level {lv}.");
            expectedUpper += (long)lv * index._upperStride;
        }
        if (expectedUpper != upperInts) throw r.Corrupt("Upper-link section size does not match the levels.");
        for (int i = 0; i < n; i++)
        {
            int lv = index._levels[i];
            if (lv == 0) continue;
            var u = new int[lv * index._upperStride];
            r.Ints(u, "upper links");
            index._upper[i] = u;
        }
        r.Need(n, "tombstones");
        r.Bytes(index._deleted.AsSpan(0, n));
        index._written.AsSpan(0, n).Fill(1);
        var labels = r.Labels(n, index._capacity);
        r.VerifyChecksum();

        // The bytes are what was written; now check that they form a valid graph.
        index._labels = labels;
        index._count = n;
        int deleted = 0;
        for (int i = 0; i < n; i++)
        {
            ref int block = ref index.Block(index._level0, i);
            block = 0; // node lock / version
            if (index._deleted[i] > 1) throw r.Corrupt($"Element {i} has an invalid tombstone flag.");
            if (index._deleted[i] != 0) { deleted++; continue; }
            if (!index._labelToId.TryAdd(labels[i], i)) throw r.Corrupt($"Label '{labels[i]}' is live twice.");
        }
        if (deleted != h.Deleted) throw r.Corrupt("Tombstone count does not match the header.");
        index._deletedCount = deleted;
        for (int i = 0; i < n; i++)
        {
            for (int level = 0; level <= index._levels[i]; level++)
            {
                ref int list = ref index.LinkList(i, level);
                int cap = level == 0 ? index._maxM0 : index._m;
                if (list < 0 || list > cap) throw r.Corrupt($"Element {i} has {list} links at level {level} (max {cap}).");
                for (int j = 1; j <= list; j++)
                {
                    int t = Unsafe.Add(ref list, j);
                    if ((uint)t >= (uint)n || index._levels[t] < level) throw r.Corrupt($"Element {i} links to invalid element {t} at level {level}.");
                }
            }
        }
        if (n == 0)
        {
            if (h.EntryPoint != -1) throw r.Corrupt("Empty index with an entry point.");
        }
        else
        {
            if ((uint)h.EntryPoint >= (uint)n || index._levels[h.EntryPoint] != h.MaxLevel) throw r.Corrupt("Invalid entry point.");
            for (int i = 0; i < n; i++) if (index._levels[i] > h.MaxLevel) throw r.Corrupt("An element is above the max level.");
            index._entry = Pack(h.EntryPoint, h.MaxLevel);
        }
        if (index._quantized && n > 0)
        {
            foreach (var v in index._quantizer!.Step) if (!float.IsFinite(v) || v < 0) throw r.Corrupt("Invalid quantiser step.");
        }
        return index;
    });

    public void Dispose() => _structure.Dispose();
}
