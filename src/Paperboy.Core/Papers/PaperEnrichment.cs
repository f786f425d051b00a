namespace Paperboy.Core.Papers;

/// <summary>
/// What Paperboy derives from a paper's own text, once, when it is imported (every import path folds its papers
/// through <see cref="Import.ImportBatch"/> and every merge through <see cref="PaperMerge"/>, which both call this):
/// code and project links, the datasets the abstract names, its headline sentence, and the primary category when the
/// source gave categories without one. Idempotent.
/// </summary>
public static class PaperEnrichment
{
    /// <summary>
    /// The version of these rules. Papers stored under a lower one are enriched again by the store's backfill
    /// (<c>paperboy reindex</c>, and <c>serve</c> in the background at start-up). Raise it whenever a change here would
    /// give stored papers different results, and add the migrations it calls for (the store's column default follows
    /// it, and the model check fails until they exist).
    /// </summary>
    public const int Version = 1;

    public static void Apply(Paper paper)
    {
        foreach (var l in CodeLinks.Find(paper.Abstract))
            if (!paper.Links.Exists(x => x.Url == l.Url)) paper.Links.Add(l);
        paper.Datasets = DatasetNames.Find(paper.Abstract);
        paper.Headline = HeadlineSentence.Find(paper.Abstract);
        paper.PrimaryCategory ??= paper.Categories.FirstOrDefault();
    }
}
