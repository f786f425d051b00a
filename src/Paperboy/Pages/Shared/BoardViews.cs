using System.Collections.Concurrent;
using Paperboy.Core.Boards;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>
/// Board pages as they were last read, each kept with the change log's last sequence number at the time. Every change
/// to a paper (an import, a harvest, a vote) appends to that log, so a page is served again only while no paper has
/// changed since: one indexed MAX instead of ranking the period's papers and reading fifty of them. On PostgreSQL every
/// node reads the same log, so a vote on one node is on every node's next page.
/// </summary>
public sealed class BoardViews(PaperStore store)
{
    /// <summary>Pages kept; when more are made the whole set is dropped (the boards read most fill it again at once).</summary>
    public const int Capacity = 2048;

    private ConcurrentDictionary<(BoardKind Kind, DateOnly First, int Page), (long Seq, BoardView View)> _pages = new();
    private int _added;

    public async Task<BoardView> LoadAsync(BoardPeriod period, int page, CancellationToken ct)
    {
        // The sequence is read before the page, so a page is never kept under a sequence newer than what it shows.
        var seq = await store.LastChangeSeqAsync(ct);
        page = Math.Clamp(page, 1, BoardView.MaxPage);   // pages past the last are the last: one key for them all
        var key = (period.Kind, period.First, page);
        var pages = _pages;
        if (pages.TryGetValue(key, out var kept) && kept.Seq == seq) return kept.View;
        var view = await BoardView.LoadAsync(store, period, page, ct);
        // Counted here, not with the dictionary's Count, which takes every lock.
        if (Interlocked.Increment(ref _added) > Capacity)
        {
            _added = 0;
            _pages = pages = new();
        }
        pages[key] = (seq, view);
        return view;
    }
}
