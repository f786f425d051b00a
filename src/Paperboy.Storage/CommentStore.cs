using Microsoft.EntityFrameworkCore;

namespace Paperboy.Storage;

/// <summary>A comment as pages and the API show it: the author's display name, never their email.</summary>
public sealed record CommentView(long Id, string PaperId, string UserId, string Author, string Markdown, string Html, DateTime CreatedAt, DateTime? EditedAt);

/// <summary>
/// Members' comments on papers. Authors edit and delete their own; admins may delete any. Every change that alters how
/// many comments a paper has recomputes <c>Paper.MemberComments</c> from the comments inside the same transaction (so it
/// stays exact however many write at once) and appends a counts-only row to the change log.
/// The caller renders and sanitises the HTML; the store keeps it next to the Markdown it came from.
/// </summary>
public sealed class CommentStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    /// <summary>A paper's comments, oldest first; null when the paper does not exist.</summary>
    public async Task<(string PaperId, List<CommentView> Comments)?> ListAsync(string paperId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var id = await ResolveAsync(db, paperId, ct);
        if (id is null) return null;
        var comments = (await Visible(db, db.Comments.Where(c => c.PaperId == id)).ToListAsync(ct)).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToList();
        return (id, comments);
    }

    /// <summary>One comment that is not deleted, or null.</summary>
    public async Task<CommentView?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await Visible(db, db.Comments.Where(c => c.Id == id)).FirstOrDefaultAsync(ct);
    }

    /// <summary>Adds a member's comment; null when the paper does not exist.</summary>
    public async Task<CommentView?> AddAsync(string userId, string paperId, string markdown, string html, CancellationToken ct = default)
    {
        Check(markdown);
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ChangeLog.SerialiseAppendsAsync(db, ct);
        var id = await ResolveAsync(db, paperId, ct);
        if (id is null) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        var comment = new Comment { PaperId = id, UserId = userId, Markdown = markdown, Html = html, CreatedAt = now };
        db.Comments.Add(comment);
        await db.SaveChangesAsync(ct);
        await RecountAsync(db, id, now, ct);
        await tx.CommitAsync(ct);
        return await Visible(db, db.Comments.Where(c => c.Id == comment.Id)).FirstAsync(ct);
    }

    /// <summary>Replaces the text of a comment; only its author may.</summary>
    public async Task<(Outcome Outcome, CommentView? Comment)> EditAsync(long commentId, string userId, string markdown, string html, CancellationToken ct = default)
    {
        Check(markdown);
        await using var db = await factory.CreateDbContextAsync(ct);
        var comment = await db.Comments.FirstOrDefaultAsync(c => c.Id == commentId && !c.Deleted, ct);
        if (comment is null) return (Outcome.NotFound, null);
        if (comment.UserId != userId) return (Outcome.Forbidden, null);
        comment.Markdown = markdown;
        comment.Html = html;
        comment.EditedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return (Outcome.Done, await Visible(db, db.Comments.Where(c => c.Id == commentId)).FirstAsync(ct));
    }

    /// <summary>Deletes a comment: its author may, and so may an admin (moderation). The text goes; the row stays.</summary>
    public async Task<Outcome> DeleteAsync(long commentId, string userId, bool admin, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ChangeLog.SerialiseAppendsAsync(db, ct);
        var comment = await db.Comments.FirstOrDefaultAsync(c => c.Id == commentId && !c.Deleted, ct);
        if (comment is null) return Outcome.NotFound;
        if (comment.UserId != userId && !admin) return Outcome.Forbidden;
        var now = clock.GetUtcNow().UtcDateTime;
        comment.Deleted = true;
        comment.DeletedAt = now;
        comment.DeletedBy = userId;
        comment.Markdown = "";
        comment.Html = "";
        await db.SaveChangesAsync(ct);
        await RecountAsync(db, comment.PaperId, now, ct);
        await tx.CommitAsync(ct);
        return Outcome.Done;
    }

    private static async Task RecountAsync(PaperboyDb db, string paperId, DateTime now, CancellationToken ct)
    {
        await db.Papers.Where(p => p.Id == paperId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.MemberComments, p => db.Comments.Count(c => c.PaperId == paperId && !c.Deleted)), ct);
        db.Changes.Add(new Change { PaperId = paperId, CountsOnly = true, At = now });
        await db.SaveChangesAsync(ct);
    }

    private static IQueryable<CommentView> Visible(PaperboyDb db, IQueryable<Comment> source) =>
        from c in source.AsNoTracking()
        where !c.Deleted
        join u in db.Users on c.UserId equals u.Id into authors
        from u in authors.DefaultIfEmpty()
        select new CommentView(c.Id, c.PaperId, c.UserId, u == null ? "(gone)" : u.DisplayName, c.Markdown, c.Html, Utc(c.CreatedAt), c.EditedAt == null ? null : Utc(c.EditedAt.Value));

    /// <summary>SQLite gives back times without their kind; all stored times are UTC.</summary>
    internal static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);

    internal static async Task<string?> ResolveAsync(PaperboyDb db, string paperId, CancellationToken ct) =>
        await db.Papers.Where(p => p.Id == paperId).Select(p => p.Id).FirstOrDefaultAsync(ct)
        ?? await db.Aliases.Where(a => a.Id == paperId).Select(a => a.PaperId).FirstOrDefaultAsync(ct);

    private static void Check(string markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown) || markdown.Length > Comment.MaxLength)
            throw new ArgumentException($"A comment must have 1 to {Comment.MaxLength} characters.", nameof(markdown));
    }
}
