using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>The server-rendered pages on the demo corpus: 200 HTML with the expected content, and the security headers.</summary>
public sealed partial class PageTests(SharedTestHost fixture) : IClassFixture<SharedTestHost>
{
    private const string Rayleigh = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection";
    private HttpClient Client => fixture.Client;

    [GeneratedRegex("<article class=\"card\"")]
    private static partial Regex Card();

    private async Task<string> Html(string url)
    {
        var response = await Client.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}\n{html}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<html lang=\"en\">", html);
        return html;
    }

    private async Task<string> RayleighId()
    {
        var body = await Client.GetFromJsonAsync<JsonElement>("/api/search?q=Rayleigh+Quotient&limit=1");
        return body.GetProperty("results")[0].GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task The_front_page_shows_the_newest_day_as_cards()
    {
        var html = await Html("/");
        Assert.Contains("<title>Daily Papers · Paperboy</title>", WebUtility.HtmlDecode(html));
        Assert.Contains("<h1>Daily Papers</h1>", html);
        var latest = await fixture.Host.Get<PaperStore>().LatestBoardDayAsync();
        Assert.Contains(Paperboy.Core.Boards.BoardPeriod.Day(latest!.Value).Title, WebUtility.HtmlDecode(html));
        Assert.True(Card().Count(html) > 0, "no cards on the front page");
        Assert.Contains("role=\"search\"", html);
        Assert.Contains("<label for=\"q\"", html);
    }

    [Fact]
    public async Task The_daily_board_page_lists_that_day_with_navigation()
    {
        var html = await Html("/date/2023-10-04");
        Assert.Contains(Rayleigh, html);
        Assert.Contains("Wednesday, October 4, 2023", html);
        var count = Card().Count(html);
        var api = await Client.GetFromJsonAsync<JsonElement>("/api/boards/daily?date=2023-10-04");
        Assert.Equal(api.GetProperty("total").GetInt32(), count);
        Assert.Contains("rel=\"prev\" href=\"/date/", html);
        Assert.Contains("rel=\"next\" href=\"/date/", html);
        Assert.Contains("href=\"/week/2023-W40\"", html);
        Assert.Contains("href=\"/month/2023-10\"", html);
        Assert.Contains("aria-current=\"page\">Day</a>", html);
    }

    [Fact]
    public async Task The_weekly_board_page_lists_the_week()
    {
        var html = await Html("/week/2023-W40");
        Assert.Contains("<h1>Weekly Papers</h1>", html);
        Assert.Contains("Week 40 of 2023", html);
        Assert.Contains(Rayleigh, html);
        Assert.Contains("href=\"/week/2023-W39\"", html);
        Assert.Contains("href=\"/week/2023-W41\"", html);
        Assert.Contains("aria-current=\"page\">Week</a>", html);
    }

    [Fact]
    public async Task The_monthly_board_page_lists_the_month()
    {
        var html = await Html("/month/2023-10");
        Assert.Contains("<h1>Monthly Papers</h1>", html);
        Assert.Contains("October 2023", html);
        Assert.Contains(Rayleigh, html);
        Assert.Contains("href=\"/month/2023-09\"", html);
        Assert.Contains("aria-current=\"page\">Month</a>", html);
        Assert.True(Card().Count(html) > 10);
    }

    [Fact]
    public async Task An_empty_board_says_so()
    {
        var html = await Html("/date/1999-01-01");
        Assert.Contains("class=\"empty\"", html);
        Assert.Equal(0, Card().Count(html));
    }

    [Fact]
    public async Task The_paper_page_shows_the_paper()
    {
        var id = await RayleighId();
        var paper = await Client.GetFromJsonAsync<JsonElement>("/api/papers/" + id);
        var html = await Html("/papers/" + id);
        Assert.Contains($"<h1>{Rayleigh}</h1>", html);
        Assert.Contains("<h2 id=\"abstract-h\">Abstract</h2>", html);
        Assert.Contains(WebUtility.HtmlEncode(paper.GetProperty("abstract").GetString()![..60]), html);
        Assert.Contains("datetime=\"2023-10-04\"", html);
        Assert.Contains("href=\"/date/2023-10-04\"", html);
        Assert.Contains($"{paper.GetProperty("upvotes").GetInt32()}</span><span class=\"visually-hidden\"> upvotes", html);
    }

    [Fact]
    public async Task Cards_link_to_paper_pages_that_exist()
    {
        var html = await Html("/date/2023-10-04");
        var links = Regex.Matches(html, "<h3 class=\"title\"><a href=\"(/papers/[^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(links);
        foreach (var link in links.Take(5)) await Html(link);
    }

    [Fact]
    public async Task The_search_page_shows_highlighted_results()
    {
        var html = await Html("/search?q=activation+function");
        Assert.Contains("<title>Search: activation function · Paperboy</title>", WebUtility.HtmlDecode(html));
        Assert.Contains("value=\"activation function\"", html);
        Assert.Contains("<mark>", html);
        Assert.Matches("<mark>[Aa]ctivation</mark>", html);
        Assert.Contains("Better <mark>Activation</mark> <mark>Functions</mark>", html);
        Assert.Matches(@"\d+ results? for <strong>activation function</strong>", html);
        Assert.True(Card().Count(html) is > 0 and <= 20);
    }

    [Fact]
    public async Task The_search_page_pages_through_results()
    {
        var first = await Html("/search?q=model");
        Assert.Equal(20, Card().Count(first));
        Assert.Matches("rel=\"next\" href=\"/search\\?q=model&(amp;)?page=2\"", first);
        var second = await Html("/search?q=model&page=2");
        Assert.Matches("rel=\"prev\" href=\"/search\\?q=model&(amp;)?page=1\"", second);
        var ids = (string h) => Regex.Matches(h, "data-paper-id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Empty(ids(first).Intersect(ids(second)));
    }

    [Fact]
    public async Task The_empty_search_page_shows_the_form()
    {
        var html = await Html("/search");
        Assert.Contains("<label for=\"q2\">", html);
        Assert.Equal(0, Card().Count(html));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/search?q=graph")]
    [InlineData("/papers/t-000000000000")]
    [InlineData("/api/search?q=graph")]
    [InlineData("/api/search?q=graph&limit=-1")]
    [InlineData("/healthz")]
    public async Task Every_answer_carries_the_security_headers(string url)
    {
        var response = await Client.GetAsync(url);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task Pages_have_no_inline_scripts_or_styles_that_the_policy_would_block()
    {
        foreach (var url in new[] { "/", "/search?q=graph", "/month/2023-10", "/papers/" + await RayleighId() })
        {
            var html = await Html(url);
            Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
            Assert.DoesNotContain("<style", html);
            Assert.DoesNotContain(" style=\"", html);
            Assert.DoesNotContain(" onclick=", html);
        }
    }
}
