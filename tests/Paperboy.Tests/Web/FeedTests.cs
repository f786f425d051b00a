using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>
/// The Atom feeds a feed reader follows: trending papers and new papers matching a search (the contract's
/// /feeds/trending.atom and /feeds/search.atom), parsed as XML and checked against the API's own answers.
/// </summary>
public sealed class FeedTests(SharedTestHost fixture) : IClassFixture<SharedTestHost>
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private HttpClient Client => fixture.Client;

    private async Task<XElement> FeedAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
        var feed = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(Atom + "feed", feed.Name);
        Assert.NotEmpty(feed.Element(Atom + "updated")!.Value);
        Assert.EndsWith(path, feed.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "self").Attribute("href")!.Value);
        return feed;
    }

    private static List<string> EntryIds(XElement feed) =>
        feed.Elements(Atom + "entry").Select(e => Uri.UnescapeDataString(e.Element(Atom + "link")!.Attribute("href")!.Value.Split("/papers/")[1])).ToList();

    [Fact]
    public async Task The_trending_feed_holds_the_trending_papers_in_their_order()
    {
        var feed = await FeedAsync("/feeds/trending.atom");
        var api = await Client.GetFromJsonAsync<JsonElement>("/api/trending?limit=30");
        var expected = api.GetProperty("results").EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, EntryIds(feed));
        var first = feed.Elements(Atom + "entry").First();
        Assert.Equal(api.GetProperty("results")[0].GetProperty("title").GetString(), first.Element(Atom + "title")!.Value);
        Assert.Equal("text", first.Element(Atom + "summary")!.Attribute("type")!.Value);
        Assert.NotEmpty(first.Element(Atom + "summary")!.Value);
    }

    [Fact]
    public async Task The_search_feed_holds_the_matches_newest_first_and_honours_the_query_syntax()
    {
        const string q = "graph anomaly detection";
        var feed = await FeedAsync("/feeds/search.atom?q=" + Uri.EscapeDataString(q));
        var ids = EntryIds(feed);
        Assert.NotEmpty(ids);
        Assert.True(ids.Count <= 30);
        var matches = (await Client.GetFromJsonAsync<JsonElement>("/api/search?mode=lexical&limit=100&q=" + Uri.EscapeDataString(q)))
            .GetProperty("results").EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToHashSet();
        Assert.All(ids, id => Assert.Contains(id, matches));
        var dates = feed.Elements(Atom + "entry").Select(e => DateTimeOffset.Parse(e.Element(Atom + "updated")!.Value)).ToList();
        Assert.Equal(dates.OrderByDescending(d => d), dates);

        // An exclusion holds in the feed as in search.
        var excluded = await FeedAsync("/feeds/search.atom?q=" + Uri.EscapeDataString(q + " -graph"));
        Assert.All(excluded.Elements(Atom + "entry"), e => Assert.DoesNotContain("graph", e.Element(Atom + "title")!.Value, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/feeds/search.atom")]
    [InlineData("/feeds/search.atom?q=")]
    [InlineData("/feeds/search.atom?q=%20%20")]
    public async Task A_search_feed_without_a_query_is_a_problem_naming_q(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("q", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_overlong_query_is_refused()
    {
        using var response = await Client.GetAsync("/feeds/search.atom?q=" + new string('a', 1001));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Trending_and_search_pages_announce_their_feeds_for_readers_to_discover()
    {
        Assert.Contains("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Trending papers\" href=\"/feeds/trending.atom\">", await Client.GetStringAsync("/trending"));
        var search = await Client.GetStringAsync("/search?q=diffusion+sampler");
        Assert.Contains("href=\"/feeds/search.atom?q=diffusion%20sampler\"", search);
        Assert.DoesNotContain("application/atom+xml", await Client.GetStringAsync("/search"));
    }
}
