using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>Trending = upvotes / (age in hours + 2)^1.5, on a fixed clock.</summary>
public sealed class TrendingTests
{
    private static Paper P(string title, int upvotes, DateOnly day) =>
        new() { Id = PaperIdentity.TitleId(title), Title = title, Abstract = "about " + title, Upvotes = upvotes, PublishedAt = day };

    [Fact]
    public void The_score_follows_the_documented_formula()
    {
        var now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(10 / Math.Pow(12 + 2, 1.5), PaperStore.TrendingScore(10, new DateOnly(2026, 11, 23), now), 10);
        Assert.Equal(10 / Math.Pow(36 + 2, 1.5), PaperStore.TrendingScore(10, new DateOnly(2026, 11, 22), now), 10);
        Assert.Equal(5 / Math.Pow(2, 1.5), PaperStore.TrendingScore(5, new DateOnly(2026, 11, 24), now), 10);   // not in the future
    }

    [Fact]
    public async Task On_SQLite_trending_reads_the_partial_index_of_voted_papers_not_the_whole_table()
    {
        // A bulk-loaded arXiv has millions of papers and no votes: scanning for the newest voted ones took 3–11 s a view.
        await using var t = await TestStore.CreateAsync();
        await using var db = await t.Factory.CreateDbContextAsync();
        var plan = await SqlitePlan.OfAsync(db, PaperStore.TrendingCandidatesQuery(db));
        Assert.True(plan.Any(step => step.Contains($"USING COVERING INDEX {PaperboyDb.VotedIndex}", StringComparison.Ordinal)), string.Join("\n", plan));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN p", StringComparison.Ordinal) && !step.Contains("INDEX", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task Fresh_papers_with_fewer_votes_beat_old_ones_with_more_and_unvoted_papers_never_trend(StoreProvider provider)
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        await using var db = await TestStore.CreateAsync(provider, clock);
        await db.Store.ImportAsync([
            P("Today with five", 5, new DateOnly(2026, 11, 23)),
            P("Yesterday with twelve", 12, new DateOnly(2026, 11, 22)),
            P("Last month with a hundred", 100, new DateOnly(2026, 10, 23)),
            P("Today with none", 0, new DateOnly(2026, 11, 23)),
        ]);
        var trending = await db.Store.TrendingAsync(10);
        Assert.Equal(["Today with five", "Yesterday with twelve", "Last month with a hundred"], trending.Select(t => t.Paper.Title));
        Assert.True(trending.Zip(trending.Skip(1)).All(pair => pair.First.Score >= pair.Second.Score));

        // A day later the order is the formula's again, not a cached one.
        clock.Now = clock.Now.AddDays(3);
        var later = await db.Store.TrendingAsync(10);
        Assert.Equal(later.OrderByDescending(t => PaperStore.TrendingScore(t.Paper.TotalUpvotes, t.Paper.BoardDay!.Value, clock.Now)).Select(t => t.Paper.Id), later.Select(t => t.Paper.Id));
    }
}
