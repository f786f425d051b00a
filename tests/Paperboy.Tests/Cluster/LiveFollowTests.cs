using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Paperboy.Core.Papers;
using Paperboy.Indexing;
using Paperboy.Storage;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Cluster;

/// <summary>
/// Two app instances on one PostgreSQL database, each with its own indexes: what is committed through one is searchable on
/// the other at once, woken by NOTIFY. Node B polls only every 30 s here, so anything faster than that is the notification.
/// The clocks start when the write is acknowledged, and the class runs alone (<see cref="TimingCollection"/>) so that
/// the rest of the suite does not eat into the 2 s.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class LiveFollowTests
{
    private const string SlowPoll = "--IndexPollInterval=00:00:30";

    private static Paper NewPaper(string title, string arxiv) => new()
    {
        Id = arxiv, ArxivId = arxiv, Version = 1, Title = title, Abstract = $"We study {title.ToLowerInvariant()} across two nodes.",
        Authors = ["Ada Lovelace"], AuthorCount = 1, PublishedAt = new DateOnly(2026, 11, 20),
    };

    [Fact]
    public async Task A_paper_imported_through_node_A_is_searchable_on_node_B_within_two_seconds_and_a_vote_on_A_shows_on_B()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        try
        {
            await using var a = await TestHost.StartOnPostgresAsync(database, seedDemo: true, SlowPoll);
            await using var b = await TestHost.StartOnPostgresAsync(database, seedDemo: false, SlowPoll);
            await WaitAsync(() => Task.FromResult(b.Get<ChangeListener>().Listening), TimeSpan.FromSeconds(10));
            Assert.Equal(0, await TotalAsync(b, "quokkanet"));

            var paper = NewPaper("Quokkanet: Zeppelin Cartography with Sparse Transformers", "2611.07001");
            await a.Get<PaperStore>().ImportAsync([paper]);
            var took = Stopwatch.StartNew();
            await WaitAsync(async () => await TotalAsync(b, "quokkanet") == 1, TimeSpan.FromSeconds(10));
            Assert.True(took.Elapsed < TimeSpan.FromSeconds(2), $"node B found the paper after {took.Elapsed.TotalSeconds:0.00} s");

            // A member's vote through A's API: B's own index (which the minUpvotes filter reads) has it just as soon.
            var member = await Members.CreateAsync(a, "ada@example.org");
            using var client = await Members.TokenClientAsync(a, member);
            Assert.Equal(0, await TotalAsync(b, "quokkanet&minUpvotes=1"));
            (await client.PostAsync($"/api/papers/{paper.Id}/upvote", null)).EnsureSuccessStatusCode();
            took.Restart();
            await WaitAsync(async () => await TotalAsync(b, "quokkanet&minUpvotes=1") == 1, TimeSpan.FromSeconds(10));
            Assert.True(took.Elapsed < TimeSpan.FromSeconds(2), $"node B saw the vote after {took.Elapsed.TotalSeconds:0.00} s");
            var onB = await b.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{paper.Id}");
            Assert.Equal(1, onB.GetProperty("upvotes").GetInt32());
        }
        finally { await server.DropDatabaseAsync(database); }
    }

    [Fact]
    public async Task When_the_listening_connection_is_killed_the_node_reconnects_and_follows_live_again()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        try
        {
            await using var a = await TestHost.StartOnPostgresAsync(database, seedDemo: false, SlowPoll);
            var listener = a.Get<ChangeListener>();
            await WaitAsync(() => Task.FromResult(listener.Listening), TimeSpan.FromSeconds(10));

            await using (var admin = new NpgsqlConnection(database))
            {
                await admin.OpenAsync();
                await using var kill = new NpgsqlCommand(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'paperboy-change-listener'", admin);
                Assert.Equal(1L, await kill.ExecuteScalarAsync());
            }
            await WaitAsync(() => Task.FromResult(!listener.Listening), TimeSpan.FromSeconds(10));
            await WaitAsync(() => Task.FromResult(listener.Listening), TimeSpan.FromSeconds(10));

            // Written by another process's store (as a CLI import would): A's index follows it live again.
            await using var other = await TestStore.OpenAsync(StoreProvider.Postgres, database);
            await other.Store.ImportAsync([NewPaper("Wombatlog: Reconnected Listeners for Change Logs", "2611.07002")]);
            var took = Stopwatch.StartNew();
            await WaitAsync(async () => await TotalAsync(a, "wombatlog") == 1, TimeSpan.FromSeconds(10));
            Assert.True(took.Elapsed < TimeSpan.FromSeconds(2), $"found after {took.Elapsed.TotalSeconds:0.00} s");
        }
        finally { await server.DropDatabaseAsync(database); }
    }

    private static async Task<int> TotalAsync(TestHost host, string query) =>
        (await host.Client.GetFromJsonAsync<JsonElement>($"/api/search?mode=lexical&q={query}")).GetProperty("total").GetInt32();

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > within) throw new TimeoutException($"not within {within}");
            await Task.Delay(20);
        }
    }
}
