using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>What one import did, counted per distinct paper.</summary>
public sealed record ImportSummary(int Read, int Added, int Merged, int Unchanged)
{
    public static readonly ImportSummary Empty = new(0, 0, 0, 0);
    public ImportSummary Plus(ImportSummary o) => new(Read + o.Read, Added + o.Added, Merged + o.Merged, Unchanged + o.Unchanged);
}

/// <summary>
/// Folds the papers of one batch into distinct papers before they meet the store: the same id twice becomes one,
/// and a paper known only by title merges into the arXiv paper of the same normalised title. Every paper leaves
/// enriched (<see cref="PaperEnrichment"/>), whichever reader it came from.
/// </summary>
public static class ImportBatch
{
    public static List<Paper> Fold(IEnumerable<Paper> papers)
    {
        var byId = new Dictionary<string, Paper>(StringComparer.Ordinal);
        var arxivByTitle = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var incoming in papers)
        {
            var p = incoming.Clone();
            p.Id = PaperIdentity.IdFor(p);
            var titleKey = PaperIdentity.TitleId(p.Title);
            if (p.ArxivId is null && arxivByTitle.TryGetValue(titleKey, out var arxivId)) p.Id = arxivId;
            if (p.ArxivId is not null)
            {
                arxivByTitle.TryAdd(titleKey, p.Id);
                if (byId.Remove(titleKey, out var titleOnly))
                {
                    order.Remove(titleKey);
                    PaperMerge.Into(p, titleOnly);
                }
            }
            if (byId.TryGetValue(p.Id, out var existing)) PaperMerge.Into(existing, p);
            else { byId[p.Id] = p; order.Add(p.Id); }
        }
        var folded = order.Select(id => byId[id]).ToList();
        foreach (var p in folded) PaperEnrichment.Apply(p);
        return folded;
    }
}
