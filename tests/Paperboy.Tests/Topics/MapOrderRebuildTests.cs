using Microsoft.EntityFrameworkCore;
using Paperboy.Indexing;
using Paperboy.Search.Lexical;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Topics;

/// <summary>A rebuild reads the papers in topic-map order (document numbers then follow topics), and ranks the same.</summary>
public sealed class MapOrderRebuildTests
{
    [Fact]
    public async Task A_rebuild_reads_every_paper_once_placed_ones_in_map_order_and_searches_rank_the_same()
    {
        await using var host = await TestHost.StartAsync();
        var indexer = host.Get<Indexer>();
        await indexer.CatchUpAsync();
        var papers = host.Get<PaperStore>();
        var all = new List<string>();
        await foreach (var id in papers.IdsAsync()) all.Add(id);
        Assert.Equal(await papers.CountAsync(), all.Count);

        // Three papers taken off the map, as papers not placed yet are.
        var unplaced = all.Where((_, i) => i % 90 == 7).ToList();
        await using (var db = await host.Get<IDbContextFactory<PaperboyDb>>().CreateDbContextAsync())
            Assert.Equal(unplaced.Count, await db.PaperTopics.Where(t => unplaced.Contains(t.PaperId)).ExecuteDeleteAsync());
        var mapOrder = await host.Get<TopicStore>().PaperIdsInMapOrderAsync();
        Assert.Equal(all.Count - unplaced.Count, mapOrder.Count);

        var read = new List<string>();
        await foreach (var p in indexer.InMapOrderAsync(mapOrder, CancellationToken.None)) read.Add(p.Id);
        Assert.Equal(mapOrder.Concat(unplaced.Order(StringComparer.Ordinal)), read);
        Assert.NotEqual(all, read);   // the map's order is not the ids' order

        string[] queries = ["graph neural networks", "diffusion models for image generation", "\"language model\"", "reinforcement learning -robot"];
        var lexical = host.Get<IndexHolder>().Lexical;
        var before = queries.Select(q => lexical.Search(SearchQuery.Parse(q), new SearchFilter(), 300, 0)).ToList();
        await indexer.RebuildAsync();
        for (var i = 0; i < queries.Length; i++)
        {
            var after = lexical.Search(SearchQuery.Parse(queries[i]), new SearchFilter(), 300, 0);
            Assert.Equal(before[i].Total, after.Total);
            Assert.True(before[i].Hits.Count > 0, queries[i]);
            // Every match (the demo corpus has 257 papers), with the same scores; papers with equal scores may swap places.
            Assert.Equal(before[i].Hits.Select(h => h.Score), after.Hits.Select(h => h.Score));
            Assert.Equal(before[i].Hits.GroupBy(h => h.Score).Select(g => g.Select(h => h.Id).Order().ToList()),
                after.Hits.GroupBy(h => h.Score).Select(g => g.Select(h => h.Id).Order().ToList()));
        }
    }
}
