using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Paperboy.Search.Embedding;

namespace Paperboy.Tests.Embedding;

/// <summary>HttpEmbedder against <see cref="FakeEmbeddingServer"/>, a real HTTP server on 127.0.0.1.</summary>
public sealed class HttpEmbedderTests(FakeEmbeddingServer server) : IClassFixture<FakeEmbeddingServer>, IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    private HttpEmbedder Embedder(string model, int? dimension = FakeEmbeddingServer.Dim, int batchSize = 64, string? apiKey = null,
        TimeSpan? timeout = null, string? baseUrl = null) =>
        new(_http, new HttpEmbedderOptions(baseUrl ?? server.BaseUrl, model, apiKey, dimension, batchSize, timeout));

    private static void AssertClose(float[] expected, float[]? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"component {i}: expected {expected[i]}, got {actual[i]}");
    }

    private static readonly string[] Texts = ["graph neural networks", "protein folding", "diffusion models", "quantum error correction", "reinforcement learning"];

    [Fact]
    public async Task Vectors_come_back_normalised_and_in_the_order_of_the_texts()
    {
        var embedder = Embedder("good#order");
        var vectors = await embedder.EmbedAsync(Texts);
        Assert.Equal(Texts.Length, vectors.Length);
        for (var i = 0; i < Texts.Length; i++) AssertClose(FakeEmbeddingServer.UnitVector(Texts[i]), vectors[i]);
    }

    [Fact]
    public async Task Items_without_an_index_are_taken_in_order()
    {
        var vectors = await Embedder("noindex#a").EmbedAsync(Texts);
        for (var i = 0; i < Texts.Length; i++) AssertClose(FakeEmbeddingServer.UnitVector(Texts[i]), vectors[i]);
    }

    [Fact]
    public async Task Texts_are_sent_in_batches_of_BatchSize()
    {
        var texts = Enumerable.Range(0, 8).Select(i => $"paper number {i}").ToArray();
        var vectors = await Embedder("good#batches", batchSize: 3).EmbedAsync(texts);
        Assert.Equal([3, 3, 2], server.InputsFor("good#batches").Select(b => b.Length));
        Assert.Equal(texts, server.InputsFor("good#batches").SelectMany(b => b));
        for (var i = 0; i < texts.Length; i++) AssertClose(FakeEmbeddingServer.UnitVector(texts[i]), vectors[i]);
    }

    [Fact]
    public async Task The_api_key_is_sent_as_a_bearer_token_and_only_when_set()
    {
        await Embedder("good#key", apiKey: "sk-test-123").EmbedAsync(["a text"]);
        await Embedder("good#nokey").EmbedAsync(["a text"]);
        Assert.Equal("Bearer sk-test-123", Assert.Single(server.Requests, r => r.Model == "good#key").Authorization);
        Assert.Null(Assert.Single(server.Requests, r => r.Model == "good#nokey").Authorization);
    }

    [Fact]
    public async Task A_base_url_ending_in_v1_or_a_slash_reaches_the_same_endpoint()
    {
        foreach (var (suffix, tag) in new[] { ("/", "good#slash"), ("/v1", "good#v1"), ("/v1/", "good#v1slash") })
        {
            var vectors = await Embedder(tag, baseUrl: server.BaseUrl.TrimEnd('/') + suffix).EmbedAsync(["protein folding"]);
            AssertClose(FakeEmbeddingServer.UnitVector("protein folding"), vectors[0]);
            Assert.Equal("/v1/embeddings", Assert.Single(server.Requests, r => r.Model == tag).Path);
        }
    }

    [Fact]
    public async Task Without_a_configured_dimension_one_probe_finds_it_and_it_stays()
    {
        var embedder = Embedder("good#probe", dimension: null);
        Assert.Empty(server.InputsFor("good#probe"));
        Assert.Equal(FakeEmbeddingServer.Dim, await embedder.DiscoverDimensionAsync());
        Assert.Equal($"http:good#probe:{FakeEmbeddingServer.Dim}", embedder.Identity);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => embedder.EmbedAsync(Texts)));
        var requests = server.InputsFor("good#probe").ToList();
        Assert.Equal(5, requests.Count); // the probe, then one batch per call
        Assert.Single(requests, r => r.Length == 1);
    }

    [Fact]
    public async Task The_probe_also_runs_on_first_use_or_when_the_dimension_is_read()
    {
        var onUse = Embedder("good#probe-on-use", dimension: null);
        var vectors = await onUse.EmbedAsync(Texts);
        AssertClose(FakeEmbeddingServer.UnitVector(Texts[0]), vectors[0]);
        Assert.Equal(FakeEmbeddingServer.Dim, onUse.Dimension);
        Assert.Equal(2, server.InputsFor("good#probe-on-use").Count());

        var onRead = Embedder("good#probe-on-read", dimension: null);
        Assert.Equal(FakeEmbeddingServer.Dim, onRead.Dimension);
        Assert.Single(server.InputsFor("good#probe-on-read"));
    }

    [Fact]
    public async Task A_configured_dimension_needs_no_probe()
    {
        var embedder = Embedder("good#configured", dimension: FakeEmbeddingServer.Dim);
        Assert.Equal("http:good#configured:6", embedder.Identity);
        Assert.Empty(server.InputsFor("good#configured"));
        await embedder.EmbedAsync(Texts);
        Assert.Single(server.InputsFor("good#configured"));
    }

    [Fact]
    public async Task Empty_texts_get_null_and_are_not_sent()
    {
        var vectors = await Embedder("good#empty").EmbedAsync(["", "protein folding", "  "]);
        Assert.Null(vectors[0]);
        Assert.Null(vectors[2]);
        AssertClose(FakeEmbeddingServer.UnitVector("protein folding"), vectors[1]);
        Assert.Equal(["protein folding"], Assert.Single(server.InputsFor("good#empty")));
        Assert.Empty(await Embedder("good#none").EmbedAsync([]));
        Assert.Empty(server.InputsFor("good#none"));
    }

    [Fact]
    public async Task A_server_error_gives_the_status_and_a_short_excerpt_of_the_body()
    {
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("fail").EmbedAsync(Texts));
        Assert.Contains("500", e.Message);
        Assert.Contains("model overloaded, try again later", e.Message);
        Assert.True(e.Message.Length < 600, e.Message);
    }

    [Fact]
    public async Task An_unknown_model_gives_the_404_and_its_message()
    {
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("no-such-model").EmbedAsync(Texts));
        Assert.Contains("404", e.Message);
        Assert.Contains("model not found", e.Message);
    }

    [Fact]
    public async Task Malformed_json_is_refused()
    {
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("malformed").EmbedAsync(Texts));
        Assert.Contains("malformed JSON", e.Message);
        var e2 = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("nodata").EmbedAsync(Texts));
        Assert.Contains("\"data\"", e2.Message);
    }

    [Fact]
    public async Task A_wrong_dimension_is_refused()
    {
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("wrongdim").EmbedAsync(Texts));
        Assert.Contains("dimension 7", e.Message);
    }

    [Fact]
    public async Task The_probed_dimension_is_the_servers_and_a_later_change_is_refused()
    {
        var seven = Embedder("wrongdim#probe", dimension: null);
        Assert.Equal(FakeEmbeddingServer.Dim + 1, await seven.DiscoverDimensionAsync());
        Assert.Equal(FakeEmbeddingServer.Dim + 1, (await seven.EmbedAsync(Texts))[0]!.Length);

        // "grow" answers the probe in dimension 6 and then everything else in 7.
        var growing = Embedder("grow", dimension: null);
        var e = await Assert.ThrowsAsync<EmbedderException>(() => growing.EmbedAsync(Texts));
        Assert.Contains("dimension 7; expected 6", e.Message);
        Assert.Equal(FakeEmbeddingServer.Dim, growing.Dimension);
    }

    [Theory]
    [InlineData("nanstring")]
    [InlineData("nanbare")]
    [InlineData("huge")]
    [InlineData("zero")]
    public async Task NaN_infinite_and_zero_vectors_are_refused(string model)
    {
        float[]?[]? vectors = null;
        await Assert.ThrowsAsync<EmbedderException>(async () => vectors = await Embedder(model).EmbedAsync(Texts));
        Assert.Null(vectors);
    }

    [Fact]
    public async Task NaN_is_named_in_the_message()
    {
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("nanstring#msg").EmbedAsync(Texts));
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public async Task A_wrong_count_or_a_repeated_index_is_refused()
    {
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("short").EmbedAsync(Texts));
        Assert.Contains("4 embeddings for 5 texts", e.Message);
        var e2 = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("dupindex").EmbedAsync(Texts));
        Assert.Contains("index 0 twice", e2.Message);
    }

    [Fact]
    public async Task A_failure_in_a_later_batch_returns_nothing()
    {
        // Batches of 2: the third batch holds the text the server answers with NaN.
        var texts = Enumerable.Range(0, 6).Select(i => i == 5 ? "poison pill" : $"text {i}").ToArray();
        float[]?[]? vectors = null;
        await Assert.ThrowsAsync<EmbedderException>(async () => vectors = await Embedder("poison", batchSize: 2).EmbedAsync(texts));
        Assert.Null(vectors);
        Assert.Equal(3, server.InputsFor("poison").Count());
    }

    [Fact]
    public async Task A_slow_server_times_out_with_a_clear_error()
    {
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("slow", timeout: TimeSpan.FromMilliseconds(300)).EmbedAsync(Texts));
        Assert.Contains("did not answer within 0.3 s", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task The_callers_cancellation_is_a_cancellation_not_an_embedder_error()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Embedder("slow#cancel", timeout: TimeSpan.FromSeconds(30)).EmbedAsync(Texts, cts.Token));
    }

    [Fact]
    public async Task A_server_that_is_not_there_gives_an_embedder_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var e = await Assert.ThrowsAsync<EmbedderException>(() => Embedder("good", baseUrl: $"http://127.0.0.1:{port}").EmbedAsync(Texts));
        Assert.Contains("could not be reached", e.Message);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
    }

    [Fact]
    public async Task A_failed_probe_is_tried_again_next_time()
    {
        var embedder = Embedder("fail#probe", dimension: null);
        await Assert.ThrowsAsync<EmbedderException>(() => embedder.DiscoverDimensionAsync());
        await Assert.ThrowsAsync<EmbedderException>(() => embedder.EmbedAsync(Texts));
        Assert.Equal(2, server.InputsFor("fail#probe").Count());
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Embedder("good", baseUrl: "not a url"));
        Assert.Throws<ArgumentException>(() => Embedder("good", baseUrl: "ftp://127.0.0.1/"));
        Assert.Throws<ArgumentException>(() => Embedder(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => Embedder("good", batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Embedder("good", dimension: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Embedder("good", timeout: TimeSpan.Zero));
    }
}
