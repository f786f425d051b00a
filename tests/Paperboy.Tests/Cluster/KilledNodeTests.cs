using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Paperboy.Storage;
using Paperboy.Tests.Bulk;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Cluster;

/// <summary>
/// Two real nodes on one PostgreSQL database. Node A goes down hard (SIGKILL, its import with it) in the middle of a long
/// import made with A's configuration: every batch the import acknowledged is in the database, node B serves on, and
/// running the import again completes the rest, which B then indexes.
/// </summary>
public sealed class KilledNodeTests
{
    private const int Papers = 12_000;

    [Fact]
    public async Task Killing_node_A_mid_import_loses_nothing_acknowledged_node_B_serves_on_and_a_reimport_completes_the_rest()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        using var dir = new TempDir();
        try
        {
            var snapshot = dir.File("snapshot.json");
            BulkCliTests.WriteSnapshot(snapshot, Papers);
            var environment = new Dictionary<string, string>
            {
                ["PAPERBOY_Storage__Provider"] = "postgres", ["PAPERBOY_Storage__ConnectionString"] = database,
            };
            await using var a = await ServerProcess.StartAsync(environment: environment);    // imports the demo corpus
            await using var b = await ServerProcess.StartAsync(environment: environment);

            // The import, on node A's host with A's configuration, killed together with A once some batches are acknowledged.
            // Small batches: after the 2,000th paper a hundred batches are left, so the kill lands mid-import (with 500 a fast
            // PostgreSQL had sometimes stored the rest before the kill).
            var import = PaperboyCli.StartInfo(["import", snapshot, "--data", a.DataDir, "--batch-size", "100"]);
            foreach (var (k, v) in environment) import.Environment[k] = v;
            var acknowledged = 0;
            using (var p = Process.Start(import)!)
            {
                p.StandardInput.Close();
                _ = p.StandardOutput.ReadToEndAsync();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
                while (await p.StandardError.ReadLineAsync(cts.Token) is { } line)
                    if (BulkCliTests.ProgressLine().Match(line) is { Success: true } m && (acknowledged = int.Parse(m.Groups[1].Value.Replace(",", ""))) >= 2_000)
                        break;
                p.Kill(entireProcessTree: true);
                await a.DisposeAsync();                                                        // SIGKILL: node A is gone too
                await p.WaitForExitAsync(cts.Token);
            }
            Assert.InRange(acknowledged, 2_000, Papers - 1);

            await using (var store = await TestStore.OpenAsync(StoreProvider.Postgres, database))
            {
                await using var db = await store.Factory.CreateDbContextAsync();
                var stored = await db.Papers.Where(p => p.Id.StartsWith("2501.")).Select(p => p.Id).ToListAsync();
                Assert.InRange(stored.Count, acknowledged, Papers - 1);
                // The first papers of the file, every one of them acknowledged, are all there.
                Assert.Empty(Enumerable.Range(1, acknowledged).Select(i => $"2501.{i:D5}").Except(stored));
            }

            // Node B serves on: healthy, and searching what it had.
            Assert.Equal(HttpStatusCode.OK, (await b.Client.GetAsync("healthz")).StatusCode);
            var before = await b.Client.GetFromJsonAsync<JsonElement>("api/search?q=graph%20anomaly%20detection&limit=3");
            Assert.NotEqual(0, before.GetProperty("total").GetInt32());

            // The same command again resumes after the last acknowledged batch and completes the load; B indexes all of it.
            var again = await RunAsync(import, TimeSpan.FromSeconds(240));
            Assert.True(again.ExitCode == 0, again.Output);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                // A search's total is exact only up to 1,000 matches: the index's own count says whether B has them all.
                var indexed = (await b.Client.GetFromJsonAsync<JsonElement>("healthz")).GetProperty("lexical").GetInt32();
                if (indexed == 257 + Papers) break;
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"node B indexed {indexed} of {257 + Papers}\n{b.Log}");
                await Task.Delay(500);
            }
            var all = await b.Client.GetFromJsonAsync<JsonElement>("api/search?mode=lexical&q=%22synthetic%20bulk%20paper%22&limit=1");
            Assert.True(all.GetProperty("total").GetInt32() >= 1_000);
            var health = await b.Client.GetFromJsonAsync<JsonElement>("healthz");
            Assert.Equal(257 + Papers, health.GetProperty("papers").GetInt32());
        }
        finally { await server.DropDatabaseAsync(database); }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo psi, TimeSpan within)
    {
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(within);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}
