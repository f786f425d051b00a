using Lucene.Net.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Paperboy.Core.Papers;
using Paperboy.Hosting;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Search.Lexical;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Topics;

/// <summary>
/// A store loaded from scratch gets its lexical index before its first topic map, so in id order; once the map is
/// stored, the index is rebuilt once in map order on its own, and <c>paperboy reindex</c> rebuilds it once, not twice.
/// Polling is slowed down to ten minutes so that only the test makes the indexer catch up.
/// </summary>
public sealed class MapOrderCatchUpTests
{
    private const string SlowPoll = "--IndexPollInterval=00:10:00";
    private const string Rebuilt = "Lexical index rebuilt:";
    private static readonly string[] Queries = ["graph neural networks", "diffusion models for image generation", "\"language model\"", "reinforcement learning -robot"];

    [Fact]
    public async Task A_store_loaded_from_scratch_is_rebuilt_in_map_order_once_after_its_first_map_and_ranks_the_same()
    {
        var log = new LogLines();
        await using var host = await TestHost.StartAsync(s => s.AddSingleton<ILoggerProvider>(log), seedDemo: false, prepare: null, SlowPoll);
        var indexer = host.Get<Indexer>();
        var lexical = host.Get<IndexHolder>().Lexical;
        await using (var held = await HoldTopicMapAsync(host))
        {
            await LoadDemoAsync(host);
            await indexer.CatchUpAsync();   // indexes built; the map is held off, as while it is computed on a large store
            Assert.Null(await host.Get<TopicStore>().StateAsync());
        }
        Assert.False(lexical.InMapOrder);
        var ids = new List<string>();
        await foreach (var id in host.Get<PaperStore>().IdsAsync()) ids.Add(id);
        Assert.Equal(ids, DocumentOrder(host));
        var before = Queries.Select(q => lexical.Search(SearchQuery.Parse(q), new SearchFilter(), 300, 0)).ToList();
        var rebuiltBefore = log.Starting(Rebuilt).Count;

        await indexer.CatchUpAsync();   // the first map, then the index in its order
        Assert.NotNull(await host.Get<TopicStore>().StateAsync());
        Assert.True(lexical.InMapOrder);
        var mapOrder = await host.Get<TopicStore>().PaperIdsInMapOrderAsync();
        Assert.Equal(ids.Count, mapOrder.Count);   // every paper is placed
        Assert.Equal(mapOrder, DocumentOrder(host));
        Assert.NotEqual(ids, mapOrder);
        Assert.Equal([$"{Rebuilt} {ids.Count} papers in topic-map order"], log.Starting(Rebuilt).Skip(rebuiltBefore).Select(Head));
        Assert.Single(log.Starting("Lexical index: rebuilding in topic-map order"));
        AssertRankedAlike(before, Queries.Select(q => lexical.Search(SearchQuery.Parse(q), new SearchFilter(), 300, 0)).ToList());

        // Later catch-ups, a map update among them, leave the order alone; the papers they add are appended.
        await indexer.CatchUpAsync();
        await host.Get<PaperStore>().ImportAsync([new Paper
        {
            Id = "2611.08001", ArxivId = "2611.08001", Title = "Graph neural networks for map-ordered indexes", Abstract = "We place papers by topic.",
            PublishedAt = new DateOnly(2026, 11, 20), Authors = ["A. Author"],
        }]);
        await indexer.CatchUpAsync();
        Assert.Equal(await host.Get<PaperStore>().LastChangeSeqAsync(), (await host.Get<TopicStore>().StateAsync())!.AppliedSeq);   // the map followed
        Assert.True(lexical.InMapOrder);
        Assert.Equal([.. mapOrder, "2611.08001"], DocumentOrder(host));
        Assert.Single(log.Starting(Rebuilt).Skip(rebuiltBefore));
    }

    [Fact]
    public async Task Reindexing_a_store_without_a_map_rebuilds_the_lexical_index_once_in_the_new_maps_order()
    {
        var log = new LogLines();
        await using var host = await TestHost.StartAsync(s => s.AddSingleton<ILoggerProvider>(log), seedDemo: false, prepare: null, SlowPoll);
        var indexer = host.Get<Indexer>();
        await using (var held = await HoldTopicMapAsync(host))
        {
            await LoadDemoAsync(host);
            await indexer.CatchUpAsync();
        }
        Assert.Null(await host.Get<TopicStore>().StateAsync());
        var rebuiltBefore = log.Starting(Rebuilt).Count;

        await indexer.RebuildAsync();   // paperboy reindex
        await indexer.CatchUpAsync();   // and the catch-up that follows finds nothing left to reorder

        var papers = await host.Get<PaperStore>().CountAsync();
        Assert.Equal([$"{Rebuilt} {papers} papers in topic-map order"], log.Starting(Rebuilt).Skip(rebuiltBefore).Select(Head));
        Assert.True(host.Get<IndexHolder>().Lexical.InMapOrder);
        Assert.Equal(await host.Get<TopicStore>().PaperIdsInMapOrderAsync(), DocumentOrder(host));
    }

    [Fact]
    public async Task The_index_stays_in_id_order_while_no_map_can_be_made_and_a_read_only_reader_sees_its_order()
    {
        await using var host = await TestHost.StartAsync(null, seedDemo: false, prepare: null, SlowPoll);
        var indexer = host.Get<Indexer>();
        await using (var held = await HoldTopicMapAsync(host))
        {
            await LoadDemoAsync(host);
            await indexer.CatchUpAsync();
            await indexer.CatchUpAsync();   // the map cannot be made (another node's lease): the index is left as it is
            Assert.False(host.Get<IndexHolder>().Lexical.InMapOrder);
        }
        await indexer.CatchUpAsync();
        Assert.True(host.Get<IndexHolder>().Lexical.InMapOrder);

        // A second process (the CLI while the server runs) opens the index read-only: it never rebuilds it.
        using var readOnly = LexicalIndex.OpenReadOnly(LexicalPath(host));
        Assert.True(readOnly.ReadOnly);
        Assert.True(readOnly.InMapOrder);
    }

    [Fact]
    public async Task A_rebuild_that_failed_half_way_is_done_again_by_the_next_catch_up_not_committed_half_done()
    {
        await using var host = await TestHost.StartAsync(null, seedDemo: true, prepare: null, SlowPoll);
        var papers = host.Get<PaperStore>();
        var lexical = host.Get<IndexHolder>().Lexical;
        var some = new List<Paper>();
        await foreach (var p in papers.AllAsync()) if (some.Count < 10) some.Add(p);
        // What a rebuild that threw (a store error) half-way leaves: cleared, some papers staged, nothing committed.
        lexical.Clear(inMapOrder: true);
        lexical.Stage(some);
        await papers.ImportAsync([new Paper
        {
            Id = "2611.08001", ArxivId = "2611.08001", Title = "A paper after the failed rebuild", Abstract = "It arrives while the index is half-built.",
            PublishedAt = new DateOnly(2026, 11, 20), Authors = ["A. Author"],
        }]);
        await host.Get<Indexer>().CatchUpAsync();
        Assert.Equal(await papers.CountAsync(), lexical.Count);
        Assert.Equal(await papers.CountAsync(), DocumentOrder(host).Count);
        Assert.True(lexical.InMapOrder);
    }

    /// <summary>Takes the topic-map lock as a killed node's lease would, so no map is made until it is disposed.</summary>
    private static async Task<IAsyncDisposable> HoldTopicMapAsync(TestHost host)
    {
        var locks = host.Get<JobLockStore>();
        Assert.True(await locks.TryAcquireAsync(TopicMap.LockName, "killed-node", TimeSpan.FromHours(1)));
        return new Release(() => locks.ReleaseAsync(TopicMap.LockName, "killed-node"));
    }

    private sealed class Release(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }

    private static Task LoadDemoAsync(TestHost host) =>
        DemoCorpus.SeedIfEmptyAsync(host.Get<PaperStore>(), host.Get<PaperImporter>(), host.Get<ILoggerFactory>().CreateLogger("test"), CancellationToken.None);

    private static string LexicalPath(TestHost host) => host.Get<IOptions<PaperboyOptions>>().Value.LexicalIndexPath;

    /// <summary>The paper ids of the committed index on disk, by document number.</summary>
    private static List<string> DocumentOrder(TestHost host)
    {
        using var dir = Lucene.Net.Store.FSDirectory.Open(LexicalPath(host));
        using var reader = DirectoryReader.Open(dir);
        var ids = new List<string>();
        var live = Lucene.Net.Index.MultiFields.GetLiveDocs(reader);
        for (var doc = 0; doc < reader.MaxDoc; doc++)
            if (live?.Get(doc) != false) ids.Add(reader.Document(doc).Get("id"));
        return ids;
    }

    private static string Head(string line) => line[..line.IndexOf(',', StringComparison.Ordinal)];

    /// <summary>Every match with the same scores; papers with equal scores may swap places.</summary>
    private static void AssertRankedAlike(List<LexicalResult> before, List<LexicalResult> after)
    {
        for (var i = 0; i < before.Count; i++)
        {
            Assert.True(before[i].Hits.Count > 0, Queries[i]);
            Assert.Equal(before[i].Total, after[i].Total);
            Assert.Equal(before[i].Hits.Select(h => h.Score), after[i].Hits.Select(h => h.Score));
            Assert.Equal(before[i].Hits.GroupBy(h => h.Score).Select(g => g.Select(h => h.Id).Order().ToList()),
                after[i].Hits.GroupBy(h => h.Score).Select(g => g.Select(h => h.Id).Order().ToList()));
        }
    }
}
