namespace Paperboy.Core.Papers;

/// <summary>
/// Folds a newly met copy of a paper into the one we have, keeping the richest of each field and the highest
/// upvote count; a newer arXiv version replaces the title, abstract and authors. Returns whether anything changed, so re-importing the same data is a no-op.
/// </summary>
public static class PaperMerge
{
    public static bool Into(Paper existing, Paper incoming)
    {
        var before = Fingerprint(existing);

        if (existing.ArxivId is null && incoming.ArxivId is not null) existing.ArxivId = incoming.ArxivId;
        var sameArxivPaper = existing.ArxivId is not null && incoming.ArxivId == existing.ArxivId;
        // An older version met again (an old snapshot) brings nothing of its text, however long.
        var older = sameArxivPaper && incoming.Version < existing.Version;
        if (sameArxivPaper && existing.Version is { } have && incoming.Version > have)
        {
            // A newer arXiv version (met again in a snapshot or a harvest) brings its revised text, even when shorter.
            if (!string.IsNullOrWhiteSpace(incoming.Title)) existing.Title = incoming.Title;
            if (incoming.Abstract.Length > 0) existing.Abstract = incoming.Abstract;
            if (incoming.Authors.Count > 0) existing.Authors = [.. incoming.Authors];
        }
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

        return before != Fingerprint(existing);
    }

    private static DateOnly? Earliest(DateOnly? a, DateOnly? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);

    private static string Fingerprint(Paper p) => System.Text.Json.JsonSerializer.Serialize(p);
}
