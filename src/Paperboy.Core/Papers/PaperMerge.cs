namespace Paperboy.Core.Papers;

/// <summary>
/// Folds a newly met copy of a paper into the one we have, keeping the richest of each field and the highest
/// upvote count. A newer arXiv version (a higher version number, or a later <see cref="Paper.UpdatedAt"/>) is the
/// exception: its title, abstract, authors and categories replace ours, since the authors revised them; an older
/// version met again (an old snapshot) brings none of its text. Returns whether anything changed, so re-importing the
/// same data is a no-op.
/// </summary>
public static class PaperMerge
{
    public static bool Into(Paper existing, Paper incoming)
    {
        var before = Fingerprint(existing);
        // Newer: a higher version number when both are known, or a version arXiv dated after the latest one we know of.
        var newer = incoming.Version > existing.Version
            || incoming.UpdatedAt > (existing.UpdatedAt ?? existing.PublishedAt);
        if (newer)
        {
            if (!string.IsNullOrWhiteSpace(incoming.Title)) existing.Title = incoming.Title;
            if (incoming.Abstract.Length > 0) existing.Abstract = incoming.Abstract;
            if (incoming.Authors.Count > 0) { existing.Authors = [.. incoming.Authors]; existing.AuthorCount = incoming.AuthorCount; }
            if (incoming.Categories.Count > 0) { existing.Categories = [.. incoming.Categories]; existing.PrimaryCategory = incoming.PrimaryCategory; }
        }
        if (incoming.UpdatedAt > (existing.UpdatedAt ?? DateOnly.MinValue)) existing.UpdatedAt = incoming.UpdatedAt;

        if (existing.ArxivId is null && incoming.ArxivId is not null) existing.ArxivId = incoming.ArxivId;
        // An older version met again (an old snapshot) brings nothing of its text, however long.
        var older = incoming.Version < existing.Version;
        if (incoming.Version > (existing.Version ?? 0)) existing.Version = incoming.Version;
        if (string.IsNullOrWhiteSpace(existing.Title)) existing.Title = incoming.Title;
        if (!older && incoming.Abstract.Length > existing.Abstract.Length) existing.Abstract = incoming.Abstract;
        if (!older && incoming.Authors.Count > existing.Authors.Count) existing.Authors = [.. incoming.Authors];
        var count = Math.Max(existing.AuthorCount ?? 0, incoming.AuthorCount ?? 0);
        existing.AuthorCount = count > 0 ? count : null;
        existing.PublishedAt = Earliest(existing.PublishedAt, incoming.PublishedAt);
        existing.FeedDay ??= incoming.FeedDay;
        existing.Upvotes = Math.Max(existing.Upvotes, incoming.Upvotes);
        existing.CommentCount = Math.Max(existing.CommentCount, incoming.CommentCount);
        existing.PrimaryCategory ??= incoming.PrimaryCategory;
        foreach (var c in incoming.Categories)
            if (!existing.Categories.Contains(c)) existing.Categories.Add(c);
        foreach (var l in incoming.Links)
            if (!existing.Links.Exists(x => x.Url == l.Url)) existing.Links.Add(l);
        if (existing.SubmittedBy is null && incoming.SubmittedBy is not null)
        {
            existing.SubmittedBy = incoming.SubmittedBy;
            existing.SubmittedAt = incoming.SubmittedAt;
        }
        PaperEnrichment.Apply(existing);

        return before != Fingerprint(existing);
    }

    private static DateOnly? Earliest(DateOnly? a, DateOnly? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);

    // Datasets and Headline are not serialised (they follow the abstract), so they are added here.
    private static string Fingerprint(Paper p) =>
        System.Text.Json.JsonSerializer.Serialize(p) + "\n" + string.Join("\u001f", p.Datasets) + "\n" + p.Headline;
}
