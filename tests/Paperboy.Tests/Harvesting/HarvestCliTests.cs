using Paperboy.Tests.Support;

namespace Paperboy.Tests.Harvesting;

/// <summary><c>paperboy harvest</c> as a user runs it, against the replay server on 127.0.0.1.</summary>
public sealed class HarvestCliTests
{
    private static Dictionary<string, string> Settings(SourceReplayServer server) => new()
    {
        ["PAPERBOY_Harvest__Oai__BaseUrl"] = server.OaiUrl,
        ["PAPERBOY_Harvest__Hf__BaseUrl"] = server.BaseUrl,
        ["PAPERBOY_Harvest__MinInterval"] = "00:00:00",
        ["PAPERBOY_Harvest__RetryBaseDelay"] = "00:00:00.010",
        ["PAPERBOY_Harvest__MaxRetries"] = "1",
        ["PAPERBOY_Harvest__UserAgent"] = "Paperboy-test/1.0 (+https://papers.example.org; mailto:ops@example.org)",
    };

    [Fact]
    public async Task Harvest_fetches_the_chain_prints_a_line_per_page_and_resumes_nothing_twice()
    {
        await using var server = await SourceReplayServer.StartAsync(SourceReplayServer.OaiChain);
        using var dir = new TempDir();

        var r = await PaperboyCli.RunAsync(["harvest", "--source", "oai", "--from", "2023-10-01", "--until", "2023-10-31", "--data", dir.Path],
            TimeSpan.FromSeconds(120), environment: Settings(server));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("oai: 4 read: 4 added, 0 merged, 0 unchanged, 0 deleted (3 pages)", r.StdoutLines.Single());
        Assert.Contains("Harvesting oai:cs: 2 read: 2 added, 0 merged, 0 unchanged, 0 deleted (1 page)", r.Stderr);
        Assert.Contains("Harvesting oai:cs: 4 read: 4 added, 0 merged, 0 unchanged, 0 deleted (3 pages)", r.Stderr);
        Assert.All(server.Requests, x => Assert.Equal("Paperboy-test/1.0 (+https://papers.example.org; mailto:ops@example.org)", x.UserAgent));

        var search = await PaperboyCli.RunAsync("search", "Rayleigh Quotient", "--data", dir.Path, "--mode", "lexical");
        Assert.Contains("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection  [2310.02861", search.Stdout);

        // The next run starts at the watermark (2023-10-31) with a fresh list, not at page 1 of the old one.
        var before = server.Requests.Count;
        var again = await PaperboyCli.RunAsync(["harvest", "--source", "oai", "--data", dir.Path], TimeSpan.FromSeconds(120), environment: Settings(server));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("2023-10-31", server.Requests[before]["from"]);
    }

    [Fact]
    public async Task An_unavailable_source_exits_1_and_bad_days_exit_2()
    {
        await using var server = await SourceReplayServer.StartAsync(_ => SourceReply.Fault(503));
        using var dir = new TempDir();

        var down = await PaperboyCli.RunAsync(["harvest", "--source", "hf", "--from", "2023-10-05", "--until", "2023-10-05", "--data", dir.Path],
            TimeSpan.FromSeconds(120), environment: Settings(server));
        Assert.True(down.ExitCode == 1, down.ToString());
        Assert.Contains("error: hf: Hugging Face answered HTTP 503", down.Stderr);

        var bad = await PaperboyCli.RunAsync("harvest", "--from", "2023-13-01", "--data", dir.Path);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--from must be a day such as", bad.Stderr);
        var unknown = await PaperboyCli.RunAsync("harvest", "--source", "rss", "--data", dir.Path);
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
    }
}
