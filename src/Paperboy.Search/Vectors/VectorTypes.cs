namespace Paperboy.Search.Vectors;

/// <summary>How two vectors are compared. Every index reports a distance: smaller is closer.</summary>
public enum VectorMetric : byte
{
    /// <summary>Squared Euclidean distance.</summary>
    L2 = 1,
    /// <summary>1 - dot(a, b); vectors are stored as given.</summary>
    InnerProduct = 2,
    /// <summary>1 - cos(a, b); vectors (and queries) are L2-normalised on the way in.</summary>
    Cosine = 3,
}

/// <summary>How vectors are held for graph traversal.</summary>
public enum VectorQuantization : byte
{
    /// <summary>float32 only.</summary>
    None = 0,
    /// <summary>
    /// Per-dimension min/max int8 (unsigned byte) codes are used for traversal; the float vectors are kept too and
    /// the ef candidates are re-ranked exactly.
    /// </summary>
    Int8 = 1,
}

/// <summary>Parameters of an HNSW <see cref="VectorIndex"/>.</summary>
public sealed record VectorIndexOptions
{
    public required int Dimensions { get; init; }
    public VectorMetric Metric { get; init; } = VectorMetric.Cosine;
    /// <summary>Links per node on the upper layers; the base layer holds 2*M.</summary>
    public int M { get; init; } = 16;
    public int EfConstruction { get; init; } = 200;
    /// <summary>Default ef for queries; each query may override it.</summary>
    public int EfSearch { get; init; } = 64;
    public VectorQuantization Quantization { get; init; } = VectorQuantization.None;
    /// <summary>Elements to reserve room for up front (the index grows by doubling past it).</summary>
    public int InitialCapacity { get; init; } = 1024;
    /// <summary>Seed of the level generator; levels are a pure function of (seed, internal id).</summary>
    public ulong Seed { get; init; } = 0x5EED_2024UL;

    internal void Validate()
    {
        if (Dimensions <= 0) throw new ArgumentOutOfRangeException(nameof(Dimensions), Dimensions, "Dimensions must be positive.");
        if (!Enum.IsDefined(Metric)) throw new ArgumentOutOfRangeException(nameof(Metric), Metric, "Unknown metric.");
        if (!Enum.IsDefined(Quantization)) throw new ArgumentOutOfRangeException(nameof(Quantization), Quantization, "Unknown quantization.");
        if (M < 2 || M > 256) throw new ArgumentOutOfRangeException(nameof(M), M, "M must be in [2, 256].");
        if (EfConstruction < 1) throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, "EfConstruction must be positive.");
        if (EfSearch < 1) throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "EfSearch must be positive.");
        if (InitialCapacity < 0) throw new ArgumentOutOfRangeException(nameof(InitialCapacity));
    }
}

/// <summary>One search result: the external label and its distance to the query (smaller is closer).</summary>
public readonly record struct VectorHit(VectorLabel Label, float Distance);

/// <summary>A file that is not a valid index: truncated, altered, or of an unknown format.</summary>
public sealed class VectorIndexCorruptException : IOException
{
    public string? FilePath { get; }

    public VectorIndexCorruptException(string message, string? filePath = null, Exception? inner = null)
        : base(filePath is null ? message : $"{message} (file: {filePath})", inner) => FilePath = filePath;
}

/// <summary>What both the HNSW index and the exact flat index offer.</summary>
public interface IVectorIndex
{
    int Dimensions { get; }
    VectorMetric Metric { get; }
    /// <summary>Live (not deleted) vectors.</summary>
    int Count { get; }

    /// <summary>Adds one vector. Throws <see cref="ArgumentException"/> (index unchanged) for a wrong dimension,
    /// NaN/Infinity, a zero vector under cosine, or a label that is already live.</summary>
    void Add(VectorLabel label, ReadOnlySpan<float> vector);

    /// <summary>Adds many vectors; all are validated before any is added.</summary>
    void AddRange(IReadOnlyList<VectorLabel> labels, IReadOnlyList<float[]> vectors, int maxDegreeOfParallelism = -1);

    /// <summary>The k nearest live vectors, closest first. <paramref name="efSearch"/> 0 means the index default.</summary>
    IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, int efSearch = 0);

    /// <summary>
    /// The <paramref name="k"/> nearest of <paramref name="labels"/>, closest first, by exact distance; labels that are
    /// not live are passed over. For a search under a filter that leaves few vectors.
    /// </summary>
    IReadOnlyList<VectorHit> SearchAmong(ReadOnlySpan<float> query, IReadOnlyList<VectorLabel> labels, int k);

    /// <summary>Tombstones a label; false when it was not live.</summary>
    bool Delete(VectorLabel label);

    bool Contains(VectorLabel label);

    /// <summary>Copies the stored form of a live label's vector (unit length under cosine) into
    /// <paramref name="destination"/> (at least <see cref="Dimensions"/> long); false when the label is not live, or
    /// is still being added by another thread. Safe alongside concurrent adds, deletes and searches.</summary>
    bool TryGetVector(VectorLabel label, Span<float> destination);

    /// <summary>Up to <paramref name="count"/> distinct live labels drawn uniformly at random from
    /// <paramref name="random"/>; all of them (in insertion order) when fewer are live. The same seed over the same
    /// index draws the same labels.</summary>
    IReadOnlyList<VectorLabel> SampleLabels(int count, Random random);

    /// <summary>Writes the index to one file atomically (temp file, fsync, rename).</summary>
    void Save(string path);
}
