using Paperboy.Core.Papers;

namespace Paperboy.Api;

/// <summary>A paper as the JSON API shows it (architecture.md, HTTP contract).</summary>
public sealed record PaperJson(
    string Id, string Title, string Abstract, IReadOnlyList<string> Authors, int AuthorCount, DateOnly? PublishedAt,
    int Upvotes, double? Score, string Url, string? ArxivId, string? ArxivUrl, DateOnly? FeedDay, int CommentCount,
    IReadOnlyList<string> Categories, IReadOnlyList<PaperLink> Links, string? Snippet)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ExplainJson? Explain { get; init; }

    public static PaperJson From(Paper p, HttpRequest request, double? score = null, string? snippet = null) => new(
        p.Id, p.Title, p.Abstract, p.Authors, p.EffectiveAuthorCount, p.PublishedAt, p.TotalUpvotes, score,
        $"{request.Scheme}://{request.Host}{request.PathBase}/papers/{Uri.EscapeDataString(p.Id)}",
        p.ArxivId, p.ArxivUrl, p.FeedDay, p.CommentCount + p.MemberComments, p.Categories, p.Links, snippet);
}

/// <summary>Why a result ranks where it does: each signal's rank and score (null when that signal did not find it).</summary>
public sealed record ExplainJson(int? LexicalRank, float? LexicalScore, int? SemanticRank, float? SemanticScore);

public sealed record SearchJson(string Query, int Total, int Limit, int Offset, string Mode, string? Notice, IReadOnlyList<PaperJson> Results);

public sealed record BoardJson(string Kind, string Period, DateOnly From, DateOnly To, int Total, int Limit, int Offset, string Previous, string Next, IReadOnlyList<PaperJson> Papers);
