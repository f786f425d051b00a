using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Identity;
using Paperboy.Accounts;
using Paperboy.Harvesting;
using Paperboy.Storage;

namespace Paperboy.Api;

/// <summary>Votes and trending: the JSON API, and the vote form that works without JavaScript.</summary>
public static class CommunityEndpoints
{
    public static void MapCommunityApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Community");
        api.MapPost("/papers/{id}/upvote", (string id, ClaimsPrincipal user, VoteStore votes, CancellationToken ct) => VoteAsync(id, true, user, votes, ct))
            .RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Vote).RequireAntiforgeryForCookies()
            .WithName("Upvote").WithSummary("Upvote a paper (once per member)");
        api.MapDelete("/papers/{id}/upvote", (string id, ClaimsPrincipal user, VoteStore votes, CancellationToken ct) => VoteAsync(id, false, user, votes, ct))
            .RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Vote).RequireAntiforgeryForCookies()
            .WithName("WithdrawUpvote");
        api.MapPost("/papers", SubmitAsync).WithName("SubmitPaper").WithSummary("Submit a paper by arXiv id or URL")
            .RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Submit).RequireAntiforgeryForCookies();
        api.MapGet("/trending", TrendingAsync).WithName("Trending")
            .WithSummary("Papers by upvotes / (age in hours + 2)^1.5");

        // The card and paper-page button: a plain form post that toggles the vote (JavaScript sends it without a reload).
        app.MapPost("/papers/{id}/vote", ToggleAsync)
            .RequireAuthorization().RequireRateLimiting(CommunitySetup.Limits.Vote);   // cookie: a visitor goes to sign-in
        // Where sign-in sends a visitor back after an anonymous vote: the paper (the vote itself needs the button again).
        app.MapGet("/papers/{id}/vote", (string id) => TypedResults.LocalRedirect($"/papers/{Uri.EscapeDataString(id)}"));
    }

    private static async Task<IResult> VoteAsync(string id, bool voted, ClaimsPrincipal user, VoteStore votes, CancellationToken ct)
    {
        if (id.Length > 64) return NotFound(id);
        var result = await votes.SetAsync(UserId(user), id, voted, ct);
        return result is null ? NotFound(id) : TypedResults.Ok(new { id = result.PaperId, upvotes = result.Upvotes, voted = result.Voted });
    }

    private static async Task<IResult> ToggleAsync(string id, [FromForm] string? returnUrl, HttpContext http, VoteStore votes, CancellationToken ct)
    {
        if (id.Length > 64) return NotFound(id);
        var userId = UserId(http.User);
        var current = await votes.VotedAsync(userId, [id], ct);
        var result = await votes.SetAsync(userId, id, !current.Contains(id), ct);
        if (result is null) return NotFound(id);
        if (http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
            return TypedResults.Ok(new { id = result.PaperId, upvotes = result.Upvotes, voted = result.Voted });
        return TypedResults.LocalRedirect(Hosting.LocalUrl.Or(returnUrl, $"/papers/{Uri.EscapeDataString(result.PaperId)}"));
    }

    public sealed record SubmitRequest(string? Arxiv);

    private static async Task<IResult> SubmitAsync(SubmitRequest? body, HttpRequest req, PaperSubmission submission, UserManager<PaperboyUser> users, ClaimsPrincipal user, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.Arxiv)) return ApiEndpoints.Problem("arxiv", "Give an arXiv id or URL, e.g. {\"arxiv\": \"2310.02861\"}.");
        var member = await users.GetUserAsync(user);
        if (member is null) return TypedResults.Unauthorized();
        try
        {
            var result = await submission.SubmitAsync(body.Arxiv, member.DisplayName, ct);
            var paper = await req.HttpContext.RequestServices.GetRequiredService<PaperStore>().FindAsync(result.PaperId, ct);
            return TypedResults.Json(PaperJson.From(paper!, req), statusCode: result.IsNew ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }
        catch (ArxivException e)
        {
            var status = e.Kind switch
            {
                ArxivErrorKind.BadId => StatusCodes.Status400BadRequest,
                ArxivErrorKind.NotFound => StatusCodes.Status404NotFound,
                ArxivErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status502BadGateway,
            };
            return TypedResults.Problem(title: "Could not submit that paper", detail: e.Message, statusCode: status);
        }
    }

    private static async Task<IResult> TrendingAsync(PaperStore store, HttpRequest req, CancellationToken ct, string? limit = null)
    {
        if (!ApiEndpoints.TryInt(limit, 20, 1, ApiEndpoints.MaxLimit, out var l))
            return ApiEndpoints.Problem("limit", $"limit must be a whole number from 1 to {ApiEndpoints.MaxLimit}.");
        var trending = await store.TrendingAsync(l, ct);
        return TypedResults.Ok(new
        {
            formula = "upvotes / (age_hours + 2)^1.5",
            results = trending.Select(t => PaperJson.From(t.Paper, req, t.Score)).ToList(),
        });
    }

    internal static string UserId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("an authorised request without a user id");

    private static IResult NotFound(string id) =>
        TypedResults.Problem(title: "Paper not found", detail: $"No paper has the id '{(id.Length > 64 ? id[..64] + "…" : id)}'.", statusCode: 404);
}
