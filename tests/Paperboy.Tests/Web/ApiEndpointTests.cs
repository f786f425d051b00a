using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>Every endpoint of the HTTP contract (architecture.md) on the demo corpus, answering 200 with the documented shape.</summary>
public sealed class ApiEndpointTests(SharedTestHost fixture) : IClassFixture<SharedTestHost>
{
    private const string Rayleigh = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection";
    private HttpClient Client => fixture.Client;

    private async Task<JsonElement> Json(string url)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static List<string> Ids(JsonElement body, string array = "results") =>
        body.GetProperty(array).EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task Search_answers_with_the_documented_fields()
    {
        var body = await Json("/api/search?q=graph+anomaly+detection");
        Assert.Equal("graph anomaly detection", body.GetProperty("query").GetString());
        Assert.True(body.GetProperty("total").GetInt32() > 0);
        var first = body.GetProperty("results")[0];
        foreach (var field in new[] { "id", "title", "abstract", "authors", "authorCount", "publishedAt", "upvotes", "score", "url" })
            Assert.True(first.TryGetProperty(field, out _), $"result lacks '{field}': {first}");
        Assert.Equal(Rayleigh, first.GetProperty("title").GetString());
        Assert.EndsWith("/papers/" + Uri.EscapeDataString(first.GetProperty("id").GetString()!), first.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Search_pages_with_limit_and_offset()
    {
        var all = await Json("/api/search?q=language+model&limit=10");
        var page1 = await Json("/api/search?q=language+model&limit=5&offset=0");
        var page2 = await Json("/api/search?q=language+model&limit=5&offset=5");
        Assert.Equal(10, all.GetProperty("results").GetArrayLength());
        Assert.Equal(5, page1.GetProperty("results").GetArrayLength());
        Assert.Equal(5, page2.GetProperty("results").GetArrayLength());
        Assert.Equal(all.GetProperty("total").GetInt32(), page2.GetProperty("total").GetInt32());
        Assert.Equal(5, page2.GetProperty("offset").GetInt32());
        Assert.Equal(Ids(all), Ids(page1).Concat(Ids(page2)).ToList());
        Assert.Empty(Ids(page1).Intersect(Ids(page2)));
    }

    [Fact]
    public async Task Search_past_the_end_is_an_empty_page_not_an_error()
    {
        var body = await Json("/api/search?q=graph&offset=10000");
        Assert.Equal(0, body.GetProperty("results").GetArrayLength());
        Assert.True(body.GetProperty("total").GetInt32() > 0);
    }

    [Theory]
    [InlineData("hybrid")]
    [InlineData("lexical")]
    [InlineData("semantic")]
    [InlineData("LEXICAL")]
    public async Task Every_search_mode_answers(string mode)
    {
        var body = await Json($"/api/search?q=activation+function&mode={mode}");
        Assert.Equal(mode.ToLowerInvariant(), body.GetProperty("mode").GetString());
        var titles = body.GetProperty("results").EnumerateArray().Take(3).Select(r => r.GetProperty("title").GetString());
        Assert.Contains("A Method on Searching Better Activation Functions", titles);
    }

    [Fact]
    public async Task From_and_to_restrict_the_publication_dates()
    {
        var unrestricted = await Json("/api/search?q=model&limit=100");
        var body = await Json("/api/search?q=model&limit=100&from=2023-10-01&to=2023-10-31");
        var days = body.GetProperty("results").EnumerateArray()
            .Select(r => DateOnly.Parse(r.GetProperty("publishedAt").GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(days);
        Assert.All(days, d => Assert.InRange(d, new DateOnly(2023, 10, 1), new DateOnly(2023, 10, 31)));
        Assert.True(body.GetProperty("total").GetInt32() < unrestricted.GetProperty("total").GetInt32());

        var onlyFrom = await Json("/api/search?q=model&limit=100&from=2023-12-01");
        Assert.All(onlyFrom.GetProperty("results").EnumerateArray(),
            r => Assert.True(DateOnly.Parse(r.GetProperty("publishedAt").GetString()!, CultureInfo.InvariantCulture) >= new DateOnly(2023, 12, 1)));
    }

    [Fact]
    public async Task A_paper_is_found_by_its_id()
    {
        var search = await Json("/api/search?q=Rayleigh+Quotient&limit=1");
        var id = search.GetProperty("results")[0].GetProperty("id").GetString()!;
        var paper = await Json("/api/papers/" + Uri.EscapeDataString(id));
        Assert.Equal(id, paper.GetProperty("id").GetString());
        Assert.Equal(Rayleigh, paper.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(paper.GetProperty("abstract").GetString()));
        Assert.Equal("2023-10-04", paper.GetProperty("publishedAt").GetString());
    }

    [Fact]
    public async Task The_daily_board_names_its_day_and_neighbours()
    {
        var body = await Json("/api/boards/daily?date=2023-10-04");
        Assert.Equal("daily", body.GetProperty("kind").GetString());
        Assert.Equal("2023-10-04", body.GetProperty("period").GetString());
        Assert.Equal("2023-10-03", body.GetProperty("previous").GetString());
        Assert.Equal("2023-10-05", body.GetProperty("next").GetString());
        var papers = body.GetProperty("papers").EnumerateArray().ToList();
        Assert.Contains(Rayleigh, papers.Select(p => p.GetProperty("title").GetString()));
        Assert.All(papers, p => Assert.Equal("2023-10-04", p.GetProperty("publishedAt").GetString()));
        Assert.Equal(papers.Count, body.GetProperty("total").GetInt32());
        var votes = papers.Select(p => p.GetProperty("upvotes").GetInt32()).ToList();
        Assert.Equal(votes.OrderByDescending(v => v).ToList(), votes);
    }

    [Fact]
    public async Task The_weekly_board_spans_an_iso_week()
    {
        var body = await Json("/api/boards/weekly?week=2023-W40");
        Assert.Equal("weekly", body.GetProperty("kind").GetString());
        Assert.Equal("2023-W40", body.GetProperty("period").GetString());
        Assert.Equal("2023-10-02", body.GetProperty("from").GetString());
        Assert.Equal("2023-10-08", body.GetProperty("to").GetString());
        Assert.Equal("2023-W39", body.GetProperty("previous").GetString());
        Assert.Equal("2023-W41", body.GetProperty("next").GetString());
        Assert.Contains(Rayleigh, body.GetProperty("papers").EnumerateArray().Select(p => p.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task The_weekly_board_crosses_the_year_boundary()
    {
        var body = await Json("/api/boards/weekly?week=2024-W01");
        Assert.Equal("2023-W52", body.GetProperty("previous").GetString());
        Assert.Equal("2024-01-01", body.GetProperty("from").GetString());
    }

    [Fact]
    public async Task The_monthly_board_spans_a_month_and_holds_the_daily_papers()
    {
        var month = await Json("/api/boards/monthly?month=2023-10&limit=200");
        var day = await Json("/api/boards/daily?date=2023-10-04&limit=200");
        Assert.Equal("monthly", month.GetProperty("kind").GetString());
        Assert.Equal("2023-10", month.GetProperty("period").GetString());
        Assert.Equal("2023-10-01", month.GetProperty("from").GetString());
        Assert.Equal("2023-10-31", month.GetProperty("to").GetString());
        Assert.Equal("2023-09", month.GetProperty("previous").GetString());
        Assert.Equal("2023-11", month.GetProperty("next").GetString());
        Assert.Superset(Ids(day, "papers").ToHashSet(), Ids(month, "papers").ToHashSet());
        Assert.True(month.GetProperty("total").GetInt32() > day.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Board_limit_and_offset_page_through_the_board()
    {
        var all = await Json("/api/boards/monthly?month=2023-10&limit=10");
        var second = await Json("/api/boards/monthly?month=2023-10&limit=5&offset=5");
        Assert.Equal(Ids(all, "papers").Skip(5).ToList(), Ids(second, "papers"));
    }

    [Theory]
    [InlineData("daily")]
    [InlineData("weekly")]
    [InlineData("monthly")]
    public async Task A_board_without_a_period_shows_the_one_with_the_newest_papers(string kind)
    {
        var latest = await fixture.Host.Get<PaperStore>().LatestBoardDayAsync();
        Assert.NotNull(latest);
        var expected = kind switch
        {
            "daily" => latest.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "weekly" => $"{ISOWeek.GetYear(latest.Value.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(latest.Value.ToDateTime(TimeOnly.MinValue)):00}",
            _ => latest.Value.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        };
        var body = await Json($"/api/boards/{kind}");
        Assert.Equal(expected, body.GetProperty("period").GetString());
        Assert.True(body.GetProperty("total").GetInt32() > 0);
    }

    [Fact]
    public async Task Health_reports_ok_and_the_paper_count()
    {
        var body = await Json("/healthz");
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(257, body.GetProperty("papers").GetInt32());
        Assert.Contains(body.GetProperty("topicMap").GetString(), new[] { "ready", "computing" });   // computing: search is up, the map on its way
    }

    [Fact]
    public async Task Metrics_report_memory_and_the_decoded_postings_in_prometheus_text()
    {
        var text = await Client.GetStringAsync("/metrics");
        foreach (var gauge in new[] { "process_resident_memory_bytes", "dotnet_gc_heap_bytes", "paperboy_decoded_postings_bytes" })
            Assert.Matches($"(?m)^# TYPE {gauge} gauge\n{gauge} [0-9.E+]+$", text);
        Assert.Matches("(?m)^# TYPE dotnet_gc_pause_seconds_total counter\ndotnet_gc_pause_seconds_total [0-9.E+-]+$", text);
    }

    [Fact]
    public async Task The_openapi_document_is_json_and_lists_the_paths()
    {
        var body = await Json("/openapi/v1.json");
        Assert.StartsWith("3.", body.GetProperty("openapi").GetString());
        var paths = body.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[] { "/api/search", "/api/papers/{id}", "/api/boards/daily", "/api/boards/weekly", "/api/boards/monthly", "/healthz" })
            Assert.Contains(path, paths);
    }
}
