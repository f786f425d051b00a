using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>The HTTP contract of architecture.md on the demo corpus: answers, and errors that are never a 500.</summary>
public sealed class ApiContractTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private TestHost Host => shared.Host;
    private HttpClient Client => Host.Client;


    [Fact]
    public async Task Searching_activation_function_finds_the_activation_paper_in_the_top_3()
    {
        var body = await Client.GetFromJsonAsync<JsonElement>("/api/search?q=activation+function");
        var titles = body.GetProperty("results").EnumerateArray().Take(3).Select(r => r.GetProperty("title").GetString()).ToList();
        Assert.Contains("A Method on Searching Better Activation Functions", titles);
    }

    [Fact]
    public async Task The_daily_board_of_2023_10_04_holds_the_Rayleigh_quotient_paper()
    {
        var body = await Client.GetFromJsonAsync<JsonElement>("/api/boards/daily?date=2023-10-04");
        var titles = body.GetProperty("papers").EnumerateArray().Select(r => r.GetProperty("title").GetString()).ToList();
        Assert.Contains("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", titles);
    }

    [Theory]
    [InlineData("/api/search?q=graph&limit=-1", HttpStatusCode.BadRequest)]
    [InlineData("/api/search?q=graph&limit=abc", HttpStatusCode.BadRequest)]
    [InlineData("/api/search?q=", HttpStatusCode.BadRequest)]
    [InlineData("/api/papers/t-000000000000", HttpStatusCode.NotFound)]
    [InlineData("/api/boards/daily?date=2023-02-30", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_get_a_problem_with_a_fitting_status(string url, HttpStatusCode expected)
    {
        var response = await Client.GetAsync(url);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_10_kB_query_is_a_400_not_a_500()
    {
        var response = await Client.GetAsync("/api/search?q=" + new string('a', 10_000));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_quiet_newest_day_is_followed_by_earlier_papers_on_the_front_page()
    {
        var html = await Client.GetStringAsync("/");
        Assert.Contains("Earlier papers", html);
        var cards = html.Split("class=\"card\"").Length - 1;
        Assert.Equal(1 + 20, cards);   // the newest day's one paper, then twenty earlier ones
    }
}
