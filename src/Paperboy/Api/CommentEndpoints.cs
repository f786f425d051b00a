using System.Security.Claims;
using Paperboy.Accounts;
using Paperboy.Comments;
using Paperboy.Storage;

namespace Paperboy.Api;

/// <summary>
/// Comments: anyone reads them; members write (rate-limited), authors edit and delete their own, admins delete any.
/// Cookie-authenticated writes must carry the antiforgery token; API-token calls need none.
/// </summary>
public static class CommentEndpoints
{
    public sealed record CommentInput(string? Markdown);

    public sealed record CommentJson(long Id, string PaperId, string Author, string Markdown, string Html, DateTime CreatedAt, DateTime? EditedAt, bool Edited);

    public static void MapCommentApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Comments");
        api.MapGet("/papers/{id}/comments", ListAsync).WithName("ListComments").WithSummary("A paper's comments, oldest first");
        api.MapPost("/papers/{id}/comments", AddAsync)
            .RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Comment).RequireAntiforgeryForCookies()
            .WithName("AddComment").WithSummary("Comment on a paper (Markdown, at most 10,000 characters)");
        api.MapPut("/comments/{id:long}", EditAsync)
            .RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Comment).RequireAntiforgeryForCookies()
            .WithName("EditComment").WithSummary("Edit your own comment");
        api.MapDelete("/comments/{id:long}", DeleteAsync)
            .RequireAuthorization(CommunitySetup.MemberPolicy).RequireAntiforgeryForCookies()
            .WithName("DeleteComment").WithSummary("Delete your own comment (admins: any comment)");
    }

    /// <summary>Why this Markdown cannot be a comment, or null.</summary>
    public static string? Invalid(string? markdown) =>
        string.IsNullOrWhiteSpace(markdown) ? "A comment needs some text."
        : markdown.Length > Comment.MaxLength ? $"A comment may have at most {Comment.MaxLength:N0} characters; this one has {markdown.Length:N0}."
        : null;

    private static async Task<IResult> ListAsync(string id, CommentStore comments, CancellationToken ct)
    {
        if (id.Length > 64) return PaperNotFound(id);
        var list = await comments.ListAsync(id, ct);
        if (list is not { } found) return PaperNotFound(id);
        return TypedResults.Ok(new { paperId = found.PaperId, count = found.Comments.Count, comments = found.Comments.Select(Json).ToList() });
    }

    private static async Task<IResult> AddAsync(string id, CommentInput? input, ClaimsPrincipal user, CommentStore comments, CancellationToken ct)
    {
        if (id.Length > 64) return PaperNotFound(id);
        if (Invalid(input?.Markdown) is { } problem) return ApiEndpoints.Problem("markdown", problem);
        var comment = await comments.AddAsync(CommunityEndpoints.UserId(user), id, input!.Markdown!, CommentMarkdown.ToHtml(input.Markdown!), ct);
        return comment is null ? PaperNotFound(id) : TypedResults.Created($"/api/comments/{comment.Id}", Json(comment));
    }

    private static async Task<IResult> EditAsync(long id, CommentInput? input, ClaimsPrincipal user, CommentStore comments, CancellationToken ct)
    {
        if (Invalid(input?.Markdown) is { } problem) return ApiEndpoints.Problem("markdown", problem);
        var (outcome, comment) = await comments.EditAsync(id, CommunityEndpoints.UserId(user), input!.Markdown!, CommentMarkdown.ToHtml(input.Markdown!), ct);
        return outcome == Outcome.Done ? TypedResults.Ok(Json(comment!)) : Refused(outcome, id);
    }

    private static async Task<IResult> DeleteAsync(long id, ClaimsPrincipal user, CommentStore comments, CancellationToken ct)
    {
        var outcome = await comments.DeleteAsync(id, CommunityEndpoints.UserId(user), user.IsInRole(CommunitySetup.AdminRole), ct);
        return outcome == Outcome.Done ? TypedResults.NoContent() : Refused(outcome, id);
    }

    public static CommentJson Json(CommentView c) => new(c.Id, c.PaperId, c.Author, c.Markdown, c.Html, c.CreatedAt, c.EditedAt, c.EditedAt is not null);

    private static IResult Refused(Outcome outcome, long id) => outcome == Outcome.Forbidden
        ? TypedResults.Problem(title: "Not your comment", detail: "Only its author can change this comment (and an admin delete it).", statusCode: 403)
        : TypedResults.Problem(title: "Comment not found", detail: $"There is no comment {id}.", statusCode: 404);

    private static IResult PaperNotFound(string id) =>
        TypedResults.Problem(title: "Paper not found", detail: $"No paper has the id '{(id.Length > 64 ? id[..64] + "…" : id)}'.", statusCode: 404);
}
