using System.Text.Json;
using Paperboy.Search.Embedding;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Embedding;

/// <summary>
/// OnnxEmbedder on the tiny models that testdata/onnx/make_tiny_model.py generates: tiny.onnx gives token states
/// [batch, seq, 8] (a fixed random lookup table plus 0.01 × position), tiny_pooled.onnx a pooled [batch, 8].
/// </summary>
public sealed class OnnxEmbedderTests
{
    private static string Dir => Path.Combine(TestData.Dir, "onnx");
    private static string Vocab => Path.Combine(Dir, "vocab.txt");
    private static string ModelFile(string name) => Path.Combine(Dir, name);

    private static OnnxEmbedder Tiny(int maxTokens = 256, int batchSize = 32, bool? lowerCase = null, string model = "tiny.onnx") =>
        new(new OnnxEmbedderOptions(ModelFile(model), Vocab, maxTokens, batchSize, lowerCase));

    private sealed record Case(string Text, int[] Ids, float[] Tiny, float[] Tiny_pooled);

    private static readonly Lazy<Case[]> Expected = new(() =>
        JsonSerializer.Deserialize<Case[]>(File.ReadAllText(Path.Combine(Dir, "expected.json")), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!);

    private static readonly string LongText = string.Join(' ', Enumerable.Repeat("deep learning for protein and gene data with quantum control", 40));

    private static void AssertClose(float[] expected, float[]? actual, double tolerance = 1e-5)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"component {i}: expected {expected[i]}, got {actual[i]}");
    }

    private static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    [Fact]
    public async Task Token_states_are_mean_pooled_into_one_unit_vector_per_text_in_order()
    {
        using var embedder = Tiny();
        Assert.Equal(8, embedder.Dimension);
        var cases = Expected.Value;
        var vectors = await embedder.EmbedAsync(cases.Select(c => c.Text).ToList());
        Assert.Equal(cases.Length, vectors.Length);
        for (var i = 0; i < cases.Length; i++)
        {
            AssertClose(cases[i].Tiny, vectors[i]);
            Assert.Equal(1.0, Norm(vectors[i]!), 1e-5);
        }
    }

    [Fact]
    public async Task A_pooled_output_is_used_as_it_is_and_token_type_ids_is_optional()
    {
        using var embedder = Tiny(model: "tiny_pooled.onnx");
        Assert.Equal(8, embedder.Dimension);
        var cases = Expected.Value;
        var vectors = await embedder.EmbedAsync(cases.Select(c => c.Text).ToList());
        for (var i = 0; i < cases.Length; i++) AssertClose(cases[i].Tiny_pooled, vectors[i]);
    }

    [Fact]
    public async Task A_hidden_size_the_model_leaves_open_is_found_by_running_it()
    {
        using var embedder = Tiny(model: "tiny_dynamic.onnx");
        Assert.Equal(8, embedder.Dimension);
        Assert.Matches("^onnx:tiny_dynamic\\.onnx:8:[0-9a-f]{12}$", embedder.Identity);
        var cases = Expected.Value;
        var vectors = await embedder.EmbedAsync(cases.Select(c => c.Text).ToList());
        for (var i = 0; i < cases.Length; i++) AssertClose(cases[i].Tiny, vectors[i]);
    }

    [Fact]
    public void Identity_names_the_file_the_dimension_and_a_hash_of_the_bytes()
    {
        using var tiny = Tiny();
        using var pooled = Tiny(model: "tiny_pooled.onnx");
        Assert.Matches("^onnx:tiny\\.onnx:8:[0-9a-f]{12}$", tiny.Identity);
        Assert.Matches("^onnx:tiny_pooled\\.onnx:8:[0-9a-f]{12}$", pooled.Identity);

        // Same name, other bytes: another identity.
        using var dir = new TempDir();
        var copy = dir.File("tiny.onnx");
        File.Copy(ModelFile("tiny_pooled.onnx"), copy);
        using var renamed = new OnnxEmbedder(new OnnxEmbedderOptions(copy, Vocab));
        Assert.StartsWith("onnx:tiny.onnx:8:", renamed.Identity);
        Assert.NotEqual(tiny.Identity, renamed.Identity);
    }

    [Fact]
    public async Task Padding_in_a_batch_does_not_change_a_texts_vector()
    {
        using var embedder = Tiny();
        var alone = (await embedder.EmbedAsync(["neural network"]))[0];
        var batched = await embedder.EmbedAsync([LongText, "neural network", "quantum"]);
        AssertClose(alone!, batched[1]);
        AssertClose((await embedder.EmbedAsync(["quantum"]))[0]!, batched[2]);
        AssertClose((await embedder.EmbedAsync([LongText]))[0]!, batched[0]);
    }

    [Fact]
    public async Task Small_batches_give_the_same_vectors_as_one_large_batch()
    {
        var texts = Expected.Value.Select(c => c.Text).Append(LongText).Append("graph retrieval").ToList();
        using var one = Tiny(batchSize: 32);
        using var small = Tiny(batchSize: 2);
        var a = await one.EmbedAsync(texts);
        var b = await small.EmbedAsync(texts);
        for (var i = 0; i < texts.Count; i++) AssertClose(a[i]!, b[i]);
    }

    [Fact]
    public async Task Two_embedders_on_the_same_files_agree_exactly()
    {
        using var first = Tiny();
        using var second = Tiny();
        Assert.Equal(first.Identity, second.Identity);
        string[] texts = ["graph neural network", "climate data", LongText];
        var a = await first.EmbedAsync(texts);
        var b = await second.EmbedAsync(texts);
        var again = await first.EmbedAsync(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(a[i], b[i]);
            Assert.Equal(a[i], again[i]);
        }
    }

    [Fact]
    public async Task Long_texts_are_cut_to_MaxTokens()
    {
        using var embedder = Tiny(maxTokens: 16);
        var words = Enumerable.Range(0, 5000).Select(i => new[] { "protein", "graph", "robot", "star", "the" }[i % 5]).ToArray();
        var vectors = await embedder.EmbedAsync([string.Join(' ', words), string.Join(' ', words.Take(14))]);
        Assert.Equal(1.0, Norm(vectors[0]!), 1e-5);
        // [CLS] + 14 tokens + [SEP] = 16: the rest of the text is not seen.
        AssertClose(vectors[1]!, vectors[0]);

        using var roomy = Tiny();
        var longer = (await roomy.EmbedAsync([string.Join(' ', words)]))[0];
        Assert.NotNull(longer);
        Assert.Equal(1.0, Norm(longer), 1e-5);
    }

    [Fact]
    public async Task Lower_casing_follows_the_option_or_the_tokenizer_config()
    {
        using var uncased = Tiny(lowerCase: true);
        using var cased = Tiny(lowerCase: false);
        var u = await uncased.EmbedAsync(["Neural Network", "neural network"]);
        var c = await cased.EmbedAsync(["Neural Network", "neural network"]);
        AssertClose(u[1]!, u[0]);
        AssertClose(u[1]!, c[1]);
        // Cased, "Neural" and "Network" are not in the (lower-case) vocabulary: [UNK] [UNK].
        Assert.True(Math.Abs(u[0]![0] - c[0]![0]) > 1e-3 || Math.Abs(u[0]![1] - c[0]![1]) > 1e-3);

        using var dir = new TempDir();
        File.Copy(Vocab, dir.File("vocab.txt"));
        dir.File("tokenizer_config.json", """{"do_lower_case": false, "model_max_length": 512}""");
        using var fromConfig = new OnnxEmbedder(new OnnxEmbedderOptions(ModelFile("tiny.onnx"), dir.File("vocab.txt")));
        AssertClose(c[0]!, (await fromConfig.EmbedAsync(["Neural Network"]))[0]);
    }

    [Fact]
    public async Task Empty_texts_get_null_and_the_others_their_vectors()
    {
        using var embedder = Tiny();
        var vectors = await embedder.EmbedAsync(["", "quantum", "   \n", "neural network"]);
        Assert.Null(vectors[0]);
        Assert.Null(vectors[2]);
        AssertClose(Expected.Value[3].Tiny, vectors[1]);
        AssertClose(Expected.Value[0].Tiny, vectors[3]);
        Assert.Empty(await embedder.EmbedAsync([]));
    }

    [Fact]
    public async Task Concurrent_calls_give_the_same_vectors_as_one_at_a_time()
    {
        using var embedder = Tiny(batchSize: 3);
        var texts = Enumerable.Range(0, 20).Select(i => string.Join(' ', Enumerable.Repeat("deep graph star", 1 + i % 7)) + (i % 2 == 0 ? " robot" : "")).ToList();
        var serial = await embedder.EmbedAsync(texts);
        var parallel = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => embedder.EmbedAsync(texts))));
        foreach (var run in parallel)
            for (var i = 0; i < texts.Count; i++) Assert.Equal(serial[i], run[i]);
    }

    [Fact]
    public async Task A_cancelled_call_throws()
    {
        using var embedder = Tiny();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => embedder.EmbedAsync(["quantum"], cts.Token));
    }

    [Fact]
    public void A_missing_model_file_is_named()
    {
        var missing = Path.Combine(Dir, "no-such-model.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => new OnnxEmbedder(new OnnxEmbedderOptions(missing, Vocab)));
        Assert.Contains(missing, e.Message);
        Assert.Contains("model", e.Message);
    }

    [Fact]
    public void A_missing_vocabulary_is_named()
    {
        var missing = Path.Combine(Dir, "no-such-vocab.txt");
        var e = Assert.Throws<FileNotFoundException>(() => new OnnxEmbedder(new OnnxEmbedderOptions(ModelFile("tiny.onnx"), missing)));
        Assert.Contains(missing, e.Message);
        Assert.Contains("vocab", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_onnx_model_is_named()
    {
        using var dir = new TempDir();
        var bogus = dir.File("model.onnx", "this is not a protobuf");
        var e = Assert.Throws<EmbedderException>(() => new OnnxEmbedder(new OnnxEmbedderOptions(bogus, Vocab)));
        Assert.Contains(bogus, e.Message);
    }

    [Fact]
    public void A_model_whose_output_has_no_usable_shape_is_refused_with_its_name()
    {
        var e = Assert.Throws<EmbedderException>(() => Tiny(model: "tiny_badshape.onnx"));
        Assert.Contains("tiny_badshape.onnx", e.Message);
        Assert.Contains("[batch, seq, hidden]", e.Message);
        Assert.Contains("out [-1, -1, 4, 2]", e.Message); // what the model has instead
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tiny(maxTokens: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tiny(batchSize: 0));
    }

    [Fact]
    public async Task A_model_that_outputs_NaN_throws_and_returns_nothing()
    {
        using var embedder = Tiny(model: "tiny_nan.onnx");
        Assert.Equal(8, embedder.Dimension);
        float[]?[]? vectors = null;
        var e = await Assert.ThrowsAsync<EmbedderException>(async () => vectors = await embedder.EmbedAsync(["quantum", "neural network"]));
        Assert.Null(vectors);
        Assert.Contains("NaN", e.Message);
        Assert.Contains("tiny_nan.onnx", e.Message);
    }
}
