using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using Paperboy.Core.Papers;
using Paperboy.Indexing;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Topics;

/// <summary>The topic map computed by the indexer on the demo corpus, as the API, the pages and the change log see it.</summary>
public sealed class TopicApiTests(SharedTestHost fixture) : IClassFixture<SharedTestHost>
{
    private HttpClient Client => fixture.Client;

    private async Task<JsonElement> Json(string url)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Every_paper_has_one_topic_and_topics_are_labelled()
    {
        var topics = (await Json("/api/topics")).GetProperty("topics").EnumerateArray().ToList();
        var papers = await fixture.Host.Get<PaperStore>().CountAsync();
        Assert.InRange(topics.Count, 2, 40);
        Assert.Equal(papers, topics.Sum(t => t.GetProperty("size").GetInt32()));
        Assert.All(topics, t =>
        {
            Assert.True(t.GetProperty("terms").GetArrayLength() >= 3, t.ToString());
            Assert.InRange(t.GetProperty("x").GetSingle(), 0, 1);
            Assert.EndsWith($"/topics/{t.GetProperty("id").GetInt32()}", t.GetProperty("url").GetString());
        });
        // Largest first.
        Assert.Equal(topics.Select(t => t.GetProperty("size").GetInt32()).OrderDescending(), topics.Select(t => t.GetProperty("size").GetInt32()));
    }

    [Fact]
    public async Task A_topic_lists_its_papers_ranked_as_a_board_with_weekly_and_monthly_counts()
    {
        var first = (await Json("/api/topics")).GetProperty("topics")[0];
        var id = first.GetProperty("id").GetInt32();
        var body = await Json($"/api/topics/{id}?limit=200");
        Assert.Equal(first.GetProperty("size").GetInt32(), body.GetProperty("total").GetInt32());
        var papers = body.GetProperty("papers").EnumerateArray().ToList();
        Assert.Equal(body.GetProperty("total").GetInt32(), papers.Count);
        var votes = papers.Select(p => p.GetProperty("upvotes").GetInt32()).ToList();
        Assert.Equal(votes.OrderDescending(), votes);
        var topicOf = await fixture.Host.Get<TopicStore>().TopicOfAsync(papers.Select(p => p.GetProperty("id").GetString()!).ToList());
        Assert.All(topicOf.Values, t => Assert.Equal(id, t));
        Assert.Equal(papers.Count, topicOf.Count);
        var monthly = body.GetProperty("monthly");
        Assert.Equal(monthly.GetProperty("periods").GetArrayLength(), monthly.GetProperty("papers").GetArrayLength());
        Assert.Equal(papers.Count(p => p.GetProperty("feedDay").ValueKind != JsonValueKind.Null || p.GetProperty("publishedAt").ValueKind != JsonValueKind.Null),
            (int)monthly.GetProperty("papers").EnumerateArray().Sum(v => v.GetDouble()));
        Assert.Matches(@"^\d{4}-W\d{2}$", body.GetProperty("weekly").GetProperty("periods")[0].GetString());
    }

    [Theory]
    [InlineData("/api/topics/999", 404)]
    [InlineData("/api/topics/abc", 404)]
    [InlineData("/api/topics/0?limit=0", 400)]
    [InlineData("/api/map/points?limit=999999", 400)]
    [InlineData("/api/trends", 400)]
    [InlineData("/api/trends?terms=,,", 400)]
    public async Task Bad_requests_are_problems(string url, int status)
    {
        var response = await Client.GetAsync(url);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Map_points_page_through_every_placed_paper_in_the_binary_format()
    {
        var total = await fixture.Host.Get<TopicStore>().PointCountAsync();
        var seen = new List<string>();
        var after = "";
        while (true)
        {
            var bytes = await Client.GetByteArrayAsync($"/api/map/points?limit=100&after={Uri.EscapeDataString(after)}");
            Assert.Equal("PBM1", Encoding.ASCII.GetString(bytes, 0, 4));
            var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
            Assert.Equal(total, (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
            if (count == 0) break;
            for (var i = 0; i < count; i++)
            {
                Assert.InRange(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(12 + i * 4)), 0f, 1f);
                Assert.InRange(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(12 + count * 4 + i * 4)), 0f, 1f);
            }
            var ids = Encoding.UTF8.GetString(bytes, 12 + count * 8 + (count * 2 + 3) / 4 * 4, bytes.Length - (12 + count * 8 + (count * 2 + 3) / 4 * 4)).Split('\n');
            Assert.Equal(count, ids.Length);
            seen.AddRange(ids);
            after = ids[^1];
            if (count < 100) break;
        }
        Assert.Equal(total, seen.Count);
        Assert.Equal(total, seen.Distinct().Count());
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task Keyword_trends_give_each_terms_monthly_share()
    {
        var body = await Json("/api/trends?terms=diffusion,graph,zzzqqq");
        var months = body.GetProperty("months").EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.True(months.Count > 12);
        Assert.Equal(months.Order(StringComparer.Ordinal), months);
        var series = body.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["diffusion", "graph", "zzzqqq"], series.Select(s => s.GetProperty("term").GetString()));
        Assert.All(series, s => Assert.Equal(months.Count, s.GetProperty("share").GetArrayLength()));
        Assert.Contains(series[0].GetProperty("share").EnumerateArray(), v => v.GetDouble() > 0);
        Assert.All(series.SelectMany(s => s.GetProperty("share").EnumerateArray()), v => Assert.InRange(v.GetDouble(), 0, 1));
        Assert.All(series[2].GetProperty("share").EnumerateArray(), v => Assert.Equal(0, v.GetDouble()));
    }

    [Fact]
    public async Task The_front_page_loads_under_100_KB_of_script_and_style_and_not_the_map_script()
    {
        var html = await Client.GetStringAsync("/");
        var assets = System.Text.RegularExpressions.Regex.Matches(html, "<(?:link rel=\"stylesheet\" href|script src)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, assets.Count);
        Assert.DoesNotContain(assets, a => a.Contains("map.js"));
        long bytes = 0;
        foreach (var a in assets) bytes += (await Client.GetByteArrayAsync(a)).Length;
        Assert.InRange(bytes, 1_000, 100_000);
    }

    [Fact]
    public async Task Pages_show_topics_charts_and_chips_with_encoded_text()
    {
        var topics = await fixture.Host.Get<TopicStore>().TopicsAsync();
        var html = await Client.GetStringAsync($"/topics/{topics[0].Id}");
        Assert.Contains("id=\"topic-monthly\"", html);
        Assert.Contains("class=\"series series-0\"", html);
        Assert.Contains($"href=\"/topics/{topics[0].Id}\"", html);
        var trends = await Client.GetStringAsync("/trends?terms=%3Cscript%3Ealert(1)%3C%2Fscript%3E,GAN");
        Assert.DoesNotContain("<script>alert", trends);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", trends);
        var home = await Client.GetStringAsync("/");
        Assert.Contains("class=\"chip topic-", home);
        Assert.Contains("id=\"rising-h\"", home);
        var map = await Client.GetStringAsync("/map");
        Assert.Contains($"data-points-total=\"{await fixture.Host.Get<TopicStore>().PointCountAsync()}\"", map);
    }
}

/// <summary>The topic map follows the change log: a new paper gets a topic and a place without a recompute; reindex recomputes.</summary>
public sealed class TopicFollowingTests
{
    [Fact]
    public async Task A_new_paper_joins_the_nearest_topic_near_its_neighbours()
    {
        await using var host = await TestHost.StartAsync();
        var store = host.Get<TopicStore>();
        var before = (await store.StateAsync())!;
        var papers = host.Get<PaperStore>();
        // A near copy of a demo paper: it should land in that paper's topic, close to it.
        var twin = await papers.FindAsync("t-9da78b4e0fa9");
        Assert.NotNull(twin);
        var twinTopic = (await store.TopicOfAsync([twin.Id]))[twin.Id];
        async Task<double> MonthlyCount()
        {
            var body = JsonDocument.Parse(await host.Client.GetStringAsync($"/api/topics/{twinTopic}")).RootElement;
            return body.GetProperty("monthly").GetProperty("papers").EnumerateArray().Sum(v => v.GetDouble());
        }
        var countedBefore = await MonthlyCount();   // the counts are kept until the store or the map changes
        await papers.ImportAsync([new Paper
        {
            Id = "2501.00001", ArxivId = "2501.00001", Title = twin.Title + " Revisited", Abstract = twin.Abstract,
            PublishedAt = new DateOnly(2025, 12, 1), Authors = ["A. Author"],
        }]);
        await host.Get<Indexer>().CatchUpAsync();
        var after = (await store.StateAsync())!;
        Assert.Equal(before.ComputedAt, after.ComputedAt);                 // followed, not recomputed
        Assert.Equal(await papers.LastChangeSeqAsync(), after.AppliedSeq);
        var placed = await store.PositionsAsync(["2501.00001", twin.Id]);
        Assert.Equal(placed[twin.Id].TopicId, placed["2501.00001"].TopicId);
        var distance = Math.Sqrt(Math.Pow(placed[twin.Id].X - placed["2501.00001"].X, 2) + Math.Pow(placed[twin.Id].Y - placed["2501.00001"].Y, 2));
        Assert.True(distance < 0.15, $"the new paper is {distance:0.000} away from its twin");
        var sizes = (await store.TopicsAsync()).Sum(t => t.Size);
        Assert.Equal(await papers.CountAsync(), sizes);
        Assert.Equal(countedBefore + 1, await MonthlyCount());

        // reindex computes the map again from scratch.
        await host.Get<Indexer>().RebuildAsync();
        var recomputed = (await store.StateAsync())!;
        Assert.True(recomputed.ComputedAt > after.ComputedAt);
        Assert.Equal(await papers.CountAsync(), recomputed.ComputedOn);
    }
}
