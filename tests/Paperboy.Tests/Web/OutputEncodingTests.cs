using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Core.Import;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>A demo store plus one hostile paper, imported through the real importer and indexed.</summary>
public sealed class HostileCorpus : IAsyncLifetime
{
    public const string Title = "<script>alert(1)</script> Attack";
    public const string EncodedTitle = "&lt;script&gt;alert(1)&lt;/script&gt; Attack";
    public const string Abstract = "We prove that a < b > c for every xylophonic zebra, and that \"quotes\" & ampersands survive <b>unbolded</b>.";

    public TestHost Host { get; private set; } = null!;
    public string Id { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await TestHost.StartAsync();
        var page = $"Daily Papers\n\nOct 5\n\n{Title}\n\n{Abstract}\n\n  • 2 authors\n·\nOct 4, 2023 999\n";
        var summary = await Host.Get<PaperImporter>().ImportAsync(ImportSource.FromText("attack.txt", page), ImportFormat.HfPage);
        Assert.Equal(1, summary.Added);
        await Host.Get<Indexer>().CatchUpAsync();
        var found = await Host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=xylophonic");
        Id = found.GetProperty("results")[0].GetProperty("id").GetString()!;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Titles and abstracts are text, never markup: every page encodes them.</summary>
public sealed class OutputEncodingTests(HostileCorpus corpus) : IClassFixture<HostileCorpus>
{
    private async Task<string> Html(string url)
    {
        var response = await corpus.Host.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static void AssertEncoded(string html)
    {
        Assert.Contains(HostileCorpus.EncodedTitle, html);
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("alert(1)</script>", html);
        Assert.DoesNotContain("<b>unbolded", html);
    }

    [Fact]
    public async Task The_card_on_the_board_encodes_title_and_abstract()
    {
        var html = await Html("/date/2023-10-04");
        AssertEncoded(html);
        Assert.Contains("a &lt; b &gt; c", html);
        Assert.Contains("&lt;b&gt;unbolded&lt;/b&gt;", html);
    }

    [Fact]
    public async Task The_paper_page_encodes_title_abstract_and_page_title()
    {
        var html = await Html("/papers/" + Uri.EscapeDataString(corpus.Id));
        AssertEncoded(html);
        Assert.Contains($"<h1>{HostileCorpus.EncodedTitle}</h1>", html);
        Assert.Contains("<title>&lt;script&gt;", html);
        Assert.Contains("a &lt; b &gt; c", html);
        Assert.Contains("&quot;quotes&quot; &amp; ampersands", html);
    }

    [Fact]
    public async Task The_search_result_encodes_the_highlighted_title_and_snippet()
    {
        var html = await Html("/search?q=xylophonic+attack");
        AssertEncoded(html.Replace("<mark>Attack</mark>", "Attack"));
        Assert.Contains("<mark>xylophonic</mark>", html);
        Assert.Contains("a &lt; b &gt; c", html);
    }

    [Fact]
    public async Task A_query_with_markup_is_echoed_encoded()
    {
        var html = await Html("/search?q=" + Uri.EscapeDataString("<script>alert(2)</script>"));
        Assert.DoesNotContain("<script>alert(2)", html);
        Assert.Contains("&lt;script&gt;alert(2)&lt;/script&gt;", html);
    }

    [Fact]
    public async Task A_query_matching_the_markup_highlights_only_words()
    {
        var html = await Html("/search?q=script+alert");
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;<mark>script</mark>&gt;", html);
    }

    [Fact]
    public async Task The_api_returns_the_text_as_data()
    {
        var response = await corpus.Host.Client.GetAsync("/api/papers/" + Uri.EscapeDataString(corpus.Id));
        // JSON may carry the characters as they are: it is served as application/json with nosniff, so no browser renders it.
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HostileCorpus.Title, body.GetProperty("title").GetString());
        Assert.Equal(HostileCorpus.Abstract, body.GetProperty("abstract").GetString());
    }
}
