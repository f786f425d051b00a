using System.Text.Json;
using Paperboy.Indexing;
using Paperboy.Storage;
using Paperboy.Tests.Import;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Topics;

/// <summary>/healthz's <c>topicMap</c> tells the truth when this node cannot compute the map itself.</summary>
public sealed class TopicHealthTests
{
    [Fact]
    public async Task The_map_is_computing_not_ready_while_a_killed_nodes_lease_keeps_it_from_being_made()
    {
        await using var host = await TestHost.StartAsync(seedDemo: false);
        // A node killed while computing the map left its lease behind: no map is stored, and none can be until it expires.
        var locks = host.Get<JobLockStore>();
        Assert.True(await locks.TryAcquireAsync(TopicMap.LockName, "killed-node", TimeSpan.FromHours(1)));
        await host.Get<PaperStore>().ImportAsync(Seeds.Read("000").ToList());
        await host.Get<Indexer>().CatchUpAsync();
        Assert.Equal("computing", await TopicMapHealthAsync(host));   // it said "ready" before

        await locks.ReleaseAsync(TopicMap.LockName, "killed-node");   // the lease runs out
        // The background follower (polling every 200 ms) or this call computes it; either way it becomes ready.
        await host.Get<Indexer>().CatchUpAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await TopicMapHealthAsync(host) != "ready" && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal("ready", await TopicMapHealthAsync(host));
        Assert.NotNull(await host.Get<TopicStore>().StateAsync());
    }

    private static async Task<string?> TopicMapHealthAsync(TestHost host) =>
        JsonDocument.Parse(await host.Client.GetStringAsync("/healthz")).RootElement.GetProperty("topicMap").GetString();
}
