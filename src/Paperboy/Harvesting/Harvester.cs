namespace Paperboy.Harvesting;

/// <summary>What to harvest: a range of days (inclusive) that overrides the watermark, or nothing for "since last time".</summary>
public sealed record HarvestRequest(DateOnly? From = null, DateOnly? Until = null);

/// <summary>What a harvest did (or has done so far): pages fetched, records read, and what the store made of them.</summary>
public sealed record HarvestCounts(int Pages = 0, int Read = 0, int Added = 0, int Merged = 0, int Unchanged = 0, int Deleted = 0)
{
    public HarvestCounts Plus(HarvestCounts o) =>
        new(Pages + o.Pages, Read + o.Read, Added + o.Added, Merged + o.Merged, Unchanged + o.Unchanged, Deleted + o.Deleted);

    public override string ToString() =>
        $"{Read} read: {Added} added, {Merged} merged, {Unchanged} unchanged, {Deleted} deleted ({Pages} {(Pages == 1 ? "page" : "pages")})";
}

/// <summary>One page committed: which slice of which source (<c>oai:cs</c>), and the slice's counts so far in this run.</summary>
public sealed record HarvestProgress(string Slice, HarvestCounts SoFar);

/// <summary>
/// A harvester's run: its counts, the errors of the slices that failed (empty when all went well), and warnings about
/// what was read but left out (a daily-papers item without an id, say) while the rest was stored.
/// </summary>
public sealed record HarvestResult(string Source, HarvestCounts Counts, IReadOnlyList<string> Errors)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// One source Paperboy follows by itself. A run fetches what is new since the source's watermark (or the request's
/// days), commits each page with its progress in one transaction, and resumes an interrupted run where it stopped.
/// </summary>
public interface IHarvester
{
    /// <summary><c>oai</c>, <c>arxiv</c> or <c>hf</c>: the CLI's <c>--source</c>.</summary>
    string Name { get; }
    bool Enabled { get; }
    Task<HarvestResult> RunAsync(HarvestRequest request, IProgress<HarvestProgress>? progress, CancellationToken ct);
}
