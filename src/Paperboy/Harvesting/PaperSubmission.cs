using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Harvesting;

/// <summary>What a submission did: the paper's id (canonical, as stored) and whether the paper was new here.</summary>
public sealed record SubmissionResult(string PaperId, bool IsNew, string Title);

/// <summary>
/// A member submits a paper by arXiv id or URL: its metadata is fetched from arXiv and stored the way an import is,
/// so a paper already here is merged, never duplicated. The first submitter is kept: PaperMerge sets
/// <see cref="Paper.SubmittedBy"/> and <see cref="Paper.SubmittedAt"/> only on a paper that has none.
/// </summary>
public sealed class PaperSubmission(ArxivClient arxiv, PaperStore store, TimeProvider clock)
{
    /// <summary>Throws <see cref="ArxivException"/> when arXiv cannot give the paper; then nothing is stored.</summary>
    public async Task<SubmissionResult> SubmitAsync(string idOrUrl, string submittedBy, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(submittedBy);
        var paper = await arxiv.FetchAsync(idOrUrl, ct);
        paper.SubmittedBy = submittedBy.Trim();
        paper.SubmittedAt = clock.GetUtcNow();
        var summary = await store.ImportAsync([paper], ct);
        var stored = await store.FindAsync(paper.Id, ct);
        return new SubmissionResult(stored?.Id ?? paper.Id, summary.Added > 0, stored?.Title ?? paper.Title);
    }
}
