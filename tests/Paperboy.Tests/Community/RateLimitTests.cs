using System.Net;
using System.Net.Http.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>Every rate-limited write answers 429 with Retry-After once its window is spent (each test on a fresh host).</summary>
public sealed class RateLimitTests
{
    private static void AssertLimited(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single()) > 0);
    }

    [Fact]
    public async Task Flooding_votes_is_limited()
    {
        await using var host = await TestHost.StartAsync();
        using var member = await Members.TokenClientAsync(host, await Members.CreateAsync(host, "voter@example.org"));
        HttpResponseMessage last = null!;
        for (var i = 0; i < 121; i++) last = await member.PostAsync("/api/papers/t-000000000000/upvote", null);
        AssertLimited(last);
    }

    [Fact]
    public async Task Flooding_submissions_is_limited()
    {
        await using var host = await TestHost.StartAsync();
        using var member = await Members.TokenClientAsync(host, await Members.CreateAsync(host, "submitter@example.org"));
        HttpResponseMessage last = null!;
        for (var i = 0; i < 11; i++) last = await member.PostAsJsonAsync("/api/papers", new { arxiv = "not an id" });
        AssertLimited(last);
    }

    [Fact]
    public async Task Mass_sign_ups_are_limited()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = Members.BrowserClient(host);
        HttpResponseMessage last = null!;
        for (var i = 0; i < 6; i++)
            last = await Members.PostFormAsync(browser, "/account/signup",
                new() { ["Form.Email"] = $"bot{i}@example.org", ["Form.DisplayName"] = "Bot", ["Form.Password"] = "short" });
        AssertLimited(last);
    }

    [Fact]
    public async Task The_sign_in_cookie_is_http_only_and_same_site()
    {
        await using var host = await TestHost.StartAsync();
        var user = await Members.CreateAsync(host, "cookie@example.org");
        using var browser = Members.BrowserClient(host);
        var response = await Members.PostFormAsync(browser, "/account/signin", new() { ["Form.Email"] = user.Email!, ["Form.Password"] = Members.Password });
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("paperboy.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class CollectionRateLimitTests
{
    [Fact]
    public async Task Flooding_collection_writes_is_limited()
    {
        await using var host = await TestHost.StartAsync();
        using var member = await Members.TokenClientAsync(host, await Members.CreateAsync(host, "hoarder@example.org"));
        HttpResponseMessage last = null!;
        for (var i = 0; i < 61; i++) last = await member.PostAsJsonAsync("/api/collections", new { name = "" });
        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.True(last.Headers.Contains("Retry-After"));
    }
}
