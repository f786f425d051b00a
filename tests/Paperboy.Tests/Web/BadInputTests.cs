using System.Net;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>Hostile and malformed input: the API answers a problem+json 400 or 404 naming what was wrong, or a 200; never a 500.</summary>
public sealed class BadInputTests(SharedTestHost fixture) : IClassFixture<SharedTestHost>
{
    private HttpClient Client => fixture.Client;

    private async Task<JsonElement> Problem(string url, HttpStatusCode expected)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{url[..Math.Min(url.Length, 120)]}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("title").GetString()));
        return body;
    }

    private async Task<JsonElement> Ok(string url)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url[..Math.Min(url.Length, 120)]}: expected 200, got {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Theory]
    [InlineData("/api/search?q=graph&limit=-1", "limit")]
    [InlineData("/api/search?q=graph&limit=0", "limit")]
    [InlineData("/api/search?q=graph&limit=101", "limit")]
    [InlineData("/api/search?q=graph&limit=abc", "limit")]
    [InlineData("/api/search?q=graph&limit=99999999999999999999", "limit")]
    [InlineData("/api/search?q=graph&offset=-5", "offset")]
    [InlineData("/api/search?q=graph&offset=1.5", "offset")]
    [InlineData("/api/search?q=graph&mode=bogus", "mode")]
    [InlineData("/api/search?q=graph&from=2023-02-30", "from")]
    [InlineData("/api/search?q=graph&to=yesterday", "to")]
    [InlineData("/api/search?q=", "q")]
    [InlineData("/api/search?q=%20%20", "q")]
    [InlineData("/api/search", "q")]
    [InlineData("/api/boards/daily?date=2023-02-30", "date")]
    [InlineData("/api/boards/daily?date=2023-10-4", "date")]
    [InlineData("/api/boards/daily?date=%3Cscript%3E", "date")]
    [InlineData("/api/boards/weekly?week=2023-W60", "week")]
    [InlineData("/api/boards/weekly?week=2023-W00", "week")]
    [InlineData("/api/boards/weekly?week=2023-40", "week")]
    [InlineData("/api/boards/monthly?month=2023-13", "month")]
    [InlineData("/api/boards/monthly?month=2023", "month")]
    public async Task A_bad_parameter_is_a_400_naming_it(string url, string parameter)
    {
        var body = await Problem(url, HttpStatusCode.BadRequest);
        Assert.Equal(parameter, body.GetProperty("parameter").GetString());
    }

    [Theory]
    [InlineData("/api/boards/daily?date=2023-10-04&limit=abc")]
    [InlineData("/api/boards/daily?date=2023-10-04&limit=-1")]
    [InlineData("/api/boards/weekly?week=2023-W40&offset=-5")]
    [InlineData("/api/boards/monthly?month=2023-10&limit=100000")]
    public async Task Bad_board_paging_is_a_400(string url) => await Problem(url, HttpStatusCode.BadRequest);

    [Theory]
    [InlineData("/api/papers/t-000000000000")]
    [InlineData("/api/papers/9999.99999")]
    [InlineData("/api/papers/%3Cscript%3E")]
    [InlineData("/api/papers/..%2F..%2Fetc%2Fpasswd")]
    public async Task An_unknown_paper_is_a_404_problem(string url) => await Problem(url, HttpStatusCode.NotFound);

    [Fact]
    public async Task A_very_long_paper_id_is_a_404_problem() => await Problem("/api/papers/" + new string('x', 5000), HttpStatusCode.NotFound);

    [Fact]
    public async Task An_unknown_api_path_is_a_404_problem() => await Problem("/api/nothing-here", HttpStatusCode.NotFound);

    [Fact]
    public async Task A_10_kB_query_is_a_400_naming_q()
    {
        var body = await Problem("/api/search?q=" + new string('a', 10_000), HttpStatusCode.BadRequest);
        Assert.Equal("q", body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task A_thousand_terms_are_too_long_a_query_and_a_400()
    {
        var q = string.Join('+', Enumerable.Range(0, 1000).Select(i => "t" + i));
        var body = await Problem("/api/search?q=" + q, HttpStatusCode.BadRequest);
        Assert.Equal("q", body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Five_hundred_one_letter_terms_within_the_length_limit_are_searched()
    {
        var q = string.Join('+', Enumerable.Range(0, 500).Select(i => (char)('a' + i % 26)));
        await Ok("/api/search?q=" + q);
    }

    [Theory]
    [InlineData("\"graph neural")]
    [InlineData("graph neural\"")]
    [InlineData("\"\"\"")]
    [InlineData("(graph")]
    [InlineData("graph)")]
    [InlineData("title:graph")]
    [InlineData(":")]
    [InlineData("*")]
    [InlineData("graph*")]
    [InlineData("*graph")]
    [InlineData("graph~")]
    [InlineData("graph~0.5")]
    [InlineData("graph^10")]
    [InlineData("^")]
    [InlineData("[a TO z]")]
    [InlineData("[")]
    [InlineData("]")]
    [InlineData("\\")]
    [InlineData("graph\\")]
    [InlineData("( ) : * ~ ^ [ ] \\")]
    [InlineData("AND OR NOT")]
    [InlineData("graph AND")]
    [InlineData("-graph")]
    [InlineData("- + ! && ||")]
    [InlineData("{ } / ?")]
    [InlineData("author:")]
    [InlineData("after:notadate")]
    [InlineData("before:2023-02-30")]
    [InlineData("😀 ümlaut 中文")]
    public async Task Query_syntax_characters_are_searched_not_an_error(string q)
    {
        var response = await Client.GetAsync("/api/search?q=" + Uri.EscapeDataString(q));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"q={q}: {(int)response.StatusCode} {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(q, body.GetProperty("query").GetString());
        Assert.True(body.GetProperty("total").GetInt32() >= 0);
    }

    [Fact]
    public async Task Balanced_syntax_still_finds_the_paper()
    {
        var body = await Ok("/api/search?q=" + Uri.EscapeDataString("(rayleigh) quotient* [graph]"));
        Assert.Contains("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection",
            body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("title").GetString()));
    }

    [Theory]
    [InlineData("the of and")]
    [InlineData("a an the")]
    public async Task Only_stop_words_give_no_results_and_a_notice(string q)
    {
        var body = await Ok("/api/search?q=" + Uri.EscapeDataString(q));
        Assert.Equal(0, body.GetProperty("total").GetInt32());
        Assert.Equal(0, body.GetProperty("results").GetArrayLength());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("notice").GetString()));
    }

    [Fact]
    public async Task Only_stop_words_on_the_search_page_show_the_notice()
    {
        var response = await Client.GetAsync("/search?q=the+of+and");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("class=\"notice\"", html);
        Assert.DoesNotContain("class=\"card\"", html);
    }

    [Theory]
    [InlineData("/search?q=")]
    [InlineData("/search?q=%22graph")]
    [InlineData("/search?q=%28%20%29%20%3A%20%2A%20~%20%5E%20%5B%20%5D%20%5C")]
    [InlineData("/search?q=graph&page=-3")]
    [InlineData("/search?q=graph&page=abc")]
    [InlineData("/search?q=graph&page=99999999999")]
    [InlineData("/date/2023-10-04?page=-1")]
    [InlineData("/date/2023-10-04?page=zzz")]
    [InlineData("/?page=100000")]
    public async Task Odd_page_parameters_still_render_a_page(string url)
    {
        var response = await Client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_10_kB_query_on_the_search_page_is_refused_politely()
    {
        var response = await Client.GetAsync("/search?q=" + new string('a', 10_000));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", html);
        Assert.Contains("10000 characters", html);
    }

    [Theory]
    [InlineData("/date/2023-02-30")]
    [InlineData("/week/2023-W60")]
    [InlineData("/month/2023-13")]
    [InlineData("/year/2023")]
    [InlineData("/papers/t-000000000000")]
    [InlineData("/no/such/page")]
    public async Task Bad_page_addresses_are_a_404_html_page(string url)
    {
        var response = await Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Not found</h1>", html);
        Assert.Contains("href=\"/\"", html);
    }
}
