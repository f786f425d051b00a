using Npgsql;
using Paperboy.Core.Papers;
using Paperboy.Indexing;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Cluster;

/// <summary>
/// Two app instances on one PostgreSQL database compute the topic map once between them: a node that joins finds the
/// stored map instead of computing its own, new papers are placed once, and a stale map is computed by one node only.
/// Polling is slowed down to ten minutes so that only the test (and NOTIFY) makes the nodes catch up.
/// </summary>
public sealed class ClusterTopicMapTests
{
    private const string SlowPoll = "--IndexPollInterval=00:10:00";

    [Fact]
    public async Task The_topic_map_is_computed_once_per_cluster_and_the_second_node_uses_the_stored_one()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        try
        {
            await using var a = await TestHost.StartOnPostgresAsync(database, seedDemo: true, SlowPoll);
            var computed = (await a.Get<TopicStore>().StateAsync())!;
            Assert.True(computed.ComputedOn > 250);

            // B joins: its own indexes are built, the stored map is the cluster's.
            await using var b = await TestHost.StartOnPostgresAsync(database, seedDemo: false, SlowPoll);
            Assert.True(b.Get<Indexer>().Ready);
            Assert.Empty(b.Get<TopicMap>().LastTimings);                       // B never computed a map
            Assert.Equal(computed.ComputedAt, (await b.Get<TopicStore>().StateAsync())!.ComputedAt);
            Assert.Equal(await a.Get<PaperStore>().CountAsync(), (await b.Get<TopicStore>().TopicsAsync()).Sum(t => t.Size));

            // A new paper, followed by both nodes at once: placed once, and the map not computed again.
            var papers = a.Get<PaperStore>();
            var twin = (await papers.FindAsync("t-9da78b4e0fa9"))!;
            await papers.ImportAsync([new Paper
            {
                Id = "2611.08001", ArxivId = "2611.08001", Title = twin.Title + " Revisited", Abstract = twin.Abstract,
                PublishedAt = new DateOnly(2026, 11, 20), Authors = ["A. Author"],
            }]);
            await Task.WhenAll(a.Get<Indexer>().CatchUpAsync(), b.Get<Indexer>().CatchUpAsync());
            // Whichever catch-up held the lock (these, or a follower woken by NOTIFY) followed the log to its end.
            var end = await papers.LastChangeSeqAsync();
            var followed = (await b.Get<TopicStore>().StateAsync())!;
            for (var waited = 0; followed.AppliedSeq < end && waited < 300; waited++)
            {
                await Task.Delay(100);
                followed = (await b.Get<TopicStore>().StateAsync())!;
            }
            Assert.Equal(end, followed.AppliedSeq);
            Assert.Equal(computed.ComputedAt, followed.ComputedAt);
            var placed = await b.Get<TopicStore>().PositionsAsync(["2611.08001", twin.Id]);
            Assert.Equal(placed[twin.Id].TopicId, placed["2611.08001"].TopicId);
            Assert.Equal(await papers.CountAsync(), (await b.Get<TopicStore>().TopicsAsync()).Sum(t => t.Size));

            // The stored map goes stale (as after a fifth of growth): of the two nodes catching up at once, one computes it.
            await using (var sql = new NpgsqlConnection(database))
            {
                await sql.OpenAsync();
                await using var cmd = new NpgsqlCommand("UPDATE topic_map_state SET \"ComputedOn\" = 2", sql);
                Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
            }
            // A node that finds the lock taken (a follower woken by the import's NOTIFY may still hold it) leaves the map for
            // its next poll, so the two nodes are asked again until the map is new; over all rounds, one computation at most.
            var last = await papers.LastChangeSeqAsync();
            var placedBy = new List<int>();
            TopicMapState recomputed;
            for (var round = 0; ; round++)
            {
                placedBy.AddRange(await Task.WhenAll(a.Get<TopicMap>().CatchUpAsync(last, default), b.Get<TopicMap>().CatchUpAsync(last, default)));
                recomputed = (await a.Get<TopicStore>().StateAsync())!;
                if (recomputed.ComputedAt > computed.ComputedAt || round == 50) break;
                await Task.Delay(100);
            }
            Assert.True(recomputed.ComputedAt > computed.ComputedAt, "no node computed the stale map");
            Assert.True(placedBy.Count(n => n > 0) <= 1, $"the map was computed more than once: {string.Join(", ", placedBy)}");
            Assert.Equal(await papers.CountAsync(), recomputed.ComputedOn);

            // While one node holds the lock (computing), `reindex` on another leaves the map alone.
            await using (var held = await a.Get<JobLockStore>().TryTakeAsync(TopicMap.LockName, "node-c/computing", TimeSpan.FromMinutes(2)))
            {
                Assert.NotNull(held);
                Assert.Equal(0, await b.Get<TopicMap>().RecomputeAsync(default));
            }
            Assert.Equal(recomputed.ComputedAt, (await a.Get<TopicStore>().StateAsync())!.ComputedAt);
        }
        finally { await server.DropDatabaseAsync(database); }
    }
}
