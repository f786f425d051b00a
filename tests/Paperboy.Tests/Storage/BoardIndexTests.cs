using Microsoft.EntityFrameworkCore;
using Paperboy.Core.Boards;
using Paperboy.Storage;

namespace Paperboy.Tests.Storage;

/// <summary>
/// A board ranks its period from the narrow board index and reads only its page's papers whole. A month of a bulk-loaded
/// arXiv holds about 7,000 papers; ranking them from their rows (abstract, authors…) cost 25–60 ms a page at 2.5M papers.
/// </summary>
public sealed class BoardIndexTests
{
    /// <summary>Every step that reads papers: either the covering board index, or one paper by its key.</summary>
    private static void AssertRankedFromTheIndex(List<string> plan)
    {
        var reads = plan.Where(step => step.StartsWith("SCAN p", StringComparison.Ordinal) || step.StartsWith("SEARCH p", StringComparison.Ordinal)).ToList();
        Assert.Contains(reads, step => step.Contains($"USING COVERING INDEX {PaperboyDb.BoardIndex} (BoardDate", StringComparison.Ordinal));
        Assert.All(reads, step => Assert.True(step.Contains($"USING COVERING INDEX {PaperboyDb.BoardIndex} (BoardDate", StringComparison.Ordinal) ||
                                              step.EndsWith("(Id=?)", StringComparison.Ordinal), string.Join("\n", plan)));
    }

    [Theory]
    [InlineData(BoardKind.Daily)]
    [InlineData(BoardKind.Weekly)]
    [InlineData(BoardKind.Monthly)]
    public async Task On_SQLite_a_board_is_ranked_from_the_board_index_and_only_its_page_is_read_whole(BoardKind kind)
    {
        await using var t = await TestStore.CreateAsync();
        await using var db = await t.Factory.CreateDbContextAsync();
        var period = BoardPeriod.Containing(kind, new DateOnly(2026, 11, 18));
        AssertRankedFromTheIndex(await SqlitePlan.OfAsync(db, PaperStore.BoardPageQuery(db, PaperStore.InPeriod(db.Papers, period), 50, 100)));
        // Its count (the same condition) reads the index too.
        Assert.Equal([$"SEARCH p USING COVERING INDEX {PaperboyDb.BoardIndex} (BoardDate>? AND BoardDate<?)"],
            await SqlitePlan.OfAsync(db, PaperStore.InPeriod(db.Papers, period).Select(p => 1)));
    }

    [Fact]
    public async Task On_SQLite_the_front_pages_earlier_days_are_ranked_from_the_board_index()
    {
        await using var t = await TestStore.CreateAsync();
        await using var db = await t.Factory.CreateDbContextAsync();
        DateOnly? day = new DateOnly(2026, 11, 18);
        var before = db.Papers.Where(p => EF.Property<DateOnly?>(p, PaperboyDb.BoardDay) < day);
        AssertRankedFromTheIndex(await SqlitePlan.OfAsync(db, PaperStore.BoardPageQuery(db, before, 20, 0, dayByDay: true)));
    }

    [Fact]
    public async Task On_SQLite_a_topic_page_starts_from_the_topics_papers_not_from_every_paper()
    {
        await using var t = await TestStore.CreateAsync();
        await using var db = await t.Factory.CreateDbContextAsync();
        var plan = await SqlitePlan.OfAsync(db, PaperStore.BoardPageQuery(db, TopicStore.PapersOf(db, 3), 24, 0));
        Assert.True(plan.Any(step => step.Contains("USING INDEX IX_paper_topics_TopicId (TopicId=?)", StringComparison.Ordinal)), string.Join("\n", plan));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
    }
}
