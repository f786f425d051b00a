namespace Paperboy.Core.Papers;

/// <summary>
/// What Paperboy derives from a paper's own text, once, when it is imported (every import path folds its papers
/// through <see cref="Import.ImportBatch"/> and every merge through <see cref="PaperMerge"/>, which both call this):
/// code and project links, the datasets the abstract names and its headline sentence. Idempotent.
/// </summary>
public static class PaperEnrichment
{
    public static void Apply(Paper paper)
    {
        foreach (var l in CodeLinks.Find(paper.Abstract))
            if (!paper.Links.Exists(x => x.Url == l.Url)) paper.Links.Add(l);
        paper.Datasets = DatasetNames.Find(paper.Abstract);
        paper.Headline = HeadlineSentence.Find(paper.Abstract);
    }
}
