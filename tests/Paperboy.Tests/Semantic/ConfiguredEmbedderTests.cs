using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Tests.Embedding;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Semantic;

/// <summary>The whole app with <c>Embedder:Kind=http</c>: papers are embedded by a real local OpenAI-compatible server.</summary>
public sealed class ConfiguredEmbedderTests : IAsyncLifetime
{
    private readonly FakeEmbeddingServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();
    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task The_http_embedder_indexes_every_paper_and_serves_semantic_search()
    {
        await using var host = await TestHost.StartAsync(true, "--Embedder:Kind=http", $"--Embedder:Http:BaseUrl={_server.BaseUrl}", "--Embedder:Http:Model=good");
        var semantic = host.Get<Paperboy.Indexing.IndexHolder>().Semantic;
        Assert.Equal(257, semantic.Count);
        Assert.StartsWith("http:good:", semantic.Embedder!.Identity);
        Assert.Equal(257, _server.InputsFor("good").Sum(batch => batch.Length) - 1);   // every paper once, plus the dimension probe

        var body = await host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=graph+anomaly&mode=semantic&limit=5");
        Assert.Equal(5, body.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task A_failing_embedder_leaves_keyword_search_and_health_working()
    {
        await using var host = await TestHost.StartAsync(true, "--Embedder:Kind=http", $"--Embedder:Http:BaseUrl={_server.BaseUrl}", "--Embedder:Http:Model=fail", "--Embedder:Http:Dimension=6");
        Assert.False(host.Get<Paperboy.Indexing.IndexHolder>().Semantic.IsCurrent && host.Get<Paperboy.Indexing.IndexHolder>().Semantic.Count > 0);
        var health = await host.Client.GetAsync("/healthz");
        Assert.True(health.IsSuccessStatusCode);
        var body = await host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=activation+function&limit=3");
        Assert.Contains("A Method on Searching Better Activation Functions", body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("title").GetString()));
        var semantic = await host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=activation+function&limit=3&mode=semantic");
        Assert.Equal(3, semantic.GetProperty("results").GetArrayLength());
        Assert.Contains("keyword", semantic.GetProperty("notice").GetString());
    }
}
