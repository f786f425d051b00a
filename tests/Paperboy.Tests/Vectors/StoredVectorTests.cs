using Paperboy.Search.Vectors;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Vectors;

/// <summary>Reading vectors back by label and sampling live labels, on both index kinds.</summary>
public sealed class StoredVectorTests
{
    private const int N = 600, Dim = 32;
    private static readonly float[][] Data = VectorData.Clustered(N, Dim, clusters: 12, seed: 7);
    private static readonly VectorLabel[] Labels = VectorData.Labels(N);

    public static TheoryData<string> Kinds => ["flat", "hnsw", "hnsw-int8"];

    private static IVectorIndex Build(string kind, VectorMetric metric, int count = N)
    {
        IVectorIndex index = kind switch
        {
            "flat" => new FlatVectorIndex(Dim, metric),
            "hnsw" => new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = metric, EfConstruction = 64 }),
            _ => new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = metric, EfConstruction = 64, Quantization = VectorQuantization.Int8 }),
        };
        index.AddRange(Labels.Take(count).ToArray(), Data.Take(count).ToArray());
        return index;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_stored_vector_reads_back_exactly_and_unit_length_under_cosine(string kind)
    {
        var l2 = Build(kind, VectorMetric.L2);
        var cosine = Build(kind, VectorMetric.Cosine);
        var v = new float[Dim];
        foreach (var i in new[] { 0, 1, 299, N - 1 })
        {
            Assert.True(l2.TryGetVector(Labels[i], v));
            Assert.Equal(Data[i], v);
            Assert.True(cosine.TryGetVector(Labels[i], v));
            var norm = MathF.Sqrt(Data[i].Sum(x => x * x));
            for (int d = 0; d < Dim; d++) Assert.Equal(Data[i][d] / norm, v[d], 1e-5f);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Unknown_and_deleted_labels_have_no_vector(string kind)
    {
        var index = Build(kind, VectorMetric.Cosine);
        var v = new float[Dim];
        Assert.False(index.TryGetVector("no-such-paper", v));
        Assert.True(index.Delete(Labels[5]));
        Assert.False(index.TryGetVector(Labels[5], v));
        Assert.True(index.TryGetVector(Labels[6], v));
        Assert.Throws<ArgumentException>(() => index.TryGetVector(Labels[6], new float[Dim - 1]));
    }

    [Theory]
    [InlineData("flat")]
    [InlineData("hnsw")]
    public void Vectors_survive_save_and_load(string kind)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "v.idx");
        var index = Build(kind, VectorMetric.L2);
        index.Delete(Labels[3]);
        index.Save(path);
        IVectorIndex loaded = kind == "flat" ? FlatVectorIndex.Load(path) : VectorIndex.Load(path);
        var v = new float[Dim];
        Assert.False(loaded.TryGetVector(Labels[3], v));
        Assert.True(loaded.TryGetVector(Labels[4], v));
        Assert.Equal(Data[4], v);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_sample_is_distinct_live_labels_and_the_same_for_the_same_seed(string kind)
    {
        var index = Build(kind, VectorMetric.Cosine);
        var deleted = Labels.Where((_, i) => i % 3 == 0).ToHashSet();
        foreach (var l in deleted) index.Delete(l);

        var sample = index.SampleLabels(50, new Random(11));
        Assert.Equal(50, sample.Count);
        Assert.Equal(50, sample.Distinct().Count());
        Assert.DoesNotContain(sample, deleted.Contains);
        Assert.Equal(sample, index.SampleLabels(50, new Random(11)));
        Assert.NotEqual(sample, index.SampleLabels(50, new Random(12)));

        // Most of the live labels (the dense path) and more than there are (all of them).
        var most = index.SampleLabels(350, new Random(3));
        Assert.Equal(350, most.Distinct().Count());
        Assert.DoesNotContain(most, deleted.Contains);
        var all = index.SampleLabels(10_000, new Random(3));
        Assert.Equal(Labels.Where(l => !deleted.Contains(l)).ToHashSet(), all.ToHashSet());
        Assert.Empty(index.SampleLabels(0, new Random(3)));
    }

    [Fact]
    public void Samples_are_uniform_over_the_live_labels()
    {
        var index = Build("hnsw", VectorMetric.Cosine, count: 100);
        var counts = new Dictionary<VectorLabel, int>();
        var rng = new Random(5);
        const int draws = 3000;
        for (int i = 0; i < draws; i++)
            foreach (var l in index.SampleLabels(10, rng)) counts[l] = counts.GetValueOrDefault(l) + 1;
        Assert.Equal(100, counts.Count);
        // Each label is drawn with probability 0.1 per sample: 300 expected, sd ≈ 16.
        Assert.All(counts.Values, c => Assert.InRange(c, 220, 380));
    }

    [Fact]
    public async Task Vectors_read_during_concurrent_inserts_are_whole()
    {
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = VectorMetric.L2, EfConstruction = 32, InitialCapacity = 16 });
        var big = VectorData.Clustered(4000, Dim, clusters: 20, seed: 9);
        var labels = VectorData.Labels(big.Length);
        int next = 0, reads = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Writer()
        {
            for (int i; (i = Interlocked.Increment(ref next) - 1) < big.Length;) index.Add(labels[i], big[i]);
        }
        void Reader(int seed)
        {
            var rng = new Random(seed);
            var v = new float[Dim];
            while (Volatile.Read(ref next) < big.Length)
            {
                // Mostly labels at the frontier: just published, perhaps not yet written.
                int i = Math.Max(0, Volatile.Read(ref next) - 1 - rng.Next(4));
                if (!index.TryGetVector(labels[i], v)) continue;
                Interlocked.Increment(ref reads);
                if (!v.AsSpan().SequenceEqual(big[i])) errors.Enqueue($"vector of {labels[i]} read torn or empty");
            }
        }
        Task Start(Action work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(Start(Writer), Start(Writer), Start(() => Reader(1)), Start(() => Reader(2)));
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
        Assert.True(reads > 100, $"only {reads} reads");
        Assert.Equal(big.Length, index.Count);
    }
}
