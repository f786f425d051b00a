using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Boards;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>
/// The front page: the newest day that has papers. On a quiet day (fewer than <see cref="QuietDay"/> papers) the
/// papers of the days before follow under "Earlier papers", grouped by day, so the page is never nearly empty.
/// </summary>
public sealed class IndexModel(PaperStore store, BoardViews boards, TimeProvider clock, ViewerVotes votes, Paperboy.Topics.CardTopics cardTopics,
    Paperboy.Topics.TopicCatalog catalog, Paperboy.Trends.TrendService trends) : PageModel
{
    public const int QuietDay = 10;
    public const int EarlierCount = 20;

    public BoardView Board { get; private set; } = null!;
    public IReadOnlyList<IGrouping<DateOnly?, Paper>> Earlier { get; private set; } = [];
    /// <summary>The topics gaining share fastest (shown beside the board on the first page).</summary>
    public IReadOnlyList<Paperboy.Trends.RisingTopic> Rising { get; private set; } = [];

    public async Task OnGetAsync([FromQuery(Name = "page")] int page = 1, CancellationToken ct = default)
    {
        var day = await store.LatestBoardDayAsync(ct) ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        Board = await boards.LoadAsync(BoardPeriod.Day(day), page, ct);
        if (Board.Total < QuietDay && Board.Offset == 0)
            Earlier = (await store.RecentBeforeAsync(day, EarlierCount, ct)).GroupBy(p => p.BoardDay).ToList();
        if (Board.Offset == 0 && await catalog.AllAsync(ct) is { Count: > 0 } topics)
            Rising = await trends.RisingAsync(topics, day, 5, ct);
        await votes.LoadAsync(Board.Papers.Concat(Earlier.SelectMany(g => g)), ct);
        await cardTopics.LoadAsync(Board.Papers.Concat(Earlier.SelectMany(g => g)), ct);
    }
}
