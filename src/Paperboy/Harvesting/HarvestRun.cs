using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Harvesting;

/// <summary>
/// The bookkeeping of one slice of a source (<c>oai:cs</c>) through one run, on its <see cref="HarvestState"/>: a run
/// starts (or resumes the one in progress), commits page after page with the progress in the same transaction, and
/// ends by moving the watermark forward; a failure is recorded on the state and leaves the progress as committed.
/// </summary>
public sealed class HarvestRun
{
    private readonly PaperStore _store;
    private readonly TimeProvider _clock;
    private HarvestState _state;

    private HarvestRun(PaperStore store, TimeProvider clock, HarvestState state) { _store = store; _clock = clock; _state = state; }

    public static async Task<HarvestRun> OpenAsync(PaperStore store, TimeProvider clock, string slice, CancellationToken ct) =>
        new(store, clock, await store.HarvestStateAsync(slice, ct) ?? new HarvestState { Source = slice });

    public string Slice => _state.Source;
    public DateOnly? Watermark => _state.Watermark;
    public DateOnly? RunFrom => _state.RunFrom;
    public DateOnly? RunUntil => _state.RunUntil;
    public DateOnly? RunNewest => _state.RunNewest;
    /// <summary>Where the run in progress stands (a resumption token, an offset), or null when none is in progress.</summary>
    public string? Cursor => _state.Cursor;
    public HarvestCounts Counts => new(_state.Pages, _state.Read, _state.Added, _state.Merged, _state.Unchanged, _state.Deleted);

    public DateOnly Today => DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);

    /// <summary>
    /// Whether <paramref name="request"/> continues the run in progress rather than starting a new one: it names no days
    /// ("since last time"), or exactly the days of the interrupted run, so the same command run again after a crash
    /// resumes where it stopped instead of fetching every page again.
    /// </summary>
    public bool Continues(HarvestRequest request) =>
        Cursor is not null && (request is { From: null, Until: null } || request.From == RunFrom && request.Until == RunUntil);

    /// <summary>Starts a new run over these days: the counts start from zero and any run in progress is dropped.</summary>
    public async Task StartAsync(DateOnly from, DateOnly? until, CancellationToken ct)
    {
        _state.RunFrom = from;
        _state.RunUntil = until;
        _state.Cursor = null;
        _state.RunNewest = null;
        _state.Pages = _state.Read = _state.Added = _state.Merged = _state.Unchanged = _state.Deleted = 0;
        _state.LastRunAt = _clock.GetUtcNow().UtcDateTime;
        _state.LastError = null;
        await _store.SaveHarvestStateAsync(_state, ct);
    }

    /// <summary>Marks the start of a resumed run (the counts go on from where they were).</summary>
    public async Task ResumeAsync(CancellationToken ct)
    {
        _state.LastRunAt = _clock.GetUtcNow().UtcDateTime;
        _state.LastError = null;
        await _store.SaveHarvestStateAsync(_state, ct);
    }

    /// <summary>
    /// Commits one page: its papers, the deletions it reports, and where the run goes next (<paramref name="cursor"/>);
    /// with <paramref name="finished"/> the run ends in the same transaction and the watermark moves to
    /// <paramref name="watermark"/> (never backwards).
    /// </summary>
    public async Task CommitPageAsync(IReadOnlyList<Paper> papers, IReadOnlyList<string> deletedIds, string? cursor, DateOnly? newest,
        bool finished, DateOnly? watermark, CancellationToken ct)
    {
        var next = _state.Clone();
        next.Cursor = finished ? null : cursor;
        if (newest > (next.RunNewest ?? DateOnly.MinValue)) next.RunNewest = newest;
        if (finished) End(next, watermark);
        // The store counts the page into the state in the page's transaction: a run killed after it keeps its counts.
        await _store.ImportHarvestPageAsync(papers, deletedIds, next, ct);
        _state = next;
    }

    /// <summary>Ends a run that had nothing to commit (no records match).</summary>
    public async Task FinishAsync(DateOnly? watermark, CancellationToken ct)
    {
        End(_state, watermark);
        await _store.SaveHarvestStateAsync(_state, ct);
    }

    /// <summary>Records why the run stopped; its committed progress stays, so the next run resumes from there.</summary>
    public async Task FailAsync(Exception e, CancellationToken ct)
    {
        _state.LastError = e.Message.Length > 1_900 ? e.Message[..1_900] + "…" : e.Message;
        await _store.SaveHarvestStateAsync(_state, ct);
    }

    private void End(HarvestState s, DateOnly? watermark)
    {
        if (watermark > (s.Watermark ?? DateOnly.MinValue)) s.Watermark = watermark;
        s.Cursor = null;
        s.RunFrom = s.RunUntil = s.RunNewest = null;
        s.LastSuccessAt = _clock.GetUtcNow().UtcDateTime;
        s.LastError = null;
    }
}
