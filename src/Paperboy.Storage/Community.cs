namespace Paperboy.Storage;

/// <summary>
/// A member's comment on a paper. The Markdown source is kept for editing; <see cref="Html"/> is rendered and sanitised
/// once, when it is written. A deleted comment keeps its row (who deleted it, and when) but loses its text.
/// </summary>
public sealed class Comment
{
    public const int MaxLength = 10_000;

    public long Id { get; set; }
    public string PaperId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Markdown { get; set; } = "";
    public string Html { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? EditedAt { get; set; }
    public bool Deleted { get; set; }
    public DateTime? DeletedAt { get; set; }
    public string? DeletedBy { get; set; }
}

/// <summary>A member's named list of papers, public (a page and an Atom feed) or private (its owner only).</summary>
public sealed class Collection
{
    public const int MaxName = 100;
    public const int MaxDescription = 2_000;
    public const int MaxPerOwner = 200;
    public const int MaxPapers = 2_000;

    public long Id { get; set; }
    public string OwnerId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public bool IsPublic { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Why a name or description is not acceptable, or null when it is.</summary>
    public static string? Invalid(string? name, string? description)
    {
        var n = name?.Trim() ?? "";
        if (n.Length is 0 or > MaxName) return $"A collection's name must have 1 to {MaxName} characters.";
        if ((description?.Length ?? 0) > MaxDescription) return $"A description may have at most {MaxDescription} characters.";
        return null;
    }
}

/// <summary>One paper in one collection; the key makes a paper appear at most once per collection.</summary>
public sealed class CollectionItem
{
    public long CollectionId { get; set; }
    public string PaperId { get; set; } = "";
    public DateTime AddedAt { get; set; }
}

/// <summary>What a mutation of someone's comment or collection came to.</summary>
public enum Outcome
{
    Done,
    /// <summary>No such thing, or a private thing of someone else (which must not be told apart from nothing).</summary>
    NotFound,
    /// <summary>It exists and the caller may see it, but it is not theirs to change.</summary>
    Forbidden,
    /// <summary>The paper named in the request does not exist.</summary>
    PaperNotFound,
    /// <summary>A per-member or per-collection limit is reached.</summary>
    LimitReached,
}
