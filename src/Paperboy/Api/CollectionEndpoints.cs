using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Paperboy.Accounts;
using Paperboy.Core.Papers;
using Paperboy.Feeds;
using Paperboy.Storage;

namespace Paperboy.Api;

/// <summary>
/// Collections through the JSON API, and the Atom feed of a public one. A private collection of someone else is answered
/// exactly like one that does not exist (404) everywhere: reads, writes and the feed. Only the owner changes a collection.
/// </summary>
public static class CollectionEndpoints
{
    public sealed record CollectionInput(string? Name, string? Description, bool? IsPublic);

    public sealed record CollectionJson(long Id, string Name, string Description, bool IsPublic, string Owner, bool Mine,
        DateTime CreatedAt, DateTime UpdatedAt, int PaperCount, string Url, string? FeedUrl);

    public sealed record CollectionPaperJson(DateTime AddedAt, PaperJson Paper);

    /// <summary>Lets anyone in, but knows the member behind a cookie or an API token (the owner of a private collection).</summary>
    private static readonly AuthorizationPolicy AnyoneKnown = new AuthorizationPolicyBuilder(IdentityConstants.ApplicationScheme, ApiTokenAuthentication.Scheme)
        .RequireAssertion(_ => true).Build();

    public static void MapCollectionApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Collections");
        api.MapGet("/collections/{id:long}", GetAsync).RequireAuthorization(AnyoneKnown)
            .WithName("GetCollection").WithSummary("A public collection, or your own private one, with its papers");
        api.MapGet("/me/collections", MineAsync).RequireAuthorization(CommunitySetup.MemberPolicy)
            .WithName("MyCollections").WithSummary("Your collections, public and private");
        api.MapPost("/collections", CreateAsync).RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Collection).RequireAntiforgeryForCookies()
            .WithName("CreateCollection");
        api.MapPatch("/collections/{id:long}", UpdateAsync).RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Collection).RequireAntiforgeryForCookies()
            .WithName("UpdateCollection").WithSummary("Rename, redescribe, or make public or private");
        api.MapDelete("/collections/{id:long}", DeleteAsync).RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Collection).RequireAntiforgeryForCookies()
            .WithName("DeleteCollection");
        api.MapPut("/collections/{id:long}/papers/{paperId}", AddPaperAsync).RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Collection).RequireAntiforgeryForCookies()
            .WithName("AddPaperToCollection");
        api.MapDelete("/collections/{id:long}/papers/{paperId}", RemovePaperAsync).RequireAuthorization(CommunitySetup.MemberPolicy).RequireRateLimiting(CommunitySetup.Limits.Collection).RequireAntiforgeryForCookies()
            .WithName("RemovePaperFromCollection");

        app.MapGet("/collections/{id:long}/feed.atom", FeedAsync).WithTags("Feeds").WithName("CollectionFeed");
    }

    private static async Task<IResult> GetAsync(long id, HttpContext http, CollectionStore collections, PaperStore papers, CancellationToken ct)
    {
        var viewer = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        var c = await collections.VisibleAsync(id, viewer, ct);
        if (c is null) return NotFound(id);
        var entries = await collections.EntriesAsync(id, ct: ct);
        var found = (await papers.GetManyAsync(entries.Select(e => e.PaperId).ToList(), ct)).ToDictionary(p => p.Id);
        return TypedResults.Ok(new
        {
            collection = Json(c, viewer, http.Request),
            papers = entries.Where(e => found.ContainsKey(e.PaperId)).Select(e => new CollectionPaperJson(e.AddedAt, PaperJson.From(found[e.PaperId], http.Request))).ToList(),
        });
    }

    private static async Task<IResult> MineAsync(HttpContext http, CollectionStore collections, CancellationToken ct)
    {
        var me = CommunityEndpoints.UserId(http.User);
        var list = await collections.OwnedByAsync(me, ct);
        return TypedResults.Ok(new { collections = list.Select(c => Json(c, me, http.Request)).ToList() });
    }

    private static async Task<IResult> CreateAsync(CollectionInput? input, HttpContext http, CollectionStore collections, CancellationToken ct)
    {
        if (input is null) return ApiEndpoints.Problem("body", "Send {\"name\": …, \"description\": …, \"isPublic\": true|false}.");
        if (Collection.Invalid(input.Name, input.Description) is { } problem) return ApiEndpoints.Problem("name", problem);
        var me = CommunityEndpoints.UserId(http.User);
        var (outcome, c) = await collections.CreateAsync(me, input.Name!, input.Description, input.IsPublic ?? false, ct);
        if (outcome == Outcome.LimitReached)
            return TypedResults.Problem(title: "Too many collections", detail: $"A member may have at most {Collection.MaxPerOwner} collections.", statusCode: 409);
        return TypedResults.Created($"/api/collections/{c!.Id}", Json(c, me, http.Request));
    }

    private static async Task<IResult> UpdateAsync(long id, CollectionInput? input, HttpContext http, CollectionStore collections, CancellationToken ct)
    {
        if (input is null) return ApiEndpoints.Problem("body", "Send any of {\"name\", \"description\", \"isPublic\"}.");
        if (input.Name is not null && Collection.Invalid(input.Name, input.Description) is { } problem) return ApiEndpoints.Problem("name", problem);
        if (input.Description is not null && Collection.Invalid("x", input.Description) is { } tooLong) return ApiEndpoints.Problem("description", tooLong);
        var me = CommunityEndpoints.UserId(http.User);
        var (outcome, c) = await collections.UpdateAsync(id, me, input.Name, input.Description, input.IsPublic, ct);
        return outcome == Outcome.Done ? TypedResults.Ok(Json(c!, me, http.Request)) : Refused(outcome, id);
    }

    private static async Task<IResult> DeleteAsync(long id, ClaimsPrincipal user, CollectionStore collections, CancellationToken ct)
    {
        var outcome = await collections.DeleteAsync(id, CommunityEndpoints.UserId(user), ct);
        return outcome == Outcome.Done ? TypedResults.NoContent() : Refused(outcome, id);
    }

    private static async Task<IResult> AddPaperAsync(long id, string paperId, ClaimsPrincipal user, CollectionStore collections, CancellationToken ct)
    {
        if (paperId.Length > 64) return Refused(Outcome.PaperNotFound, id);
        var outcome = await collections.AddPaperAsync(id, CommunityEndpoints.UserId(user), paperId, ct);
        return outcome == Outcome.Done ? TypedResults.NoContent() : Refused(outcome, id);
    }

    private static async Task<IResult> RemovePaperAsync(long id, string paperId, ClaimsPrincipal user, CollectionStore collections, CancellationToken ct)
    {
        if (paperId.Length > 64) return Refused(Outcome.PaperNotFound, id);
        var outcome = await collections.RemovePaperAsync(id, CommunityEndpoints.UserId(user), paperId, ct);
        return outcome == Outcome.Done ? TypedResults.NoContent() : Refused(outcome, id);
    }

    /// <summary>The Atom feed of a public collection; a private one has none (404), whoever asks.</summary>
    private static async Task<IResult> FeedAsync(long id, HttpRequest req, CollectionStore collections, PaperStore papers, TimeProvider clock, CancellationToken ct)
    {
        var c = await collections.VisibleAsync(id, viewerId: null, ct);
        if (c is null) return TypedResults.NotFound();
        var entries = await collections.EntriesAsync(id, 100, ct);
        var found = (await papers.GetManyAsync(entries.Select(e => e.PaperId).ToList(), ct)).ToDictionary(p => p.Id);
        var site = FeedEndpoints.Site(req);
        var page = $"{site}/collections/{c.Id}";
        // Entries are dated by when they were added; an empty collection's feed is as new as the collection.
        var items = entries.Where(e => found.ContainsKey(e.PaperId)).Select(e => (found[e.PaperId], (DateTimeOffset)e.AddedAt)).ToList();
        return FeedEndpoints.Feed(site, page, c.Name, c.Description, $"{page}/feed.atom", items, clock, c.Owner,
            updated: items.Select(i => i.Item2).Append(c.UpdatedAt).Max());
    }

    public static CollectionJson Json(CollectionView c, string? viewer, HttpRequest req)
    {
        var url = $"{req.Scheme}://{req.Host}{req.PathBase}/collections/{c.Id}";
        return new(c.Id, c.Name, c.Description, c.IsPublic, c.Owner, c.OwnerId == viewer, c.CreatedAt, c.UpdatedAt, c.PaperCount, url,
            c.IsPublic ? url + "/feed.atom" : null);
    }

    private static IResult Refused(Outcome outcome, long id) => outcome switch
    {
        Outcome.Forbidden => TypedResults.Problem(title: "Not your collection", detail: "Only its owner can change this collection.", statusCode: 403),
        Outcome.PaperNotFound => TypedResults.Problem(title: "Paper not found", detail: "No paper has that id.", statusCode: 404),
        Outcome.LimitReached => TypedResults.Problem(title: "Collection full", detail: $"A collection may hold at most {Collection.MaxPapers} papers.", statusCode: 409),
        _ => NotFound(id),
    };

    private static IResult NotFound(long id) =>
        TypedResults.Problem(title: "Collection not found", detail: $"There is no collection {id} that you can see.", statusCode: 404);
}
