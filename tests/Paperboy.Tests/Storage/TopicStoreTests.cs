using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// <see cref="TopicStore"/> on both providers: the map replaced whole, followed paper by paper, paged for the map page,
/// ranked as a board, and bucketed by day for the trends.
/// </summary>
public abstract class TopicStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private TestStore _db = null!;
    private TopicStore Topics => new(_db.Factory);

    private static readonly DateTime ComputedAt = new(2026, 11, 24, 6, 30, 15, DateTimeKind.Utc);

    public async Task InitializeAsync() => _db = await TestStore.CreateAsync(provider);
    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static Paper NewPaper(string id, int upvotes, DateOnly day) => new()
    {
        Id = id, ArxivId = id, Version = 1, Title = $"Paper {id}", Abstract = $"About {id}.", Authors = ["A. Author"], AuthorCount = 1,
        PublishedAt = day, Upvotes = upvotes,
    };

    private static Topic NewTopic(int id, string terms, int size) => new()
    {
        Id = id, Terms = terms, Centroid = [1, 2, 3, 4, 5, 6, 7, 8], Size = size, X = 0.25f * (id + 1), Y = 0.5f,
    };

    /// <summary>Three papers in topic 0 (two on 2026-11-02, one on 2026-11-10) and two in topic 1, placed along a line.</summary>
    private async Task<TopicMapState> StoreMapAsync()
    {
        var nov2 = new DateOnly(2026, 11, 2);
        await _db.Store.ImportAsync([
            NewPaper("2611.00001", 5, nov2), NewPaper("2611.00002", 9, nov2), NewPaper("2611.00003", 9, new DateOnly(2026, 11, 10)),
            NewPaper("2611.00004", 1, nov2), NewPaper("2611.00005", 0, new DateOnly(2026, 10, 1)),
        ]);
        var state = new TopicMapState { Embedder = "lsa:8:test", ComputedOn = 5, AppliedSeq = await _db.Store.LastChangeSeqAsync(), ComputedAt = ComputedAt };
        var placed = Enumerable.Range(1, 5).Select(i => new PaperTopic { PaperId = $"2611.0000{i}", TopicId = i <= 3 ? 0 : 1, X = i / 10f, Y = 1 - i / 10f }).ToList();
        await Topics.ReplaceAsync(state, [NewTopic(0, "diffusion, image, denoising", 3), NewTopic(1, "graph, neural, message", 2)], placed);
        return state;
    }

    [Fact]
    public async Task A_stored_map_reads_back_whole_and_a_second_one_replaces_it_entirely()
    {
        Assert.Null(await Topics.StateAsync());
        var state = await StoreMapAsync();

        var read = (await Topics.StateAsync())!;
        Assert.Equal((state.Embedder, state.ComputedOn, state.AppliedSeq, ComputedAt), (read.Embedder, read.ComputedOn, read.AppliedSeq, read.ComputedAt));
        Assert.Equal(DateTimeKind.Utc, read.ComputedAt.Kind);
        var topics = await Topics.TopicsAsync();
        Assert.Equal([0, 1], topics.Select(t => t.Id));   // largest first
        Assert.Equal(["diffusion", "image", "denoising"], topics[0].TermList);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, topics[0].Centroid);
        Assert.Equal(0.5f, (await Topics.TopicAsync(1))!.X);
        Assert.Null(await Topics.TopicAsync(7));
        Assert.Equal(5, await Topics.PointCountAsync());
        var positions = await Topics.PositionsAsync(["2611.00002", "2611.00004", "unknown"]);
        Assert.Equal(2, positions.Count);
        Assert.Equal((0, 0.2f, 0.8f), (positions["2611.00002"].TopicId, positions["2611.00002"].X, positions["2611.00002"].Y));
        Assert.Equal(new Dictionary<string, int> { ["2611.00001"] = 0, ["2611.00005"] = 1 }, await Topics.TopicOfAsync(["2611.00001", "2611.00005", "2611.00001"]));

        await Topics.ReplaceAsync(new TopicMapState { Embedder = "lsa:8:other", ComputedOn = 1, AppliedSeq = state.AppliedSeq, ComputedAt = ComputedAt.AddHours(1) },
            [NewTopic(3, "transformers", 1)], [new PaperTopic { PaperId = "2611.00003", TopicId = 3, X = 0.5f, Y = 0.5f }]);
        Assert.Equal("lsa:8:other", (await Topics.StateAsync())!.Embedder);
        Assert.Equal([3], (await Topics.TopicsAsync()).Select(t => t.Id));
        Assert.Equal(1, await Topics.PointCountAsync());
    }

    [Fact]
    public async Task Following_the_log_moves_adds_and_removes_papers_and_recounts_the_topic_sizes()
    {
        var state = await StoreMapAsync();
        await _db.Store.ImportAsync([NewPaper("2611.00006", 2, new DateOnly(2026, 11, 3))]);
        var seq = await _db.Store.LastChangeSeqAsync();
        await Topics.ApplyAsync(
            [new PaperTopic { PaperId = "2611.00006", TopicId = 1, X = 0.9f, Y = 0.9f }, new PaperTopic { PaperId = "2611.00001", TopicId = 1, X = 0.7f, Y = 0.7f }],
            ["2611.00002"], seq);

        Assert.Equal(seq, (await Topics.StateAsync())!.AppliedSeq);
        Assert.Equal(ComputedAt, (await Topics.StateAsync())!.ComputedAt);   // followed, not replaced
        Assert.Equal(new Dictionary<int, int> { [0] = 1, [1] = 4 }, (await Topics.TopicsAsync()).ToDictionary(t => t.Id, t => t.Size));
        var of = await Topics.TopicOfAsync(["2611.00001", "2611.00002", "2611.00006"]);
        Assert.Equal(new Dictionary<string, int> { ["2611.00001"] = 1, ["2611.00006"] = 1 }, of);
        Assert.Equal(0.7f, (await Topics.PositionsAsync(["2611.00001"]))["2611.00001"].X);
        Assert.True(seq > state.AppliedSeq);
    }

    [Fact]
    public async Task Map_points_page_in_id_order_from_after_the_last_id_seen()
    {
        await StoreMapAsync();
        var first = await Topics.PointsAsync("", 2);
        Assert.Equal(["2611.00001", "2611.00002"], first.Select(p => p.PaperId));
        var second = await Topics.PointsAsync(first[^1].PaperId, 2);
        Assert.Equal(["2611.00003", "2611.00004"], second.Select(p => p.PaperId));
        var last = await Topics.PointsAsync(second[^1].PaperId, 2);
        Assert.Equal(["2611.00005"], last.Select(p => p.PaperId));
        Assert.Empty(await Topics.PointsAsync(last[^1].PaperId, 2));
    }

    [Fact]
    public async Task A_topics_papers_are_ranked_as_a_board_and_its_days_feed_the_trends()
    {
        await StoreMapAsync();
        var (papers, total) = await Topics.PapersAsync(0, 2, 0);
        Assert.Equal(3, total);
        // 9 upvotes each: the newer day first; then 5.
        Assert.Equal(["2611.00003", "2611.00002"], papers.Select(p => p.Id));
        Assert.Equal(["2611.00001"], (await Topics.PapersAsync(0, 2, 2)).Papers.Select(p => p.Id));

        var days = await Topics.TopicDayCountsAsync(new DateOnly(2026, 11, 1));
        Assert.Equal(4, days.Sum(d => d.Papers));                      // the October paper is before the window
        Assert.Equal(3, days.Where(d => d.Topic == 0).Sum(d => d.Papers));
        Assert.Equal(days.Count, days.Select(d => (d.Topic, d.Day)).Distinct().Count());   // one row per topic and day
        Assert.Equal([new DateOnly(2026, 11, 2)], (await Topics.TopicDayCountsAsync(null, topic: 1)).Where(d => d.Day.Month == 11).Select(d => d.Day));
        Assert.Equal(2, (await Topics.TopicDayCountsAsync(null, topic: 1)).Sum(d => d.Papers));
    }
}

public sealed class SqliteTopicStoreTests() : TopicStoreTests(StoreProvider.Sqlite);

public sealed class PostgresTopicStoreTests() : TopicStoreTests(StoreProvider.Postgres);
