using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Hostile;

/// <summary>
/// Every endpoint that takes a JSON body, sent broken, deeply nested, mistyped and huge JSON: always a 400 problem+json
/// that says what is wrong with the body, never a 500, never a stack overflow.
/// </summary>
public sealed class JsonBodyTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private static int _members;

    /// <summary>The JSON-taking endpoints, with ids of things the member owns so that only the body can be wrong.</summary>
    private async Task<(HttpClient Client, (HttpMethod Method, string Url)[] Endpoints)> MemberAsync()
    {
        var user = await Members.CreateAsync(shared.Host, $"json{Interlocked.Increment(ref _members)}@example.org");
        var client = await Members.TokenClientAsync(shared.Host, user);
        var paper = (await client.GetFromJsonAsync<JsonElement>("/api/search?q=graph&mode=lexical")).GetProperty("results")[0].GetProperty("id").GetString()!;
        var collection = await client.PostAsJsonAsync("/api/collections", new { name = "mine" });
        var comment = await client.PostAsJsonAsync($"/api/papers/{Uri.EscapeDataString(paper)}/comments", new { markdown = "mine" });
        Assert.Equal(HttpStatusCode.Created, collection.StatusCode);
        Assert.Equal(HttpStatusCode.Created, comment.StatusCode);
        var collectionId = (await collection.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var commentId = (await comment.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        return (client,
        [
            (HttpMethod.Post, "/api/collections"),
            (HttpMethod.Patch, $"/api/collections/{collectionId}"),
            (HttpMethod.Post, $"/api/papers/{Uri.EscapeDataString(paper)}/comments"),
            (HttpMethod.Put, $"/api/comments/{commentId}"),
            (HttpMethod.Post, "/api/papers"),
        ]);
    }

    public static TheoryData<string, string> Bodies => new()
    {
        { "unterminated", "{\"name\": \"x" },
        { "not JSON", "<xml/>" },
        { "trailing garbage", "{\"name\": \"x\"} {" },
        { "nested arrays 10,000 deep", new string('[', 10_000) + new string(']', 10_000) },
        { "nested objects 5,000 deep", string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000) },
        { "a deep value in a known field", "{\"name\": " + new string('[', 3_000) + new string(']', 3_000) + "}" },
        { "a number for a string", "{\"name\": 5, \"markdown\": 5, \"arxiv\": 5}" },
        { "an object for a string", "{\"name\": {}, \"markdown\": {}, \"arxiv\": {}}" },
        { "a string for a bool", "{\"name\": \"x\", \"isPublic\": \"yes\"}" },
        { "a huge array", "{\"name\": [" + string.Join(',', Enumerable.Repeat("1", 200_000)) + "]}" },
        { "invalid UTF-8 escape", "{\"name\": \"\\ud800\\u\"}" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_hostile_body_is_a_400_problem_on_every_json_endpoint(string kind, string body)
    {
        var (client, endpoints) = await MemberAsync();
        foreach (var (method, url) in endpoints)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{kind}: {method} {url} answered {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var detail = JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString();
            Assert.False(string.IsNullOrWhiteSpace(detail), $"{kind}: {method} {url} says nothing of the problem: {text}");
        }
    }

    [Fact]
    public async Task A_body_that_is_not_json_at_all_is_refused_by_its_media_type()
    {
        var (client, endpoints) = await MemberAsync();
        foreach (var (method, url) in endpoints)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded") });
            Assert.True(response.StatusCode is HttpStatusCode.UnsupportedMediaType or HttpStatusCode.BadRequest, $"{method} {url}: {(int)response.StatusCode}");
        }
    }
}
