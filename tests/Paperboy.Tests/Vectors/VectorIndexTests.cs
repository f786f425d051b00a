using Paperboy.Search.Vectors;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Vectors;

/// <summary>One shared 5,000 × 64 clustered corpus per metric, built once for the class.</summary>
public sealed class VectorCorpusFixture
{
    public const int N = 5000, Dim = 64, K = 10, Ef = 64;
    public float[][] Data { get; } = VectorData.Clustered(N, Dim, clusters: 50, seed: 1);
    public float[][] Queries { get; } = VectorData.Clustered(200, Dim, clusters: 50, seed: 1).Select((_, i) => VectorData.Clustered(1, Dim, 50, 1000 + i)[0]).ToArray();
    public VectorLabel[] Labels { get; } = VectorData.Labels(N);

    private readonly Dictionary<VectorMetric, FlatVectorIndex> _truth = new();
    private readonly Dictionary<(VectorMetric, VectorQuantization), VectorIndex> _indexes = new();
    private readonly object _gate = new();

    public VectorCorpusFixture()
    {
        // Queries come from the same cluster centres as the data (seed 1) plus fresh noise.
        var rng = new Random(7);
        Queries = Enumerable.Range(0, 200).Select(i => Data[rng.Next(N)].Select(x => x + 0.2f * VectorData.Gaussian(rng)).ToArray()).ToArray();
    }

    public FlatVectorIndex Truth(VectorMetric metric)
    {
        lock (_gate)
        {
            if (!_truth.TryGetValue(metric, out var flat))
            {
                flat = new FlatVectorIndex(Dim, metric, N);
                flat.AddRange(Labels, Data);
                _truth[metric] = flat;
            }
            return flat;
        }
    }

    public VectorIndex Index(VectorMetric metric, VectorQuantization quantization = VectorQuantization.None)
    {
        lock (_gate)
        {
            if (!_indexes.TryGetValue((metric, quantization), out var index))
            {
                index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = metric, Quantization = quantization, InitialCapacity = N });
                index.AddRange(Labels, Data);
                _indexes[(metric, quantization)] = index;
            }
            return index;
        }
    }
}

public sealed class VectorIndexTests : IClassFixture<VectorCorpusFixture>
{
    private const int Dim = VectorCorpusFixture.Dim;
    private readonly VectorCorpusFixture _c;

    public VectorIndexTests(VectorCorpusFixture corpus) => _c = corpus;

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.InnerProduct)]
    public void Recall_at_10_is_at_least_95_percent_at_ef_64(VectorMetric metric)
    {
        var index = _c.Index(metric);
        Assert.Equal(VectorCorpusFixture.N, index.Count);
        double recall = VectorData.Recall(index, _c.Truth(metric), _c.Queries, 10, 64);
        Assert.True(recall >= 0.95, $"recall@10 = {recall:F4} for {metric}");
    }

    [Fact]
    public void Results_are_sorted_and_distances_match_the_metric()
    {
        var index = _c.Index(VectorMetric.L2);
        var q = _c.Queries[0];
        var hits = index.Search(q, 10);
        Assert.Equal(10, hits.Count);
        for (int i = 1; i < hits.Count; i++) Assert.True(hits[i - 1].Distance <= hits[i].Distance);
        var top = hits[0];
        int id = int.Parse(top.Label.AsString!["paper-".Length..]);
        float expected = _c.Data[id].Zip(q, (a, b) => (a - b) * (a - b)).Sum();
        Assert.Equal(expected, top.Distance, 3);
        // A stored vector finds itself first.
        Assert.Equal(_c.Labels[42], index.Search(_c.Data[42], 1)[0].Label);
    }

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    public void Int8_quantised_recall_is_close_to_float(VectorMetric metric)
    {
        var truth = _c.Truth(metric);
        double fp = VectorData.Recall(_c.Index(metric), truth, _c.Queries, 10, 64);
        var q8 = _c.Index(metric, VectorQuantization.Int8);
        double i8 = VectorData.Recall(q8, truth, _c.Queries, 10, 64);
        Assert.True(i8 >= 0.93 && i8 >= fp - 0.03, $"int8 recall {i8:F4} vs float {fp:F4}");
        // The re-rank makes the reported distances exact.
        var hit = q8.Search(_c.Queries[3], 1)[0];
        var exact = truth.Search(_c.Queries[3], 1)[0];
        if (hit.Label == exact.Label) Assert.Equal(exact.Distance, hit.Distance, 4);
        Assert.True(q8.VectorAndLinkBytes > 0);
    }

    [Fact]
    public void Multi_threaded_build_reaches_recall_95()
    {
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = VectorMetric.L2 });
        index.AddRange(_c.Labels, _c.Data, maxDegreeOfParallelism: 4); // grows from the default capacity while building
        Assert.Equal(VectorCorpusFixture.N, index.Count);
        double recall = VectorData.Recall(index, _c.Truth(VectorMetric.L2), _c.Queries, 10, 64);
        Assert.True(recall >= 0.95, $"recall@10 = {recall:F4}");
    }

    [Theory]
    [InlineData(VectorMetric.L2, VectorQuantization.None)]
    [InlineData(VectorMetric.Cosine, VectorQuantization.Int8)]
    public void Nearest_among_given_labels_is_exact_and_passes_over_deleted_and_unknown_ones(VectorMetric metric, VectorQuantization quantization)
    {
        var data = _c.Data.Take(1000).ToArray();
        var labels = _c.Labels.Take(1000).ToArray();
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = metric, Quantization = quantization });
        index.AddRange(labels, data);
        var flat = new FlatVectorIndex(Dim, metric);
        flat.AddRange(labels, data);
        for (var i = 0; i < 1000; i += 10) { index.Delete(labels[i]); flat.Delete(labels[i]); }
        var among = labels.Where((_, i) => i % 4 == 0).Append(new VectorLabel("unknown")).ToList();
        var allowed = among.ToHashSet();
        foreach (var q in _c.Queries.Take(20))
        {
            // The exact answer: every live vector ranked, then only the given labels kept.
            var expected = flat.Search(q, 1000).Where(h => allowed.Contains(h.Label)).Take(10).ToList();
            foreach (var actual in new[] { index.SearchAmong(q, among, 10), flat.SearchAmong(q, among, 10) })
            {
                Assert.Equal(expected.Select(h => h.Label), actual.Select(h => h.Label));
                Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Distance, p.Second.Distance, 3));
            }
        }
    }

    [Fact]
    public void Tombstoned_labels_are_never_returned_and_rebuild_compacts()
    {
        var data = _c.Data.Take(2000).ToArray();
        var labels = _c.Labels.Take(2000).ToArray();
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = VectorMetric.Cosine, EfConstruction = 100 });
        index.AddRange(labels, data, 2);
        var flat = new FlatVectorIndex(Dim, VectorMetric.Cosine);
        flat.AddRange(labels, data);
        var deleted = new HashSet<VectorLabel>();
        for (int i = 0; i < 2000; i += 3) { Assert.True(index.Delete(labels[i])); flat.Delete(labels[i]); deleted.Add(labels[i]); }
        Assert.False(index.Delete(labels[0]));
        Assert.False(index.Contains(labels[0]));
        Assert.Equal(2000 - deleted.Count, index.Count);

        foreach (var q in _c.Queries.Concat(data.Where((_, i) => i % 3 == 0).Take(100)))
        {
            var hits = index.Search(q, 10, 64);
            Assert.Equal(10, hits.Count);
            Assert.DoesNotContain(hits, h => deleted.Contains(h.Label));
        }
        Assert.True(VectorData.Recall(index, flat, _c.Queries, 10, 64) >= 0.9);

        using var compact = index.Rebuild();
        Assert.Equal(index.Count, compact.Count);
        Assert.Equal(compact.Count, compact.TotalCount);
        Assert.Equal(0, compact.DeletedCount);
        Assert.True(VectorData.Recall(compact, flat, _c.Queries, 10, 64) >= 0.95);

        // A deleted label may be added again (a new element); the old vector stays hidden.
        index.Add(labels[0], data[0]);
        Assert.Equal(labels[0], index.Search(data[0], 1)[0].Label);
    }

    [Theory]
    [InlineData(VectorQuantization.None)]
    [InlineData(VectorQuantization.Int8)]
    public void Save_and_load_round_trip_gives_identical_results(VectorQuantization quantization)
    {
        using var dir = new TempDir();
        var path = dir.File("index.pbv");
        var index = _c.Index(VectorMetric.Cosine, quantization);
        index.Save(path);
        using var loaded = VectorIndex.Load(path);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.MaxLevel, loaded.MaxLevel);
        Assert.Equal(quantization, loaded.Quantization);
        foreach (var q in _c.Queries.Take(50))
        {
            var a = index.Search(q, 10, 48);
            var b = loaded.Search(q, 10, 48);
            Assert.Equal(a, b);
        }
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));
        // Loaded indexes keep accepting inserts.
        loaded.Add("new-paper", _c.Queries[0]);
        Assert.Equal("new-paper", loaded.Search(_c.Queries[0], 1)[0].Label.AsString);
    }

    [Fact]
    public void Long_labels_and_tombstones_survive_save_and_load()
    {
        using var dir = new TempDir();
        var path = dir.File("long.pbv");
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = VectorMetric.L2, EfConstruction = 64 });
        for (int i = 0; i < 300; i++) index.Add((long)i * 1_000_000_007L, _c.Data[i]);
        index.Delete(5L * 1_000_000_007L);
        index.Save(path);
        using var loaded = VectorIndex.Load(path);
        Assert.Equal(299, loaded.Count);
        Assert.Equal(1, loaded.DeletedCount);
        Assert.Equal(7L * 1_000_000_007L, loaded.Search(_c.Data[7], 1)[0].Label.AsLong);
        Assert.DoesNotContain(loaded.Search(_c.Data[5], 10), h => h.Label == 5L * 1_000_000_007L);
    }

    [Fact]
    public void Truncated_and_altered_files_are_reported_as_corrupt()
    {
        using var dir = new TempDir();
        var path = dir.File("good.pbv");
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = 16, Metric = VectorMetric.Cosine, EfConstruction = 32, M = 8 });
        var data = VectorData.Clustered(500, 16, 5, 3);
        index.AddRange(VectorData.Labels(500), data);
        index.Save(path);
        var bytes = File.ReadAllBytes(path);

        var bad = dir.File("bad.pbv");
        foreach (int cut in new[] { 0, 10, 63, 64, 1000, bytes.Length / 2, bytes.Length - 9, bytes.Length - 1 })
        {
            File.WriteAllBytes(bad, bytes[..cut]);
            var e = Assert.Throws<VectorIndexCorruptException>(() => VectorIndex.Load(bad));
            Assert.Contains("bad.pbv", e.Message);
        }
        var rng = new Random(11);
        var positions = new[] { 0, 9, 12, 20, 33, 40, 50, 70, 500, bytes.Length / 2, bytes.Length - 20, bytes.Length - 3 }
            .Concat(Enumerable.Range(0, 20).Select(_ => rng.Next(bytes.Length)));
        foreach (int pos in positions)
        {
            var copy = (byte[])bytes.Clone();
            copy[pos] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(bad, copy);
            Assert.Throws<VectorIndexCorruptException>(() => VectorIndex.Load(bad));
        }
        File.WriteAllBytes(bad, [.. bytes, 0]);
        Assert.Throws<VectorIndexCorruptException>(() => VectorIndex.Load(bad));
        File.WriteAllText(bad, "definitely not an index, just some text that is long enough to have a header........");
        Assert.Throws<VectorIndexCorruptException>(() => VectorIndex.Load(bad));
        // A flat index file is not an HNSW file, and vice versa.
        Assert.Throws<VectorIndexCorruptException>(() => FlatVectorIndex.Load(path));
        // The good file still loads.
        using var ok = VectorIndex.Load(path);
        Assert.Equal(500, ok.Count);
    }

    [Fact]
    public void Wrong_dimension_and_non_finite_vectors_are_rejected_and_the_index_is_unchanged()
    {
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = VectorMetric.Cosine, EfConstruction = 64 });
        index.AddRange(_c.Labels.Take(200).ToArray(), _c.Data.Take(200).ToArray());
        var before = index.Search(_c.Queries[1], 10);

        var nan = (float[])_c.Data[300].Clone(); nan[7] = float.NaN;
        var inf = (float[])_c.Data[301].Clone(); inf[0] = float.PositiveInfinity;
        var ex = Assert.Throws<ArgumentException>(() => index.Add("x1", new float[Dim + 1]));
        Assert.Contains("dimensions", ex.Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => index.Add("x2", nan)).Message);
        Assert.Throws<ArgumentException>(() => index.Add("x3", inf));
        Assert.Throws<ArgumentException>(() => index.Add("x4", new float[Dim])); // zero vector under cosine
        Assert.Throws<ArgumentException>(() => index.Add(_c.Labels[0], _c.Data[400])); // label already live
        var batchLabels = new VectorLabel[] { "ok-1", "ok-2", "bad" };
        Assert.Throws<ArgumentException>(() => index.AddRange(batchLabels, [_c.Data[500], _c.Data[501], nan]));
        Assert.Throws<ArgumentException>(() => index.AddRange(["ok-1", "ok-1"], [_c.Data[500], _c.Data[501]]));
        Assert.Throws<ArgumentException>(() => index.Search(new float[Dim - 1], 10));
        Assert.Throws<ArgumentException>(() => index.Search(nan, 10));

        Assert.Equal(200, index.Count);
        Assert.Equal(200, index.TotalCount);
        Assert.False(index.Contains("ok-1"));
        Assert.Equal(before, index.Search(_c.Queries[1], 10));

        var flat = new FlatVectorIndex(Dim, VectorMetric.L2);
        flat.Add("a", _c.Data[0]);
        Assert.Throws<ArgumentException>(() => flat.Add("b", nan));
        Assert.Throws<ArgumentException>(() => flat.Add("c", new float[3]));
        Assert.Equal(1, flat.Count);
    }

    [Fact]
    public async Task Concurrent_inserts_and_searches_stay_valid()
    {
        using var index = new VectorIndex(new VectorIndexOptions { Dimensions = Dim, Metric = VectorMetric.L2, EfConstruction = 64, InitialCapacity = 16 });
        index.AddRange(_c.Labels.Take(100).ToArray(), _c.Data.Take(100).ToArray());
        int next = 100;
        long deadlineTicks = long.MaxValue;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Dedicated threads that all start before the clock does: under a loaded test run, thread-pool tasks could
        // otherwise be starved past the deadline and the test would measure the scheduler, not the index.
        using var start = new Barrier(4, _ => Volatile.Write(ref deadlineTicks, DateTime.UtcNow.AddSeconds(1.5).Ticks));
        int searches = 0;
        bool Running() => DateTime.UtcNow.Ticks < Volatile.Read(ref deadlineTicks);

        void Writer()
        {
            start.SignalAndWait();
            while (Running())
            {
                int i = Interlocked.Increment(ref next) - 1;
                if (i >= VectorCorpusFixture.N) return;
                index.Add(_c.Labels[i], _c.Data[i]);
                if (i % 50 == 0) index.Delete(_c.Labels[i - 25]);
            }
        }
        void Reader(int seed)
        {
            var rng = new Random(seed);
            start.SignalAndWait();
            while (Running())
            {
                var q = _c.Queries[rng.Next(_c.Queries.Length)];
                var hits = index.Search(q, 10, 32);
                Interlocked.Increment(ref searches);
                if (hits.Count != 10) errors.Enqueue($"got {hits.Count} hits");
                if (hits.Select(h => h.Label).Distinct().Count() != hits.Count) errors.Enqueue("duplicate label in results");
                for (int j = 1; j < hits.Count; j++)
                    if (hits[j - 1].Distance > hits[j].Distance) errors.Enqueue("results not sorted");
                foreach (var h in hits)
                {
                    int id = int.Parse(h.Label.AsString!["paper-".Length..]);
                    float exact = _c.Data[id].Zip(q, (a, b) => (a - b) * (a - b)).Sum();
                    if (Math.Abs(exact - h.Distance) > 1e-3f * Math.Max(1f, exact)) errors.Enqueue($"distance of {h.Label} is {h.Distance}, expected {exact}");
                }
            }
        }

        Task Start(Action work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var tasks = new[] { Start(Writer), Start(Writer), Start(() => Reader(1)), Start(() => Reader(2)) };
        await Task.WhenAll(tasks);
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Distinct().Take(20)) + $" total={index.TotalCount} maxlevel={index.MaxLevel}");
        Assert.True(searches > 10, $"only {searches} searches ran");
        int inserted = Math.Min(Volatile.Read(ref next), VectorCorpusFixture.N);
        Assert.True(index.TotalCount >= 200, $"only {index.TotalCount} inserted");

        // The graph built under contention is still good.
        var truth = new FlatVectorIndex(Dim, VectorMetric.L2);
        var live = Enumerable.Range(0, index.TotalCount).Where(i => index.Contains(_c.Labels[i])).ToArray();
        truth.AddRange(live.Select(i => _c.Labels[i]).ToArray(), live.Select(i => _c.Data[i]).ToArray());
        double recall = VectorData.Recall(index, truth, _c.Queries.Take(100).ToArray(), 10, 64);
        Assert.True(recall >= 0.9, $"recall after concurrent build {recall:F4} ({inserted} inserted)");
    }

    [Fact]
    public void Flat_index_is_exact_and_round_trips()
    {
        using var dir = new TempDir();
        var flat = new FlatVectorIndex(Dim, VectorMetric.L2);
        flat.AddRange(_c.Labels.Take(1000).ToArray(), _c.Data.Take(1000).ToArray());
        var q = _c.Queries[5];
        var expected = Enumerable.Range(0, 1000)
            .Select(i => (Label: _c.Labels[i], D: _c.Data[i].Zip(q, (a, b) => (a - b) * (a - b)).Sum()))
            .OrderBy(t => t.D).Take(10).Select(t => t.Label).ToArray();
        Assert.Equal(expected, flat.Search(q, 10).Select(h => h.Label).ToArray());
        flat.Delete(expected[0]);
        Assert.DoesNotContain(flat.Search(q, 10), h => h.Label == expected[0]);
        var path = dir.File("flat.pbv");
        flat.Save(path);
        var loaded = FlatVectorIndex.Load(path);
        Assert.Equal(flat.Search(q, 10), loaded.Search(q, 10));
        Assert.Equal(999, loaded.Rebuild().Count);
        var bytes = File.ReadAllBytes(path);
        bytes[100] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.Throws<VectorIndexCorruptException>(() => FlatVectorIndex.Load(path));
    }

    [Fact]
    public void Per_query_ef_is_honoured_and_empty_index_returns_nothing()
    {
        using var empty = new VectorIndex(new VectorIndexOptions { Dimensions = 4, Metric = VectorMetric.L2 });
        Assert.Empty(empty.Search([1f, 2f, 3f, 4f], 5));
        empty.Add(1L, [1f, 2f, 3f, 4f]);
        Assert.Single(empty.Search([1f, 2f, 3f, 4f], 5));

        var index = _c.Index(VectorMetric.L2);
        var truth = _c.Truth(VectorMetric.L2);
        double low = VectorData.Recall(index, truth, _c.Queries, 10, 10);
        double high = VectorData.Recall(index, truth, _c.Queries, 10, 256);
        Assert.True(high >= low && high >= 0.99, $"ef=10: {low:F4}, ef=256: {high:F4}");
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(_c.Queries[0], 0));
    }
}
