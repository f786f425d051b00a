using Microsoft.Extensions.DependencyInjection;
using Paperboy.Core.Papers;
using Paperboy.Harvesting;
using Paperboy.Storage;

namespace Paperboy.Tests.Harvesting;

/// <summary>The harvesters against a real HTTP server on 127.0.0.1 replaying OAI-PMH, arXiv API and Hugging Face answers.</summary>
public sealed class HarvesterTests
{
    private static readonly HarvestRequest October = new(new DateOnly(2023, 10, 1), new DateOnly(2023, 10, 31));

    private static Paper Existing(string arxivId, string title) => new() { ArxivId = arxivId, Id = arxivId, Title = title, Abstract = "An abstract." };

    [Fact]
    public async Task Oai_follows_the_resumption_token_chain_and_commits_every_page()
    {
        await using var server = await SourceReplayServer.StartAsync(SourceReplayServer.OaiChain);
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Store.ImportAsync([Existing("2310.00999", "A paper arXiv later withdrew")]);

        var result = Assert.Single(await h.Runner.RunAsync("oai", October));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(new HarvestCounts(Pages: 3, Read: 4, Added: 4, Deleted: 1), result.Counts);
        var r = server.Requests;
        Assert.Equal(3, r.Count);
        Assert.Equal(("ListRecords", "arXiv", "cs", "2023-10-01", "2023-10-31"), (r[0]["verb"], r[0]["metadataPrefix"], r[0]["set"], r[0]["from"], r[0]["until"]));
        // A resumed list names only the token (OAI-PMH: resumptionToken is an exclusive argument).
        Assert.Equal(["verb", "resumptionToken"], r[1].Query.Keys);
        Assert.Equal("6961234|1001", r[1]["resumptionToken"]);
        Assert.Equal("6961234|2001", r[2]["resumptionToken"]);
        Assert.All(r, x => Assert.Equal("Paperboy/1.0 (+self-hosted paper discovery; mailto:admin@localhost)", x.UserAgent));

        var rq = await h.Store.FindAsync("2310.02861");
        Assert.NotNull(rq);
        Assert.Equal("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", rq.Title);
        Assert.Equal(["Xiangyu Dong", "Xingyi Zhang", "Sibo Wang"], rq.Authors);
        Assert.Equal(new DateOnly(2023, 10, 4), rq.PublishedAt);
        Assert.Equal(["cs.LG", "cs.AI"], rq.Categories);
        Assert.Contains(rq.Links, l => l is { Kind: PaperLink.Code, Url: "https://github.com/xydong127/RQGNN" });
        Assert.StartsWith("Extensive experiments on 10 real-world datasets show that RQGNN outperforms the best rival by 6.74%", rq.Headline);
        var sparse = await h.Store.FindAsync("2310.03001");
        Assert.Contains(sparse!.Links, l => l is { Kind: PaperLink.Doi, Url: "https://doi.org/10.1000/example.2023.001" });
        Assert.Equal(["GSM8K", "Long Range Arena"], sparse.Datasets);
        Assert.Null(await h.Store.FindAsync("2310.00999"));

        var state = await h.Store.HarvestStateAsync("oai:cs");
        Assert.Equal(new DateOnly(2023, 10, 31), state!.Watermark);
        Assert.Null(state.Cursor);
        Assert.Null(state.LastError);
        Assert.Equal((3, 4, 4, 1), (state.Pages, state.Read, state.Added, state.Deleted));
    }

    [Fact]
    public async Task Oai_resumes_after_a_failure_mid_chain_without_fetching_committed_pages_again()
    {
        var down = true;
        await using var server = await SourceReplayServer.StartAsync(r =>
            down && r["resumptionToken"] == "6961234|2001" ? SourceReply.Fault(500) : SourceReplayServer.OaiChain(r));
        await using var h = await HarvestTestServices.StartAsync(server);

        var failed = Assert.Single(await h.Runner.RunAsync("oai", October));

        Assert.False(failed.Succeeded);
        Assert.Contains("HTTP 500", Assert.Single(failed.Errors));
        var state = await h.Store.HarvestStateAsync("oai:cs");
        Assert.Equal("6961234|2001", state!.Cursor);        // pages 1 and 2 committed, with the token of page 3
        Assert.Null(state.Watermark);
        Assert.Contains("HTTP 500", state.LastError);
        Assert.NotNull(await h.Store.FindAsync("2310.03117")); // page 2's paper
        Assert.Null(await h.Store.FindAsync("2310.03250"));    // page 3's paper
        var before = server.Requests.Count;

        down = false;
        var resumed = Assert.Single(await h.Runner.RunAsync("oai", new HarvestRequest()));

        Assert.True(resumed.Succeeded, string.Join("; ", resumed.Errors));
        var again = server.Requests.Skip(before).ToList();
        Assert.Equal(["6961234|2001"], again.Select(r => r["resumptionToken"]));
        Assert.NotNull(await h.Store.FindAsync("2310.03250"));
        state = await h.Store.HarvestStateAsync("oai:cs");
        Assert.Equal(new DateOnly(2023, 10, 31), state!.Watermark); // the interrupted run's last day
        Assert.Null(state.Cursor);
        Assert.Null(state.LastError);
        Assert.Equal(4, await h.Store.CountAsync());
    }

    [Fact]
    public async Task Oai_waits_out_a_503_with_Retry_After_and_asks_again_the_same_thing()
    {
        await using var server = await SourceReplayServer.StartAsync(r =>
            r.Number == 1 ? SourceReply.Fault(503, retryAfter: "1") : SourceReplayServer.OaiChain(r));
        await using var h = await HarvestTestServices.StartAsync(server);

        var result = Assert.Single(await h.Runner.RunAsync("oai", October));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var r = server.Requests;
        Assert.Equal(4, r.Count);
        Assert.Equal(r[0].PathAndQuery, r[1].PathAndQuery);
        Assert.True(r[1].Since(r[0]) >= TimeSpan.FromSeconds(0.95), $"retried after {r[1].Since(r[0]).TotalMilliseconds:0} ms");
        Assert.Equal(4, result.Counts.Added);
    }

    [Fact]
    public async Task Oai_restarts_the_run_from_its_first_day_when_the_token_has_expired()
    {
        await using var server = await SourceReplayServer.StartAsync(SourceReplayServer.OaiChain);
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Store.SaveHarvestStateAsync(new HarvestState
        {
            Source = "oai:cs", Watermark = new DateOnly(2023, 9, 30), RunFrom = new DateOnly(2023, 10, 2), RunUntil = new DateOnly(2023, 10, 31), Cursor = "5550000|1001",
        });

        var result = Assert.Single(await h.Runner.RunAsync("oai", new HarvestRequest()));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var r = server.Requests;
        Assert.Equal("5550000|1001", r[0]["resumptionToken"]);
        Assert.Equal(("2023-10-02", "2023-10-31"), (r[1]["from"], r[1]["until"]));
        Assert.Equal(4, r.Count);
        Assert.Equal(new DateOnly(2023, 10, 31), (await h.Store.HarvestStateAsync("oai:cs"))!.Watermark);
    }

    [Fact]
    public async Task Oai_no_records_match_is_a_normal_empty_run()
    {
        await using var server = await SourceReplayServer.StartAsync(r => SourceReply.Replay("oai-no-records.xml"));
        await using var h = await HarvestTestServices.StartAsync(server);

        var result = Assert.Single(await h.Runner.RunAsync("oai", new HarvestRequest(new DateOnly(2023, 10, 31), new DateOnly(2023, 11, 1))));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(new HarvestCounts(), result.Counts);
        Assert.Single(server.Requests);
        Assert.Equal(new DateOnly(2023, 11, 1), (await h.Store.HarvestStateAsync("oai:cs"))!.Watermark);
    }

    [Fact]
    public async Task Only_one_harvest_runs_at_a_time_across_the_cluster()
    {
        await using var server = await SourceReplayServer.StartAsync(r => SourceReply.Replay("oai-no-records.xml"));
        await using var h = await HarvestTestServices.StartAsync(server);
        var request = new HarvestRequest(new DateOnly(2023, 10, 31), new DateOnly(2023, 11, 1));
        var locks = h.Services.GetRequiredService<JobLockStore>();

        // Another node (or CLI run) holds the harvest lock: this run asks nothing of the source.
        await using (var other = await locks.TryTakeAsync(HarvestRunner.LockName, "another-node", TimeSpan.FromMinutes(1)))
        {
            Assert.NotNull(other);
            Assert.Null(await h.Runner.RunExclusiveAsync("oai", request));
            Assert.Empty(server.Requests);
        }

        // Once it is let go, the run goes ahead and gives the lock back at the end.
        var results = await h.Runner.RunExclusiveAsync("oai", request);
        Assert.True(Assert.Single(results!).Succeeded);
        Assert.Single(server.Requests);
        await using var after = await locks.TryTakeAsync(HarvestRunner.LockName, "another-node", TimeSpan.FromMinutes(1));
        Assert.NotNull(after);
    }

    [Fact]
    public async Task A_new_version_updates_the_paper()
    {
        await using var server = await SourceReplayServer.StartAsync(r => r["metadataPrefix"] == "arXivRaw"
            ? SourceReply.Replay("oai-raw-v2.xml") : SourceReplayServer.OaiChain(r));
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Runner.RunAsync("oai", October);
        var v1 = await h.Store.FindAsync("2310.02861");
        Assert.Null(v1!.Version);

        await using var raw = await HarvestTestServices.StartAsync(server, new Dictionary<string, string?> { ["Harvest:Oai:MetadataPrefix"] = "arXivRaw" });
        await raw.Store.ImportAsync([v1]);
        var result = Assert.Single(await raw.Runner.RunAsync("oai", new HarvestRequest(new DateOnly(2023, 10, 20), null)));

        Assert.Equal(1, result.Counts.Merged);
        var v2 = await raw.Store.FindAsync("2310.02861");
        Assert.Equal(2, v2!.Version);
        Assert.Equal("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection (revised)", v2.Title);
        Assert.StartsWith("Graph-level anomaly detection finds applications in cancer diagnosis", v2.Abstract);
        Assert.Equal(new DateOnly(2023, 10, 20), v2.UpdatedAt);
        Assert.Equal(new DateOnly(2023, 10, 4), v2.PublishedAt);
        Assert.Equal("RQGNN outperforms the best rival by 6.74% in Macro-F1 score and 1.44% in AUC.", v2.Headline);
        Assert.Equal(1, await raw.Store.CountAsync());
    }

    [Fact]
    public async Task Hf_daily_adds_and_merges_the_feed_day_upvotes_and_comments_of_each_day()
    {
        await using var server = await SourceReplayServer.StartAsync(r =>
            r.Path == "/api/daily_papers" && File.Exists(SourceReplayServer.FilePath($"hf-{r["date"]}.json")) ? SourceReply.Replay($"hf-{r["date"]}.json") : null);
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Store.ImportAsync([new Paper { ArxivId = "2310.02861", Id = "2310.02861", Title = "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", Abstract = "Short.", Upvotes = 2 }]);

        var result = Assert.Single(await h.Runner.RunAsync("hf", new HarvestRequest(new DateOnly(2023, 10, 5), new DateOnly(2023, 10, 6))));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(["2023-10-05", "2023-10-06"], server.Requests.Select(r => r["date"]));
        Assert.Equal(new HarvestCounts(Pages: 2, Read: 3, Added: 2, Merged: 1), result.Counts);
        var rq = await h.Store.FindAsync("2310.02861");
        Assert.Equal((31, 4, new DateOnly(2023, 10, 5)), (rq!.Upvotes, rq.CommentCount, rq.FeedDay));
        var kp = await h.Store.FindAsync("2310.05555");
        Assert.Equal(new DateOnly(2023, 10, 6), kp!.FeedDay);
        Assert.Equal(["KITTI"], kp.Datasets);
        Assert.Equal(new DateOnly(2023, 10, 6), (await h.Store.HarvestStateAsync("hf"))!.Watermark);
    }

    [Fact]
    public async Task Arxiv_api_pages_newest_first_until_it_reaches_papers_older_than_the_watermark()
    {
        await using var server = await SourceReplayServer.StartAsync(r => r.Path != "/api/query" ? null : r["start"] switch
        {
            "0" => SourceReply.Replay("arxiv-page1.atom"),
            "2" => SourceReply.Replay("arxiv-page2.atom"),
            _ => SourceReply.Fault(500),
        });
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Store.SaveHarvestStateAsync(new HarvestState { Source = "arxiv:cat:cs.LG", Watermark = new DateOnly(2023, 10, 5) });

        var result = Assert.Single(await h.Runner.RunAsync("arxiv", new HarvestRequest()));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var r = server.Requests;
        Assert.True(2 == r.Count, string.Join("\n", r.Select(x => x.PathAndQuery)));
        Assert.Equal(("cat:cs.LG", "submittedDate", "descending", "2"), (r[0]["search_query"], r[0]["sortBy"], r[0]["sortOrder"], r[0]["max_results"]));
        Assert.Equal(new HarvestCounts(Pages: 2, Read: 3, Added: 3), result.Counts);
        Assert.Null(await h.Store.FindAsync("2310.04010"));  // submitted before the watermark
        Assert.NotNull(await h.Store.FindAsync("2310.05870"));
        Assert.Equal(new DateOnly(2023, 10, 8), (await h.Store.HarvestStateAsync("arxiv:cat:cs.LG"))!.Watermark);
    }

    [Fact]
    public async Task Requests_to_one_host_are_spaced_by_the_configured_interval()
    {
        await using var server = await SourceReplayServer.StartAsync(SourceReplayServer.OaiChain);
        await using var h = await HarvestTestServices.StartAsync(server, new Dictionary<string, string?> { ["Harvest:MinInterval"] = "00:00:00.300" });

        await h.Runner.RunAsync("oai", October);

        var r = server.Requests;
        Assert.Equal(3, r.Count);
        for (var i = 1; i < r.Count; i++)
            Assert.True(r[i].Since(r[i - 1]) >= TimeSpan.FromMilliseconds(290), $"request {i + 1} came {r[i].Since(r[i - 1]).TotalMilliseconds:0} ms after the previous");
    }

    [Fact]
    public async Task A_host_that_keeps_failing_opens_the_circuit_and_is_not_asked_again()
    {
        await using var server = await SourceReplayServer.StartAsync(_ => SourceReply.Fault(502));
        await using var h = await HarvestTestServices.StartAsync(server, new Dictionary<string, string?>
        {
            ["Harvest:MaxRetries"] = "0", ["Harvest:BreakAfter"] = "2", ["Harvest:Oai:Sets:0"] = "cs", ["Harvest:Oai:Sets:1"] = "math", ["Harvest:Oai:Sets:2"] = "stat",
        });

        var result = Assert.Single(await h.Runner.RunAsync("oai", October));

        Assert.Equal(3, result.Errors.Count);
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains("not asking again", result.Errors[2]);
    }
}
