using System.Diagnostics;
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_harvest_killed_with_SIGKILL_mid_chain_resumes_with_every_record_stored_exactly_once(int acknowledged)
    {
        // The page after the acknowledged ones is held back while the first run lives: it is killed waiting for it.
        string[] tokens = ["6961234|1001", "6961234|2001"];
        var holding = true;
        await using var server = await SourceReplayServer.StartAsync(r =>
            holding && r["resumptionToken"] == tokens[acknowledged - 1] ? SourceReply.Silent() : SourceReplayServer.OaiChain(r));
        var settings = new Dictionary<string, string>(Settings(server)) { ["PAPERBOY_Harvest__LockLease"] = "00:00:01" };
        string[] harvest = ["harvest", "--source", "oai", "--from", "2023-10-01", "--until", "2023-10-31"];
        using var dir = new TempDir();
        var data = Path.Combine(dir.Path, "killed");

        var psi = PaperboyCli.StartInfo([.. harvest, "--data", data]);
        foreach (var (k, v) in settings) psi.Environment[k] = v;
        using (var p = Process.Start(psi)!)
        {
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var seen = new List<string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var want = $"({acknowledged} {(acknowledged == 1 ? "page" : "pages")})";
            while (await p.StandardError.ReadLineAsync(cts.Token) is { } line)
            {
                seen.Add(line);
                if (line.StartsWith("Harvesting oai:cs: ", StringComparison.Ordinal) && line.EndsWith(want, StringComparison.Ordinal)) break;
            }
            // The line is written after the page's commit; the run is now waiting for the held page.
            await WaitUntilAsync(() => server.Requests.Any(r => r["resumptionToken"] == tokens[acknowledged - 1]));
            p.Kill(entireProcessTree: true);   // SIGKILL: no clean-up of any kind
            await p.WaitForExitAsync(cts.Token);
            Assert.True(seen.Last().EndsWith(want, StringComparison.Ordinal), string.Join("\n", seen) + await stdout);
        }

        holding = false;
        var before = server.Requests.Count;
        var again = await RunUntilTheDeadRunsLockExpiresAsync([.. harvest, "--data", data], settings);
        Assert.True(again.ExitCode == 0, again.ToString());
        // Resumed at the held page: no page acknowledged before the kill was asked for again, none after it was skipped.
        Assert.Equal(tokens[(acknowledged - 1)..], server.Requests.Skip(before).Select(r => r["resumptionToken"]));
        Assert.Equal("oai: 4 read: 4 added, 0 merged, 0 unchanged, 0 deleted (3 pages)", again.StdoutLines.Single());

        var clean = Path.Combine(dir.Path, "clean");
        var cleanRun = await PaperboyCli.RunAsync([.. harvest, "--data", clean], TimeSpan.FromSeconds(120), environment: settings);
        Assert.True(cleanRun.ExitCode == 0, cleanRun.ToString());
        var expected = await PaperboyCli.RunAsync("export", "--data", clean);
        var actual = await PaperboyCli.RunAsync("export", "--data", data);
        Assert.Equal(4, expected.StdoutLines.Length);
        Assert.Equal(expected.Stdout, actual.Stdout);
    }

    /// <summary>Runs the CLI again and again while the killed run's job-lock lease (one second here) has not expired.</summary>
    private static async Task<CliResult> RunUntilTheDeadRunsLockExpiresAsync(string[] args, IReadOnlyDictionary<string, string> settings)
    {
        for (var attempt = 0; ; attempt++)
        {
            var r = await PaperboyCli.RunAsync(args, TimeSpan.FromSeconds(120), environment: settings);
            if (r.ExitCode == 0 || attempt == 20 || !r.Stderr.Contains("another harvest is running")) return r;
            await Task.Delay(300);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the condition did not come true in 30 s");
            await Task.Delay(20);
        }
    }
}
