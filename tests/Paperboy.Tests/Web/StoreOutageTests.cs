using System.Diagnostics;
using System.Net;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>
/// The store goes away under a running server: a PostgreSQL server of the test's own is stopped and started again, and
/// another process holds the SQLite write lock. Requests that need the store meanwhile get a 503 that says so (problem+json
/// on the API, the friendly page on pages, /healthz unhealthy), never a 500; the server serves again without a restart.
/// </summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task While_PostgreSQL_is_stopped_requests_get_503_and_service_resumes_when_it_is_back()
    {
        using var pg = await PostgresServer.StartOwnAsync();
        await using var host = await TestHost.StartOnPostgresAsync(await pg.CreateDatabaseAsync());
        var id = await AnyPaperIdAsync(host);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/api/papers/{id}")).StatusCode);

        await pg.StopAsync();
        await AssertUnavailableAsync(host, id);

        await pg.StartAgainAsync();
        await AssertServingAgainAsync(host, id);
        // The index follower survived the outage too: a paper stored now becomes searchable.
        await host.Get<PaperStore>().ImportAsync([Digests.DigestWorld.Paper("2611.09901", "Outage-proof quokka indexing", new DateOnly(2026, 11, 23), 0)]);
        await EventuallyAsync(async () => (await host.Client.GetStringAsync("/api/search?q=quokka&mode=lexical")).Contains("2611.09901"), "the new paper was not indexed");
    }

    [Fact]
    public async Task While_another_process_holds_the_SQLite_write_lock_writes_get_503_reads_go_on_and_writes_resume_when_it_lets_go()
    {
        await using var host = await TestHost.StartAsync(seedDemo: true, "--Storage:BusyTimeout=00:00:01");
        var id = await AnyPaperIdAsync(host);
        using var member = await Members.TokenClientAsync(host, await Members.CreateAsync(host, Community.CommunityPapers.Unique("locked")));

        // sqlite3 in another process (a backup, a hand-made fix) holds the write lock. In WAL mode readers never wait
        // for it, so pages and searches go on; every write waits Storage:BusyTimeout and then answers 503.
        var psi = new ProcessStartInfo("python3", ["-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.read()
            c.execute("COMMIT")
            """, Path.Combine(host.DataDir, "paperboy.db")])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var locker = Process.Start(psi)!;
        try
        {
            var line = await locker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line != "locked") Assert.Fail($"the locking process failed: {await locker.StandardError.ReadToEndAsync()}");
            using var vote = await member.PostAsync($"/api/papers/{id}/upvote", null);
            var body = await vote.Content.ReadAsStringAsync();
            Assert.True(vote.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)vote.StatusCode} {body}");
            Assert.Equal("application/problem+json", vote.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Store unavailable", body);
            Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/api/papers/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/api/search?q=diffusion")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        }
        finally
        {
            locker.StandardInput.Close();
            await locker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        using var again = await member.PostAsync($"/api/papers/{id}/upvote", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"voted\":true", await again.Content.ReadAsStringAsync());
    }

    private static async Task AssertUnavailableAsync(TestHost host, string id)
    {
        foreach (var path in new[] { $"/api/papers/{id}", "/api/boards/monthly?month=2023-10", "/api/search?q=diffusion" })
        {
            using var r = await host.Client.GetAsync(path);
            var body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)r.StatusCode} {body}");
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Store unavailable", body);
            Assert.Equal("5", r.Headers.RetryAfter?.ToString());
        }
        using (var page = await host.Client.GetAsync($"/papers/{id}"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("store is unavailable", await page.Content.ReadAsStringAsync());
        }
        using var health = await host.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var healthBody = await health.Content.ReadAsStringAsync();
        Assert.Contains("\"unavailable\"", healthBody);
        // The database's own words (host, port, file, SQLite's message) stay in the log.
        Assert.Contains("locked or cannot be reached", healthBody);
        Assert.DoesNotContain("127.0.0.1", healthBody);
        Assert.DoesNotContain("database is locked", healthBody);
    }

    private static async Task AssertServingAgainAsync(TestHost host, string id)
    {
        await EventuallyAsync(async () => (await host.Client.GetAsync($"/api/papers/{id}")).StatusCode == HttpStatusCode.OK, "the API did not come back");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/papers/{id}")).StatusCode);
    }

    private static async Task<string> AnyPaperIdAsync(TestHost host) => (await Community.CommunityPapers.NthAsync(host, 0)).Id;

    private static async Task EventuallyAsync(Func<Task<bool>> done, string why)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException(why);
            await Task.Delay(200);
        }
    }
}
