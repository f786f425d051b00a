using Paperboy.Core.Papers;
using Paperboy.Harvesting;
using Paperboy.Storage;

namespace Paperboy.Tests.Harvesting;

/// <summary>
/// Sources misbehaving, against a real HTTP server on 127.0.0.1: a page cut off mid-record or malformed, a server that
/// never answers or stalls mid-body, daily-papers JSON with fields added, missing or of the wrong type. A run that
/// fails says which source, which page and where, stores nothing of the bad page and leaves its place for the next run.
/// </summary>
public sealed class HarvestFaultTests
{
    private static readonly HarvestRequest October = new(new DateOnly(2023, 10, 1), new DateOnly(2023, 10, 31));

    private static Paper Existing(string arxivId, string title, int upvotes = 0, int comments = 0) =>
        new() { ArxivId = arxivId, Id = arxivId, Title = title, Abstract = "An abstract.", Upvotes = upvotes, CommentCount = comments };

    [Theory]
    // Cut off in the middle of page 2's only paper record (inside its abstract).
    [InlineData("oai-page2-truncated.xml", "line 23, column 1: malformed XML: Unexpected end of file has occurred. The following elements are not closed: abstract, arXiv, metadata, record, ListRecords, OAI-PMH.")]
    // A mistyped end tag in that record.
    [InlineData("oai-page2-malformed.xml", "line 21, column ")]
    public async Task A_broken_OAI_page_fails_the_run_naming_it_stores_nothing_of_it_and_is_asked_for_again(string brokenPage, string where)
    {
        var broken = true;
        await using var server = await SourceReplayServer.StartAsync(r =>
            broken && r["resumptionToken"] == "6961234|1001" ? SourceReply.Replay(brokenPage) : SourceReplayServer.OaiChain(r));
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Store.ImportAsync([Existing("2310.00999", "A paper arXiv later withdrew")]);   // page 2 reports it deleted

        var failed = Assert.Single(await h.Runner.RunAsync("oai", October));

        Assert.False(failed.Succeeded);
        var error = Assert.Single(failed.Errors);
        Assert.StartsWith("oai:cs: arXiv OAI-PMH's page ", error);
        Assert.Contains($"{server.OaiUrl}?verb=ListRecords&resumptionToken=6961234%7C1001 is malformed at {where}", error);
        if (brokenPage.Contains("malformed")) Assert.Matches(@"column \d+: malformed XML: The 'title' start tag on line 21 position \d+ does not match the end tag of 'titel'\.;", error);
        Assert.EndsWith("nothing of it was stored, and the next run asks for it again", error);
        Assert.Equal(new HarvestCounts(Pages: 1, Read: 2, Added: 2), failed.Counts);
        var state = await h.Store.HarvestStateAsync("oai:cs");
        Assert.Equal("6961234|1001", state!.Cursor);                    // page 1 committed with the token of page 2
        Assert.Null(state.Watermark);
        Assert.Equal(error["oai:cs: ".Length..], state.LastError);
        Assert.Null(await h.Store.FindAsync("2310.03117"));             // page 2's paper
        Assert.NotNull(await h.Store.FindAsync("2310.00999"));          // and its deletion: neither stored
        Assert.Equal(3, await h.Store.CountAsync());
        var before = server.Requests.Count;

        broken = false;
        var resumed = Assert.Single(await h.Runner.RunAsync("oai", new HarvestRequest()));

        Assert.True(resumed.Succeeded, string.Join("; ", resumed.Errors));
        Assert.Equal(["6961234|1001", "6961234|2001"], server.Requests.Skip(before).Select(r => r["resumptionToken"]));
        Assert.NotNull(await h.Store.FindAsync("2310.03117"));
        Assert.Null(await h.Store.FindAsync("2310.00999"));
        state = await h.Store.HarvestStateAsync("oai:cs");
        Assert.Equal((new DateOnly(2023, 10, 31), (string?)null, (string?)null), (state!.Watermark, state.Cursor, state.LastError));
        Assert.Equal(new HarvestCounts(Pages: 3, Read: 4, Added: 4, Deleted: 1), resumed.Counts);   // the run's counts, across both tries
        Assert.Equal(4, await h.Store.CountAsync());
    }

    [Theory]
    [InlineData(false)]   // accepts the request and never answers
    [InlineData(true)]    // sends the headers and half the page, then nothing
    public async Task A_stalled_server_times_out_each_attempt_retries_and_fails_the_run_with_nothing_half_stored(bool midBody)
    {
        var stalling = true;
        await using var server = await SourceReplayServer.StartAsync(r => stalling && r["resumptionToken"] == "6961234|1001"
            ? (midBody ? SourceReply.Replay("oai-page2.xml") with { StallBody = true } : SourceReply.Silent())
            : SourceReplayServer.OaiChain(r));
        await using var h = await HarvestTestServices.StartAsync(server, new Dictionary<string, string?>
        {
            ["Harvest:Timeout"] = "00:00:00.400", ["Harvest:MaxRetries"] = "2",
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failed = Assert.Single(await h.Runner.RunAsync("oai", October));
        var took = clock.Elapsed;

        Assert.False(failed.Succeeded);
        var error = Assert.Single(failed.Errors);
        Assert.Equal($"oai:cs: harvest source did not answer within 400 ms (3 attempts); asked for {server.OaiUrl}?verb=ListRecords&resumptionToken=6961234%7C1001", error);
        var asked = server.Requests.Where(r => r["resumptionToken"] == "6961234|1001").ToList();
        Assert.Equal(3, asked.Count);   // the first attempt and the two retries of the policy
        // Each attempt was given its timeout and no more: three timeouts and two 10 ms back-offs, far from "hung".
        Assert.True(took >= TimeSpan.FromMilliseconds(3 * 400) && took < TimeSpan.FromSeconds(30), $"the run took {took.TotalMilliseconds:0} ms");
        var state = await h.Store.HarvestStateAsync("oai:cs");
        Assert.Equal(("6961234|1001", (DateOnly?)null), (state!.Cursor, state.Watermark));
        Assert.Null(await h.Store.FindAsync("2310.03117"));
        Assert.Equal(2, await h.Store.CountAsync());

        stalling = false;
        var next = Assert.Single(await h.Runner.RunAsync("oai", new HarvestRequest()));

        Assert.True(next.Succeeded, string.Join("; ", next.Errors));
        Assert.Equal(4, await h.Store.CountAsync());
        Assert.Equal(new DateOnly(2023, 10, 31), (await h.Store.HarvestStateAsync("oai:cs"))!.Watermark);
    }

    [Fact]
    public async Task A_truncated_arXiv_API_page_fails_the_query_naming_where_and_the_next_run_resumes_at_that_offset()
    {
        var broken = true;
        await using var server = await SourceReplayServer.StartAsync(r => r.Path != "/api/query" ? null : r["start"] switch
        {
            "0" => SourceReply.Replay("arxiv-page1.atom"),
            "2" => SourceReply.Replay(broken ? "arxiv-page2-truncated.atom" : "arxiv-page2.atom"),
            _ => SourceReply.Fault(500),
        });
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Store.SaveHarvestStateAsync(new HarvestState { Source = "arxiv:cat:cs.LG", Watermark = new DateOnly(2023, 10, 5) });

        var failed = Assert.Single(await h.Runner.RunAsync("arxiv", new HarvestRequest()));

        var error = Assert.Single(failed.Errors);
        Assert.StartsWith("arxiv:cat:cs.LG: arXiv's answer for 'cat:cs.LG' from 2 could not be read (HTTP 200) at line 33, column 5: malformed XML: Unexpected end of file", error);
        Assert.EndsWith($"asked for {server.ApiUrl}?search_query=cat%3Acs.LG&sortBy=submittedDate&sortOrder=descending&start=2&max_results=2", error);
        var state = await h.Store.HarvestStateAsync("arxiv:cat:cs.LG");
        Assert.Equal(("2", new DateOnly(2023, 10, 5)), (state!.Cursor, state.Watermark));
        Assert.Null(await h.Store.FindAsync("2310.05870"));   // page 2's paper
        Assert.Equal(2, await h.Store.CountAsync());          // page 1's two

        broken = false;
        var before = server.Requests.Count;
        var resumed = Assert.Single(await h.Runner.RunAsync("arxiv", new HarvestRequest()));

        Assert.True(resumed.Succeeded, string.Join("; ", resumed.Errors));
        Assert.Equal(["2"], server.Requests.Skip(before).Select(r => r["start"]));
        Assert.NotNull(await h.Store.FindAsync("2310.05870"));
        Assert.Equal(new DateOnly(2023, 10, 8), (await h.Store.HarvestStateAsync("arxiv:cat:cs.LG"))!.Watermark);
    }

    private static Task<SourceReplayServer> HfServerAsync() => SourceReplayServer.StartAsync(r =>
        r.Path == "/api/daily_papers" && File.Exists(SourceReplayServer.FilePath($"hf-{r["date"]}.json")) ? SourceReply.Replay($"hf-{r["date"]}.json") : null);

    [Fact]
    public async Task Hf_daily_ignores_unknown_fields_and_skips_items_without_an_id_or_title_with_a_warning()
    {
        await using var server = await HfServerAsync();
        await using var h = await HarvestTestServices.StartAsync(server);
        await h.Store.ImportAsync([Existing("2310.02861", "Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", upvotes: 17, comments: 4)]);
        var day = new DateOnly(2023, 10, 7);

        var result = Assert.Single(await h.Runner.RunAsync("hf", new HarvestRequest(day, day)));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(["hf: 2023-10-07 item 2 (line 28): no paper.id; skipped", "hf: 2023-10-07 item 3 (line 39): no paper.title; skipped"], result.Warnings);
        Assert.Equal(new HarvestCounts(Pages: 1, Read: 2, Added: 1, Merged: 1), result.Counts);
        var drafter = await h.Store.FindAsync("2310.07001");
        Assert.Equal((14, 2, day), (drafter!.Upvotes, drafter.CommentCount, drafter.FeedDay));
        Assert.Contains(new PaperLink(PaperLink.Code, "https://github.com/example/tiny-drafters"), drafter.Links);
        Assert.Contains(new PaperLink(PaperLink.Project, "https://example.github.io/tiny-drafters"), drafter.Links);
        Assert.StartsWith("A 60M-parameter drafter makes 7B decoding 2.4x faster", drafter.Headline);
        // No upvotes or numComments in the item: read as 0, which a merge keeps as "unchanged" (it keeps the highest).
        var rq = await h.Store.FindAsync("2310.02861");
        Assert.Equal((17, 4, day), (rq!.Upvotes, rq.CommentCount, rq.FeedDay));
        Assert.Null(await h.Store.FindAsync("2310.07003"));
        Assert.Equal(2, await h.Store.CountAsync());
        Assert.Equal(day, (await h.Store.HarvestStateAsync("hf"))!.Watermark);
    }

    [Fact]
    public async Task Hf_daily_with_a_field_of_the_wrong_type_stores_nothing_of_that_day_and_names_the_item()
    {
        await using var server = await HfServerAsync();
        await using var h = await HarvestTestServices.StartAsync(server);

        var result = Assert.Single(await h.Runner.RunAsync("hf", new HarvestRequest(new DateOnly(2023, 10, 7), new DateOnly(2023, 10, 8))));

        Assert.False(result.Succeeded);
        Assert.Equal($"hf: Hugging Face's page {server.BaseUrl}/api/daily_papers?date=2023-10-08 is malformed at line 14: " +
            "item 2: paper.upvotes should be a whole number, found the string \"12\"; nothing of it was stored, and the next run asks for it again",
            Assert.Single(result.Errors));
        Assert.NotNull(await h.Store.FindAsync("2310.07001"));   // the day before is stored
        Assert.Null(await h.Store.FindAsync("2310.08001"));      // the bad day's good item is not
        var state = await h.Store.HarvestStateAsync("hf");
        Assert.Equal(new DateOnly(2023, 10, 7), state!.Watermark);
        Assert.Contains("paper.upvotes should be a whole number", state.LastError);

        // The next run starts again at the last day stored (it is fetched again for its growing counts), then the bad one.
        var before = server.Requests.Count;
        await h.Runner.RunAsync("hf", new HarvestRequest(Until: new DateOnly(2023, 10, 8)));
        Assert.Equal(["2023-10-07", "2023-10-08"], server.Requests.Skip(before).Select(r => r["date"]));
    }
}
