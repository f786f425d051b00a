using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Bulk;

/// <summary>The bulk load as a user runs it: the real CLI process, killed with SIGKILL part-way and run again, and a real server that indexes what was loaded.</summary>
public sealed partial class BulkCliTests
{
    private static void AssertExit(int expected, CliResult r) => Assert.True(r.ExitCode == expected, $"expected exit {expected}; {r}");

    /// <summary>A snapshot of <paramref name="n"/> distinct, valid lines (2501.00001 …).</summary>
    internal static void WriteSnapshot(string path, int n)
    {
        using var w = new StreamWriter(path);
        for (var i = 1; i <= n; i++)
        {
            var record = new Dictionary<string, object?>
            {
                ["id"] = $"2501.{i:D5}", ["submitter"] = "Jane Doe", ["authors"] = "Jane Doe and Rick Roe",
                ["title"] = $"Synthetic bulk paper {i} on\n  topic {i % 97}", ["comments"] = null, ["categories"] = "cs.LG stat.ML",
                ["abstract"] = $"  We study topic {i % 97} with method {i % 13}; the bound is $O(n^{i % 5})$ for\nn > {i}.\n",
                ["versions"] = new[] { new { version = "v1", created = "Mon, 6 Jan 2025 10:00:00 GMT" } },
                ["update_date"] = "2025-01-07", ["authors_parsed"] = new[] { new[] { "Doe", "Jane", "" }, new[] { "Roe", "Rick", "" } },
            };
            w.Write(JsonSerializer.Serialize(record));
            w.Write('\n');
        }
    }

    [GeneratedRegex(@"^Loading [^:]+: ([\d,]+) papers")]
    internal static partial Regex ProgressLine();

    [Fact]
    public async Task A_load_killed_with_SIGKILL_resumes_and_every_paper_is_stored_exactly_once()
    {
        using var dir = new TempDir();
        var snapshot = dir.File("bulk.json");
        const int n = 30_000;
        WriteSnapshot(snapshot, n);
        var data = Path.Combine(dir.Path, "data");

        // First run: killed (SIGKILL, no chance to clean up) once it has committed a few batches of 1,000.
        using (var p = Process.Start(PaperboyCli.StartInfo(["import", snapshot, "--data", data, "--batch-size", "1000"]))!)
        {
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var killedAt = 0;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (await p.StandardError.ReadLineAsync(cts.Token) is { } line)
            {
                if (ProgressLine().Match(line) is { Success: true } m && int.Parse(m.Groups[1].Value.Replace(",", "")) >= 3_000)
                {
                    killedAt = int.Parse(m.Groups[1].Value.Replace(",", ""));
                    p.Kill(entireProcessTree: true);
                    break;
                }
            }
            await p.WaitForExitAsync(cts.Token);
            Assert.True(killedAt is >= 3_000 and < n, $"the load was not killed part-way (at {killedAt}); {await stdout}");
        }

        var second = await PaperboyCli.RunAsync(["import", snapshot, "--data", data, "--batch-size", "1000"], TimeSpan.FromSeconds(240));
        AssertExit(0, second);
        Assert.Matches(@"resuming an interrupted load after line [\d,]+ \([\d,]+ records already loaded\)", second.Stderr);
        var summary = Regex.Match(second.StdoutLines.Last(), @"^(\d+) added, (\d+) merged, (\d+) unchanged, 0 rejected");
        Assert.True(summary.Success, second.ToString());
        var added = int.Parse(summary.Groups[1].Value);
        Assert.InRange(added, 1, n - 3_000);
        Assert.Equal("0", summary.Groups[3].Value);             // nothing committed before the kill was read again

        var export = await PaperboyCli.RunAsync("export", "--data", data);
        AssertExit(0, export);
        var ids = export.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).ToList();
        Assert.Equal(n, ids.Count);
        Assert.Equal(Enumerable.Range(1, n).Select(i => $"2501.{i:D5}"), ids.Order(StringComparer.Ordinal));

        // Done: the checkpoint went with the last batch, so the same file again is an idempotent re-import.
        var third = await PaperboyCli.RunAsync(["import", snapshot, "--data", data, "--batch-size", "5000"], TimeSpan.FromSeconds(240));
        AssertExit(0, third);
        Assert.DoesNotContain("resuming", third.Stderr);
        Assert.StartsWith($"0 added, 0 merged, {n} unchanged, 0 rejected", third.StdoutLines.Last());
    }

    [Fact]
    public async Task The_snapshot_is_detected_and_a_bad_line_exits_1_naming_it()
    {
        using var dir = new TempDir();
        var data = Path.Combine(dir.Path, "data");
        var ok = await PaperboyCli.RunAsync("import", TestData.File("arxiv_snapshot.json"), "--data", data);
        AssertExit(0, ok);
        Assert.Equal("20 added, 0 merged, 0 unchanged, 0 rejected (1 files, 20 entries)", ok.StdoutLines.Last());
        Assert.Contains("Loading arxiv_snapshot.json: 20 papers, 100.0%", ok.Stderr);

        var lines = File.ReadAllLines(TestData.File("arxiv_snapshot.json"));
        lines[2] = """{"id": "bogus", "title": "x"}""";
        var bad = dir.File("bad.json", string.Join('\n', lines) + "\n");
        var r = await PaperboyCli.RunAsync("import", bad, "--format", "arxiv-snapshot", "--data", data);
        AssertExit(1, r);
        Assert.Contains($"error: {bad}:3: id 'bogus' is not an arXiv id (nothing was stored)", r.Stderr);
    }

    [Fact]
    public async Task A_running_server_indexes_a_bulk_load_once_it_is_done()
    {
        await using var server = await ServerProcess.StartAsync();
        var r = await PaperboyCli.RunAsync("import", TestData.File("arxiv_snapshot.json"), "--data", server.DataDir, "--batch-size", "7");
        AssertExit(0, r);
        var deadline = Stopwatch.StartNew();
        string body = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            body = await server.Client.GetStringAsync("api/search?q=prompt%20diphoton%20Tevatron&mode=lexical");
            if (body.Contains("\"0704.0001\"")) break;
            await Task.Delay(250);
        }
        Assert.Contains("\"0704.0001\"", body);
        // The semantic index follows the lexical one: until it has the new papers too, hybrid ranking can fuse them
        // below papers that both sides know, so the hybrid check waits for the vectors (same deadline).
        var sparsity = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            sparsity = await server.Client.GetStringAsync("api/search?q=pebble%20game%20sparse%20graphs");
            if (sparsity.Contains("\"0704.0002\"")) break;
            await Task.Delay(250);
        }
        Assert.Contains("\"0704.0002\"", sparsity);
    }
}
