using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Paperboy.Tests.Harvesting;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>Submitting by arXiv id through the whole app, against a local server replaying recorded arXiv answers.</summary>
public sealed class SubmitTests
{
    private static Task<TestHost> StartAsync(ArxivReplayServer arxiv) =>
        TestHost.StartAsync(true, $"--Arxiv:ApiBaseUrl={arxiv.ApiUrl}", "--Arxiv:MinInterval=00:00:00.010", "--Arxiv:Timeout=00:00:02",
            "--Arxiv:RetryBaseDelay=00:00:00.010");

    [Fact]
    public async Task A_member_submits_by_url_and_the_paper_page_says_who_submitted_it()
    {
        await using var arxiv = await ArxivReplayServer.StartAsync(r => r.IdList == "2310.02861" ? Reply.Replay("2310.02861.atom") : Reply.Fault(404));
        await using var host = await StartAsync(arxiv);
        var user = await Members.CreateAsync(host, $"submitter-{Guid.NewGuid():N}@example.org", name: "Grace");
        using var browser = await Members.SignedInClientAsync(host, user.Email!);

        var submitted = await Members.PostFormAsync(browser, "/submit", new() { ["Arxiv"] = "https://arxiv.org/abs/2310.02861v1" });
        Assert.Equal(HttpStatusCode.Redirect, submitted.StatusCode);
        var page = await browser.GetStringAsync(submitted.Headers.Location!.OriginalString);
        Assert.Contains("Rayleigh Quotient Graph Neural Networks", page);
        Assert.Contains("Submitted by <strong>Grace</strong>", page);

        // The seed pages already had this paper by title: it was merged and re-keyed, not duplicated.
        Assert.Equal(257, await host.Get<Paperboy.Storage.PaperStore>().CountAsync());
    }

    [Fact]
    public async Task The_API_answers_unknown_ids_and_an_unavailable_arXiv_with_fitting_problems()
    {
        await using var arxiv = await ArxivReplayServer.StartAsync(r => r.IdList switch
        {
            "2310.02861" => Reply.Replay("2310.02861.atom"),
            "2401.00001" => Reply.Fault(503),
            _ => Reply.Replay("empty.atom"),
        });
        await using var host = await StartAsync(arxiv);
        using var member = await Members.TokenClientAsync(host, await Members.CreateAsync(host, $"api-{Guid.NewGuid():N}@example.org"));

        var created = await member.PostAsJsonAsync("/api/papers", new { arxiv = "2310.02861" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);   // known by title from the seeds: merged, so not 201
        Assert.Equal("2310.02861", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsJsonAsync("/api/papers", new { arxiv = "2312.99999" })).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await member.PostAsJsonAsync("/api/papers", new { arxiv = "2401.00001" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await member.PostAsJsonAsync("/api/papers", new { arxiv = "not an id" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.PostAsJsonAsync("/api/papers", new { arxiv = "2310.02861" })).StatusCode);
    }

    [Fact]
    public async Task Votes_comments_and_collection_entries_follow_a_paper_when_its_arXiv_id_arrives()
    {
        await using var arxiv = await ArxivReplayServer.StartAsync(_ => Reply.Replay("2310.02861.atom"));
        await using var host = await StartAsync(arxiv);
        using var member = await Members.TokenClientAsync(host, await Members.CreateAsync(host, $"early-{Guid.NewGuid():N}@example.org"));
        var found = await host.Client.GetFromJsonAsync<JsonElement>("/api/search?mode=lexical&limit=1&q=Rayleigh+Quotient+Graph+Neural+Networks");
        var titleId = found.GetProperty("results")[0].GetProperty("id").GetString()!;
        Assert.StartsWith("t-", titleId);

        (await member.PostAsync($"/api/papers/{titleId}/upvote", null)).EnsureSuccessStatusCode();
        (await member.PostAsJsonAsync($"/api/papers/{titleId}/comments", new { markdown = "Spectral energy, nice." })).EnsureSuccessStatusCode();
        var collection = await (await member.PostAsJsonAsync("/api/collections", new { name = "Graphs", isPublic = true })).Content.ReadFromJsonAsync<JsonElement>();
        var collectionId = collection.GetProperty("id").GetInt64();
        (await member.PutAsync($"/api/collections/{collectionId}/papers/{titleId}", null)).EnsureSuccessStatusCode();

        (await member.PostAsJsonAsync("/api/papers", new { arxiv = "2310.02861" })).EnsureSuccessStatusCode();

        var paper = await host.Client.GetFromJsonAsync<JsonElement>("/api/papers/2310.02861");
        Assert.Equal(1, paper.GetProperty("upvotes").GetInt32());
        Assert.Equal(1, paper.GetProperty("commentCount").GetInt32());
        var comments = await host.Client.GetFromJsonAsync<JsonElement>("/api/papers/2310.02861/comments");
        Assert.Contains("Spectral energy", comments.ToString());
        var inCollection = await host.Client.GetStringAsync($"/api/collections/{collectionId}");
        Assert.Contains("2310.02861", inCollection);
        // The old id still leads to the paper.
        Assert.Equal("2310.02861", (await host.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{titleId}")).GetProperty("id").GetString());
    }
}
