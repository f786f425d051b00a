using Paperboy.Core.Boards;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>One board page: the period, its papers by upvotes, and where previous/next lead (skipping empty days).</summary>
public sealed record BoardView(BoardPeriod Period, IReadOnlyList<Paper> Papers, int Total, int Offset, string PreviousKey, string? NextKey)
{
    public const int PageSize = 50;
    public const int MaxPage = 201;

    public static async Task<BoardView> LoadAsync(PaperStore store, BoardPeriod period, int page, CancellationToken ct)
    {
        var offset = Math.Clamp(page, 1, MaxPage) * PageSize - PageSize;
        var (papers, total) = await store.BoardAsync(period, PageSize, offset, ct);
        string previous = period.Previous.Key;
        string? next = period.Next.Key;
        if (period.Kind == BoardKind.Daily)
        {
            // Days without papers (weekends, gaps in an imported corpus) are skipped, as on Hugging Face.
            previous = await store.AdjacentBoardDayAsync(period.First, before: true, ct) is { } p ? BoardPeriod.Day(p).Key : previous;
            next = await store.AdjacentBoardDayAsync(period.Last, before: false, ct) is { } n ? BoardPeriod.Day(n).Key : null;
        }
        return new BoardView(period, papers, total, offset, previous, next);
    }
}
