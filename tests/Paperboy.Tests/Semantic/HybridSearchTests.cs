using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Semantic;

/// <summary>Semantic and hybrid search, explain and similar papers, through the API on the demo corpus.</summary>
public sealed class HybridSearchTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private TestHost Host => shared.Host;


    private async Task<List<string>> Titles(string url)
    {
        var body = await Host.Client.GetFromJsonAsync<JsonElement>(url);
        return body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("title").GetString()!).ToList();
    }

    private const string Rayleigh = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection";

    [Fact]
    public async Task A_paraphrase_with_few_shared_words_finds_the_paper_semantically()
    {
        var semantic = await Titles("/api/search?q=spotting+outlier+graphs+among+many+molecules&mode=semantic&limit=5");
        var hybrid = await Titles("/api/search?q=spotting+outlier+graphs+among+many+molecules&mode=hybrid&limit=5");
        Assert.Contains(Rayleigh, semantic);
        Assert.Contains(Rayleigh, hybrid);
    }

    [Fact]
    public async Task Explain_shows_the_rank_and_score_of_each_signal()
    {
        var body = await Host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=graph+anomaly+detection&explain=true&limit=3");
        var first = body.GetProperty("results")[0].GetProperty("explain");
        Assert.Equal(1, first.GetProperty("lexicalRank").GetInt32());
        Assert.True(first.GetProperty("semanticScore").GetSingle() > 0);
    }

    [Fact]
    public async Task Exclusions_hold_in_hybrid_mode_too()
    {
        var body = await Host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=anomaly+detection+-graph&mode=hybrid&limit=20");
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r =>
        {
            var text = (r.GetProperty("title").GetString() + " " + r.GetProperty("abstract").GetString()).ToLowerInvariant();
            Assert.DoesNotContain("graph", text.Replace("graphic", "").Replace("paragraph", "").Replace("photograph", ""));
        });
    }

    [Fact]
    public async Task Similar_papers_are_neighbours_and_never_the_paper_itself()
    {
        var search = await Host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=" + Uri.EscapeDataString(Rayleigh) + "&limit=1");
        var id = search.GetProperty("results")[0].GetProperty("id").GetString()!;
        var similar = await Host.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{id}/similar?limit=5");
        var results = similar.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(5, results.Count);
        Assert.DoesNotContain(results, r => r.GetProperty("id").GetString() == id);
        Assert.Contains(results, r => r.GetProperty("title").GetString()!.Contains("Graph", StringComparison.OrdinalIgnoreCase));

        var pageResponse = await Host.Client.GetAsync($"/papers/{id}");
        var page = await pageResponse.Content.ReadAsStringAsync();
        Assert.True(pageResponse.IsSuccessStatusCode, $"{pageResponse.StatusCode}: {page[..Math.Min(3000, page.Length)]}");
        Assert.Contains("Similar papers", page);
    }

    [Theory]
    [InlineData("lexical")]
    [InlineData("semantic")]
    [InlineData("hybrid")]
    public async Task Filters_on_upvotes_code_and_dates_hold_in_every_mode(string mode)
    {
        var body = await Host.Client.GetFromJsonAsync<JsonElement>($"/api/search?q=neural+networks&mode={mode}&limit=50&minUpvotes=1&hasCode=true&from=2023-01-01&to=2025-12-31");
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r =>
        {
            Assert.True(r.GetProperty("upvotes").GetInt32() >= 1);
            Assert.Contains(r.GetProperty("links").EnumerateArray(), l => l.GetProperty("kind").GetString() == "code");
            var day = DateOnly.Parse(r.GetProperty("publishedAt").GetString()!);
            Assert.InRange(day, new DateOnly(2023, 1, 1), new DateOnly(2025, 12, 31));
        });
    }

    [Fact]
    public async Task Similar_papers_of_an_unknown_id_is_a_404_problem()
    {
        var response = await Host.Client.GetAsync("/api/papers/t-ffffffffffff/similar");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
