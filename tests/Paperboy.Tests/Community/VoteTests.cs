using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>Upvotes through the API and the form, each test written as the misuse it prevents.</summary>
public sealed class VoteTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private TestHost Host => shared.Host;
    private const string Rayleigh = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection";

    private async Task<string> PaperId(string title)
    {
        var body = await Host.Client.GetFromJsonAsync<JsonElement>("/api/search?mode=lexical&limit=1&q=" + Uri.EscapeDataString(title));
        return body.GetProperty("results")[0].GetProperty("id").GetString()!;
    }

    private async Task<int> Upvotes(string id) =>
        (await Host.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{id}")).GetProperty("upvotes").GetInt32();

    [Fact]
    public async Task An_anonymous_upvote_is_401()
    {
        var id = await PaperId(Rayleigh);
        var response = await Host.Client.PostAsync($"/api/papers/{id}/upvote", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Client.DeleteAsync($"/api/papers/{id}/upvote")).StatusCode);
    }

    [Fact]
    public async Task A_member_votes_once_however_often_they_post_and_can_withdraw()
    {
        var id = await PaperId("Flexible Model Aggregation for Quantile Regression");
        var before = await Upvotes(id);
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, $"once-{Guid.NewGuid():N}@example.org"));
        for (var i = 0; i < 3; i++)
        {
            var vote = await member.PostAsync($"/api/papers/{id}/upvote", null);
            Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
        }
        Assert.Equal(before + 1, await Upvotes(id));
        var withdrawn = await (await member.DeleteAsync($"/api/papers/{id}/upvote")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(withdrawn.GetProperty("voted").GetBoolean());
        Assert.Equal(before, await Upvotes(id));
    }

    [Fact]
    public async Task A_hundred_members_voting_at_once_give_exactly_a_hundred_votes()
    {
        var id = await PaperId("Learning Hierarchical Polynomials with Three-Layer Neural Networks");
        var before = await Upvotes(id);
        var clients = new List<HttpClient>();
        for (var i = 0; i < 100; i++) clients.Add(await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, $"crowd{i}-{Guid.NewGuid():N}@example.org")));
        var responses = await Task.WhenAll(clients.Select(c => c.PostAsync($"/api/papers/{id}/upvote", null)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(before + 100, await Upvotes(id));
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task A_cookie_authenticated_vote_without_the_antiforgery_token_is_refused()
    {
        var id = await PaperId(Rayleigh);
        var user = await Members.CreateAsync(Host, $"csrf-{Guid.NewGuid():N}@example.org");
        using var browser = await Members.SignedInClientAsync(Host, user.Email!);
        var before = await Upvotes(id);

        // What a hostile page could make the browser send: the cookie, but no token.
        var forged = await browser.PostAsync($"/api/papers/{id}/upvote", null);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var forgedForm = await browser.PostAsync($"/papers/{id}/vote", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forgedForm.StatusCode);
        Assert.Equal(before, await Upvotes(id));

        // The real button: the form from the paper page, with its token.
        var voted = await Members.PostFormAsync(browser, $"/papers/{id}/vote", new() { ["returnUrl"] = $"/papers/{id}" }, formPage: $"/papers/{id}");
        Assert.Equal(HttpStatusCode.Redirect, voted.StatusCode);
        Assert.Equal($"/papers/{id}", voted.Headers.Location?.OriginalString);
        Assert.Equal(before + 1, await Upvotes(id));
        var page = await browser.GetStringAsync($"/papers/{id}");
        Assert.Contains("aria-pressed=\"true\"", page);
    }

    [Fact]
    public async Task The_vote_form_never_redirects_to_another_site()
    {
        var id = await PaperId(Rayleigh);
        var user = await Members.CreateAsync(Host, $"redirect-{Guid.NewGuid():N}@example.org");
        using var browser = await Members.SignedInClientAsync(Host, user.Email!);
        foreach (var target in new[] { "https://evil.example/", "//evil.example/", "/\\evil.example" })
        {
            var response = await Members.PostFormAsync(browser, $"/papers/{id}/vote", new() { ["returnUrl"] = target }, formPage: $"/papers/{id}");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/papers/", response.Headers.Location?.OriginalString);
        }
    }

    [Fact]
    public async Task Voting_for_an_unknown_paper_is_404()
    {
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, $"ghost-{Guid.NewGuid():N}@example.org"));
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync("/api/papers/t-000000000000/upvote", null)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_or_made_up_token_authenticates_nobody()
    {
        var id = await PaperId(Rayleigh);
        using var fake = Microsoft.AspNetCore.TestHost.HostBuilderTestServerExtensions.GetTestClient(Host.App);
        fake.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "pb_madeup");
        Assert.Equal(HttpStatusCode.Unauthorized, (await fake.PostAsync($"/api/papers/{id}/upvote", null)).StatusCode);
    }
}
