using Paperboy.Core.Papers;

namespace Paperboy.Core.Import;

/// <summary>The limits every imported paper must meet, whatever its format.</summary>
public static class PaperValidation
{
    public const int MaxTitleLength = 1_000;
    public const int MaxAbstractLength = 50_000;
    public const int MaxAuthors = 10_000;

    /// <summary>Returns why the paper is unacceptable, or null when it is fine.</summary>
    public static string? Problem(Paper p)
    {
        if (string.IsNullOrWhiteSpace(p.Title)) return "missing title";
        if (p.Title.Length > MaxTitleLength) return $"title is {p.Title.Length} characters long (at most {MaxTitleLength})";
        if (p.Abstract.Length > MaxAbstractLength) return $"abstract is {p.Abstract.Length} characters long (at most {MaxAbstractLength})";
        if (p.Upvotes < 0) return $"negative upvote count {p.Upvotes}";
        if (p.CommentCount < 0) return $"negative comment count {p.CommentCount}";
        if (p.AuthorCount < 0) return $"negative author count {p.AuthorCount}";
        if (p.Authors.Count > MaxAuthors) return $"{p.Authors.Count} authors (at most {MaxAuthors})";
        if (p.Authors.Contains(null!)) return "null entry in authors";
        if (p.Categories.Contains(null!)) return "null entry in categories";
        if (p.Links.Contains(null!)) return "null entry in links";
        if (p.Version is < 1) return $"invalid version {p.Version}";
        foreach (var d in new[] { p.PublishedAt, p.FeedDay })
            if (d is { Year: < 1900 or > 2200 }) return $"implausible date {d:yyyy-MM-dd}";
        if (HasControl(p.Title) || HasControl(p.Abstract)) return "control characters in title or abstract";
        return null;
    }

    public static void Check(Paper p, ImportSource source, int line) => Check(p, source.Name, line);

    public static void Check(Paper p, string inputName, int line)
    {
        var problem = Problem(p);
        if (problem is not null) throw new ImportException(inputName, line, problem);
    }

    private static bool HasControl(string s)
    {
        foreach (var c in s) if (char.IsControl(c) && c is not ('\t' or '\n' or '\r')) return true;
        return false;
    }
}
