using System.Security.Claims;
using Paperboy.Accounts;
using Paperboy.Search.Recommending;
using Paperboy.Storage;

namespace Paperboy.Api;

/// <summary>
/// A signed-in member's personal recommendations: what they upvoted and collected is what they liked, and the newest
/// papers are ranked for them by the <see cref="IRecommender"/> (the same one the digests use).
/// </summary>
public static class RecommendationEndpoints
{
    /// <summary>How many of the newest papers are ranked for a member.</summary>
    public const int Candidates = 2_000;

    public sealed record BecauseJson(string Id, string Title, string Url);

    public sealed record RecommendedJson(PaperJson Paper, BecauseJson? BecauseOf);

    public sealed record RecommendationsJson(int Liked, int Candidates, IReadOnlyList<RecommendedJson> Results);

    public static void MapRecommendationApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").WithTags("Community")
            .MapGet("/me/recommendations", RecommendAsync).RequireAuthorization(CommunitySetup.MemberPolicy)
            .WithName("MyRecommendations").WithSummary("Recent papers ranked for you from the papers you upvoted and collected");
    }

    private static async Task<IResult> RecommendAsync(ClaimsPrincipal user, HttpRequest req, IRecommender recommender, VoteStore votes,
        PaperStore papers, TimeProvider clock, CancellationToken ct, string? limit = null)
    {
        if (!ApiEndpoints.TryInt(limit, 20, 1, ApiEndpoints.MaxLimit, out var l))
            return ApiEndpoints.Problem("limit", $"limit must be a whole number from 1 to {ApiEndpoints.MaxLimit}.");
        var userId = CommunityEndpoints.UserId(user);
        var liked = (await votes.LikedByAsync([userId], ct)).GetValueOrDefault(userId) ?? [];

        var tomorrow = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(1);
        var recent = await papers.RecentBeforeAsync(tomorrow, Candidates, ct);
        var recommended = liked.Count == 0 ? [] : recommender.Recommend(liked, recent.Select(p => p.Id).ToList(), l);

        var byId = recent.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var because = (await papers.GetManyAsync(recommended.Select(r => r.BecauseOfPaperId).OfType<string>().Distinct().ToList(), ct))
            .ToDictionary(p => p.Id, StringComparer.Ordinal);
        var results = new List<RecommendedJson>(recommended.Count);
        foreach (var r in recommended)
        {
            if (!byId.TryGetValue(r.PaperId, out var paper)) continue;
            var reason = r.BecauseOfPaperId is { } b && because.TryGetValue(b, out var p)
                ? new BecauseJson(p.Id, p.Title, $"{req.Scheme}://{req.Host}{req.PathBase}/papers/{Uri.EscapeDataString(p.Id)}")
                : null;
            results.Add(new RecommendedJson(PaperJson.From(paper, req, r.Score), reason));
        }
        return TypedResults.Ok(new RecommendationsJson(liked.Count, recent.Count, results));
    }
}
