using System.Text.Json.Serialization;

namespace Paperboy.Core.Papers;

/// <summary>A research paper as Paperboy knows it: the one record every import, index and page works from.</summary>
public sealed class Paper
{
    /// <summary>Normalised arXiv id (<c>2310.01234</c>, <c>math/0601001</c>) or a title-derived id (<c>t-…</c>).</summary>
    public string Id { get; set; } = "";
    public string? ArxivId { get; set; }
    public int? Version { get; set; }
    public string Title { get; set; } = "";
    public string Abstract { get; set; } = "";
    public List<string> Authors { get; set; } = [];
    /// <summary>Known author count; seed pages give only the count, not the names.</summary>
    public int? AuthorCount { get; set; }
    public DateOnly? PublishedAt { get; set; }
    /// <summary>The day the paper appeared on a daily feed (Hugging Face Daily Papers); boards use it before <see cref="PublishedAt"/>.</summary>
    public DateOnly? FeedDay { get; set; }
    /// <summary>Upvotes the paper brought from its source (Hugging Face); merges keep the highest.</summary>
    public int Upvotes { get; set; }
    /// <summary>Upvotes from this instance's members, kept exact by the store from the votes themselves.</summary>
    [JsonIgnore]
    public int MemberVotes { get; set; }
    public int CommentCount { get; set; }
    /// <summary>Comments written by this instance's members (not deleted), kept exact by the store from the comments themselves.</summary>
    [JsonIgnore]
    public int MemberComments { get; set; }
    public string? PrimaryCategory { get; set; }
    public List<string> Categories { get; set; } = [];
    public List<PaperLink> Links { get; set; } = [];
    public string? SubmittedBy { get; set; }
    public DateTimeOffset? SubmittedAt { get; set; }

    // Harvesting and enrichment (issue 6). Datasets and Headline are derived from the abstract on every import
    // (PaperEnrichment), so the interchange format leaves them out; UpdatedAt is what arXiv says about versions.
    /// <summary>The day of the latest version arXiv reported (OAI-PMH <c>updated</c>, arXivRaw's last version).</summary>
    public DateOnly? UpdatedAt { get; set; }
    /// <summary>Well-known datasets and benchmarks the abstract names.</summary>
    [JsonIgnore]
    public List<string> Datasets { get; set; } = [];
    /// <summary>The abstract's sentence that carries the main quantitative result, or null when it has none.</summary>
    [JsonIgnore]
    public string? Headline { get; set; }

    /// <summary>The day that places the paper on the daily, weekly and monthly boards.</summary>
    [JsonIgnore]
    public DateOnly? BoardDay => FeedDay ?? PublishedAt;

    /// <summary>What boards, trending and cards count: source upvotes plus members' votes.</summary>
    [JsonIgnore]
    public int TotalUpvotes => Upvotes + MemberVotes;

    [JsonIgnore]
    public int EffectiveAuthorCount => Math.Max(Authors.Count, AuthorCount ?? 0);

    [JsonIgnore]
    public string? ArxivUrl => ArxivId is null ? null : $"https://arxiv.org/abs/{ArxivId}";

    public Paper Clone() => new()
    {
        Id = Id, ArxivId = ArxivId, Version = Version, Title = Title, Abstract = Abstract,
        Authors = [.. Authors], AuthorCount = AuthorCount, PublishedAt = PublishedAt, FeedDay = FeedDay,
        Upvotes = Upvotes, CommentCount = CommentCount, PrimaryCategory = PrimaryCategory,
        Categories = [.. Categories], Links = [.. Links], SubmittedBy = SubmittedBy, SubmittedAt = SubmittedAt, MemberVotes = MemberVotes,
        MemberComments = MemberComments,
        UpdatedAt = UpdatedAt, Datasets = [.. Datasets], Headline = Headline,
    };
}

/// <summary>A structured link found in or given with a paper: code, project page, PDF.</summary>
public sealed record PaperLink(string Kind, string Url)
{
    public const string Code = "code";
    public const string Project = "project";
    public const string Pdf = "pdf";
    public const string Doi = "doi";
}
