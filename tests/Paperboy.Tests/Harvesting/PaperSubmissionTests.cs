using Microsoft.Extensions.DependencyInjection;
using Paperboy.Harvesting;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Harvesting;

/// <summary>Submitting by id or URL: fetched from the replay server, stored in a real SQLite store, merged, never duplicated.</summary>
public sealed class PaperSubmissionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 14, 30, 0, TimeSpan.Zero);

    private static ServiceProvider Services(ArxivReplayServer server, TestStore store, FixedClock clock) =>
        ArxivTestServices.Build(server.ApiUrl, extra: s => s.AddSingleton(store.Store).AddSingleton<TimeProvider>(clock));

    [Fact]
    public async Task A_new_paper_is_stored_with_its_submitter_and_time()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var store = await TestStore.CreateAsync();
        await using var sp = Services(server, store, new FixedClock(Now));

        var result = await sp.GetRequiredService<PaperSubmission>().SubmitAsync("https://arxiv.org/abs/2310.02861v2", "Ada Lovelace");

        Assert.Equal(new SubmissionResult("2310.02861", true, "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection"), result);
        var stored = Assert.Single(await store.AllAsync());
        Assert.Equal("2310.02861", stored.Id);
        Assert.Equal(2, stored.Version);
        Assert.Equal("Ada Lovelace", stored.SubmittedBy);
        Assert.Equal(Now, stored.SubmittedAt);
        Assert.Equal(["Xiangyu Dong", "Xingyi Zhang", "Sibo Wang"], stored.Authors);
    }

    [Fact]
    public async Task Submitting_again_merges_and_keeps_the_first_submitter()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var store = await TestStore.CreateAsync();
        var clock = new FixedClock(Now);
        await using var sp = Services(server, store, clock);
        var submission = sp.GetRequiredService<PaperSubmission>();

        await submission.SubmitAsync("2310.02861", "Ada Lovelace");
        clock.Now = Now.AddHours(3);
        var again = await submission.SubmitAsync("arXiv:2310.02861v1", "Grace Hopper");

        Assert.Equal("2310.02861", again.PaperId);
        Assert.False(again.IsNew);
        var stored = Assert.Single(await store.AllAsync());
        Assert.Equal("Ada Lovelace", stored.SubmittedBy);
        Assert.Equal(Now, stored.SubmittedAt);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_paper_already_imported_is_merged_not_duplicated()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var store = await TestStore.CreateAsync();
        // arxiv_query.atom holds 2310.01234v2 and 2310.02861v1 (with a shorter abstract), nobody's submission.
        await store.ImportFileAsync(TestData.File("arxiv_query.atom"));
        Assert.Equal(2, (await store.AllAsync()).Count);
        await using var sp = Services(server, store, new FixedClock(Now));

        var result = await sp.GetRequiredService<PaperSubmission>().SubmitAsync("2310.02861", "Ada Lovelace");

        Assert.Equal("2310.02861", result.PaperId);
        Assert.False(result.IsNew);
        var all = await store.AllAsync();
        Assert.Equal(2, all.Count);
        var merged = Assert.Single(all, p => p.Id == "2310.02861");
        Assert.Equal(2, merged.Version);
        Assert.Equal("Ada Lovelace", merged.SubmittedBy);
        Assert.Equal(Now, merged.SubmittedAt);
        Assert.Contains("Rayleigh Quotient is a driving factor", merged.Abstract);
    }

    [Fact]
    public async Task A_paper_known_only_by_title_takes_its_arxiv_id()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var store = await TestStore.CreateAsync();
        var titleOnly = new Paperboy.Core.Papers.Paper { Title = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", Upvotes = 7 };
        await store.Store.ImportAsync([titleOnly]);
        var oldId = Assert.Single(await store.AllAsync()).Id;
        Assert.StartsWith("t-", oldId);
        await using var sp = Services(server, store, new FixedClock(Now));

        var result = await sp.GetRequiredService<PaperSubmission>().SubmitAsync("2310.02861", "Ada Lovelace");

        Assert.Equal("2310.02861", result.PaperId);
        Assert.False(result.IsNew);
        var stored = Assert.Single(await store.AllAsync());
        Assert.Equal("2310.02861", stored.Id);
        Assert.Equal(7, stored.Upvotes);
        Assert.Equal("2310.02861", (await store.Store.FindAsync(oldId))?.Id);
    }

    [Fact]
    public async Task Nothing_is_stored_when_arxiv_cannot_give_the_paper()
    {
        await using var server = await ArxivReplayServer.StartAsync(r => r.IdList == "2310.02861" ? Reply.Fault(503) : null);
        await using var store = await TestStore.CreateAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["MaxRetries"] = "1" },
            s => s.AddSingleton(store.Store));
        var submission = sp.GetRequiredService<PaperSubmission>();

        Assert.Equal(ArxivErrorKind.BadId, (await Assert.ThrowsAsync<ArxivException>(() => submission.SubmitAsync("not a paper", "Ada"))).Kind);
        Assert.Equal(ArxivErrorKind.NotFound, (await Assert.ThrowsAsync<ArxivException>(() => submission.SubmitAsync("2312.99999", "Ada"))).Kind);
        Assert.Equal(ArxivErrorKind.Unavailable, (await Assert.ThrowsAsync<ArxivException>(() => submission.SubmitAsync("2310.02861", "Ada"))).Kind);

        Assert.Empty(await store.AllAsync());
        Assert.Equal(["2312.99999", "2310.02861", "2310.02861"], server.Requests.Select(r => r.IdList));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task A_submitter_is_required(string who)
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var store = await TestStore.CreateAsync();
        await using var sp = Services(server, store, new FixedClock(Now));

        await Assert.ThrowsAsync<ArgumentException>(() => sp.GetRequiredService<PaperSubmission>().SubmitAsync("2310.02861", who));
        Assert.Empty(server.Requests);
    }
}
