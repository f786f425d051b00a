using Paperboy.Core.Import;
using Paperboy.Search.Embedding;
using Paperboy.Search.Semantic;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Semantic;

/// <summary>The semantic index over both vector index kinds: search, persistence, corrupt files, bad embedders.</summary>
public sealed class SemanticIndexTests
{
    private static readonly Lazy<List<(string Id, string Text)>> Papers = new(() =>
        TestData.SeedPages.SelectMany(f => HfPageReader.Read(ImportSource.FromFile(f), new DateOnly(2026, 1, 1)))
            .GroupBy(p => p.Id).Select(g => (g.Key, EmbedderText.Of(g.First().Title, g.First().Abstract))).ToList());

    private static readonly Lazy<LsaModel> Lsa = new(() => LsaModel.Train(Papers.Value.Select(p => p.Text).ToList()));

    private static async Task<SemanticIndex> Built(string dir, int flatLimit, List<string>? warnings = null)
    {
        var index = new SemanticIndex(dir, warn: warnings is null ? null : warnings.Add, flatLimit: flatLimit);
        index.Reset(Lsa.Value, Papers.Value.Count, Papers.Value.Count);
        await index.ApplyAsync(Papers.Value, [], 42);
        return index;
    }

    [Theory]
    [InlineData(100_000, "flat")]
    [InlineData(10, "hnsw")]
    public async Task Each_paper_is_its_own_nearest_neighbour(int flatLimit, string kind)
    {
        using var dir = new TempDir();
        using var index = await Built(dir.Path, flatLimit);
        Assert.Equal(kind, index.Kind);
        Assert.Equal(Papers.Value.Count, index.Count);
        var misses = 0;
        foreach (var (id, text) in Papers.Value)
        {
            var v = await index.EmbedAsync(text);
            if (index.Search(v!, 1)[0].Id != id) misses++;
        }
        Assert.True(misses <= 2, $"{misses} papers were not their own nearest neighbour");
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(10)]
    public async Task Nearest_among_some_papers_is_the_exact_ranking_of_just_those(int flatLimit)
    {
        using var dir = new TempDir();
        using var index = await Built(dir.Path, flatLimit);
        var query = (await Lsa.Value.EmbedAsync(["graph anomaly detection"]))[0]!;
        // Every third paper, an unknown id, and (by the ranking of all) the papers nearest overall left out.
        var nearest = index.Search(query, 5).Select(h => h.Id).ToHashSet();
        var some = Papers.Value.Select(p => p.Id).Where((id, i) => i % 3 == 0 && !nearest.Contains(id)).Append("not-a-paper").ToList();
        var expected = some.Select(id => (Id: id, Vector: index.VectorOf(id))).Where(p => p.Vector is not null)
            .Select(p => (p.Id, Score: System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(query, p.Vector!)))
            .OrderByDescending(p => p.Score).Take(7).ToList();
        var actual = index.SearchAmong(query, some, 7);
        Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.Id));
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Score, p.Second.Score, 4));
        Assert.Empty(index.SearchAmong(query, ["not-a-paper"], 7));
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(10)]
    public async Task A_saved_index_loads_back_with_its_sequence_and_answers_the_same(int flatLimit)
    {
        using var dir = new TempDir();
        var query = (await Lsa.Value.EmbedAsync(["graph anomaly detection"]))[0]!;
        List<(string, float)> before;
        using (var index = await Built(dir.Path, flatLimit))
        {
            before = index.Search(query, 10);
            index.Save();
        }
        using var loaded = new SemanticIndex(dir.Path, flatLimit: flatLimit);
        Assert.True(loaded.IsCurrent);
        Assert.Equal(42, loaded.AppliedSeq);
        Assert.Equal(Lsa.Value.Identity, loaded.Embedder!.Identity);
        Assert.Equal(before, loaded.Search(query, 10));
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(10)]
    public async Task A_corrupt_vector_file_is_reported_and_left_to_be_rebuilt(int flatLimit)
    {
        using var dir = new TempDir();
        using (var index = await Built(dir.Path, flatLimit)) index.Save();
        var file = Path.Combine(dir.Path, "vectors.idx");
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(file, bytes);

        var warnings = new List<string>();
        using var loaded = new SemanticIndex(dir.Path, warn: warnings.Add, flatLimit: flatLimit);
        Assert.False(loaded.IsCurrent);
        Assert.Single(warnings);

        await File.WriteAllBytesAsync(file, bytes[..(bytes.Length / 2)]);
        using var truncated = new SemanticIndex(dir.Path, warn: warnings.Add, flatLimit: flatLimit);
        Assert.False(truncated.IsCurrent);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(10)]
    public async Task A_papers_stored_vector_is_its_embedding_and_unknown_papers_have_none(int flatLimit)
    {
        using var dir = new TempDir();
        using var index = await Built(dir.Path, flatLimit);
        foreach (var (id, text) in Papers.Value.Take(20))
        {
            var stored = index.VectorOf(id)!;
            var embedded = (await index.EmbedAsync(text))!;
            Assert.Equal(index.Dimension, stored.Length);
            Assert.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.Dot<float>(stored, embedded), 4);
            var copy = new float[index.Dimension];
            Assert.True(index.TryCopyVector(id, copy));
            Assert.Equal(stored, copy);
        }
        Assert.Null(index.VectorOf("2401.99999"));
        Assert.Null(index.VectorOf(""));
        Assert.False(index.TryCopyVector(Papers.Value[0].Id, new float[index.Dimension + 1]));
        await index.ApplyAsync([], [Papers.Value[0].Id], 43);
        Assert.Null(index.VectorOf(Papers.Value[0].Id));
    }

    [Fact]
    public async Task Sampled_ids_are_distinct_indexed_papers_and_repeat_for_a_seed()
    {
        using var dir = new TempDir();
        using var index = await Built(dir.Path, 100_000);
        var ids = Papers.Value.Select(p => p.Id).ToHashSet();
        var sample = index.SampleIds(40, seed: 1);
        Assert.Equal(40, sample.Distinct().Count());
        Assert.All(sample, id => Assert.Contains(id, ids));
        Assert.Equal(sample, index.SampleIds(40, seed: 1));
        Assert.NotEqual(sample, index.SampleIds(40, seed: 2));
        Assert.Equal(ids, index.SampleIds(100_000, seed: 1).ToHashSet());
        using var empty = new SemanticIndex(Path.Combine(dir.Path, "empty"));
        Assert.Empty(empty.SampleIds(10, seed: 1));
        Assert.Null(empty.VectorOf(Papers.Value[0].Id));
    }

    [Fact]
    public async Task Vectors_of_another_embedder_are_not_loaded()
    {
        using var dir = new TempDir();
        using (var index = await Built(dir.Path, 100_000)) index.Save();
        using var other = new SemanticIndex(dir.Path, configured: new FixedEmbedder(Lsa.Value.Dimension, float.NaN, "other"));
        Assert.False(other.IsCurrent);
    }

    [Fact]
    public async Task An_embedder_that_returns_NaN_or_the_wrong_dimension_changes_nothing()
    {
        using var dir = new TempDir();
        foreach (var broken in new IEmbedder[] { new FixedEmbedder(8, float.NaN, "nan"), new FixedEmbedder(8, 1f, "short", returnedDimension: 5) })
        {
            using var index = new SemanticIndex(dir.Path, configured: broken);
            index.Reset(broken, 0, 10);
            await Assert.ThrowsAsync<EmbedderException>(() => index.ApplyAsync([("p1", "text one"), ("p2", "text two")], [], 7));
            Assert.Equal(0, index.Count);
            Assert.Equal(0, index.AppliedSeq);
        }
    }

    /// <summary>An embedder that misbehaves on purpose, standing in for a broken user-supplied model.</summary>
    private sealed class FixedEmbedder(int dimension, float value, string name, int? returnedDimension = null) : IEmbedder
    {
        public string Identity => $"test:{name}:{dimension}";
        public int Dimension => dimension;

        public Task<float[]?[]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct = default) =>
            Task.FromResult(texts.Select(_ => (float[]?)Enumerable.Repeat(value, returnedDimension ?? dimension).ToArray()).ToArray());
    }
}
