using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Search.Recommending;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Recommending;

/// <summary>GET /api/me/recommendations on the demo corpus: likes are a member's upvotes and collected papers.</summary>
public sealed class RecommendationApiTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private TestHost Host => shared.Host;

    private async Task<string> PaperId(string title)
    {
        var body = await Host.Client.GetFromJsonAsync<JsonElement>("/api/search?mode=lexical&limit=1&q=" + Uri.EscapeDataString(title));
        var hit = body.GetProperty("results")[0];
        Assert.Equal(title, hit.GetProperty("title").GetString());
        return hit.GetProperty("id").GetString()!;
    }

    [Fact]
    public void The_host_recommends_with_the_vector_recommender_on_the_live_index() =>
        Assert.IsType<VectorRecommender>(Host.Get<IRecommender>());

    [Fact]
    public async Task Upvoted_and_collected_papers_bring_the_rest_of_their_topic()
    {
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, $"likes-{Guid.NewGuid():N}@example.org"));
        var ids = new List<string>();
        foreach (var title in VectorRecommenderTests.DiffusionSampling) ids.Add(await PaperId(title));
        Assert.Equal(HttpStatusCode.OK, (await member.PostAsync($"/api/papers/{ids[0]}/upvote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.PostAsync($"/api/papers/{ids[1]}/upvote", null)).StatusCode);
        var created = await member.PostAsJsonAsync("/api/collections", new { name = "Fast samplers", isPublic = false });
        var collection = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await member.PutAsync($"/api/collections/{collection}/papers/{ids[2]}", null)).StatusCode);

        var body = await member.GetFromJsonAsync<JsonElement>("/api/me/recommendations?limit=20");
        Assert.Equal(3, body.GetProperty("liked").GetInt32());
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(20, results.Count);   // of the ~250 demo papers not liked
        var recommended = results.Select(r => r.GetProperty("paper").GetProperty("id").GetString()!).ToList();
        Assert.DoesNotContain(recommended, ids.Take(3).Contains);
        // The candidates are the papers with a board day (a few demo papers have none): those of the topic come up.
        var dated = new List<string>();
        foreach (var id in ids.Skip(3))
        {
            var paper = await member.GetFromJsonAsync<JsonElement>($"/api/papers/{id}");
            if (paper.GetProperty("feedDay").ValueKind != JsonValueKind.Null || paper.GetProperty("publishedAt").ValueKind != JsonValueKind.Null) dated.Add(id);
        }
        Assert.NotEmpty(dated);
        Assert.All(dated, id => Assert.Contains(id, recommended));
        Assert.All(results, r => Assert.Contains(r.GetProperty("becauseOf").GetProperty("id").GetString(), ids.Take(3)));
        var scores = results.Select(r => r.GetProperty("paper").GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
    }

    [Fact]
    public async Task A_member_who_liked_nothing_gets_an_empty_list()
    {
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, $"nothing-{Guid.NewGuid():N}@example.org"));
        var body = await member.GetFromJsonAsync<JsonElement>("/api/me/recommendations");
        Assert.Equal(0, body.GetProperty("liked").GetInt32());
        Assert.Empty(body.GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task Visitors_get_401_and_a_bad_limit_is_a_400_problem()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Client.GetAsync("/api/me/recommendations")).StatusCode);
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, $"limits-{Guid.NewGuid():N}@example.org"));
        foreach (var bad in new[] { "0", "101", "ten" })
        {
            var response = await member.GetAsync($"/api/me/recommendations?limit={bad}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("limit", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());
        }
    }
}
