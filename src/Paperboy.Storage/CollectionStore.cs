using Microsoft.EntityFrameworkCore;

namespace Paperboy.Storage;

/// <summary>A collection as pages, the API and feeds show it.</summary>
public sealed record CollectionView(long Id, string OwnerId, string Owner, string Name, string Description, bool IsPublic,
    DateTime CreatedAt, DateTime UpdatedAt, int PaperCount);

/// <summary>A paper in a collection and when it was added.</summary>
public sealed record CollectionEntry(string PaperId, DateTime AddedAt);

/// <summary>
/// Members' collections. Every read takes the viewer: a private collection is visible to its owner only, and to everyone
/// else it answers exactly as a collection that does not exist (<see cref="Outcome.NotFound"/>). Only the owner changes one.
/// </summary>
public sealed class CollectionStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    /// <summary>The collection if <paramref name="viewerId"/> (null: anonymous) may see it: it is public or theirs.</summary>
    public async Task<CollectionView?> VisibleAsync(long id, string? viewerId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await Views(db, db.Collections.Where(c => c.Id == id && (c.IsPublic || (viewerId != null && c.OwnerId == viewerId)))).FirstOrDefaultAsync(ct);
    }

    /// <summary>A member's own collections, by name.</summary>
    public async Task<List<CollectionView>> OwnedByAsync(string ownerId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return (await Views(db, db.Collections.Where(c => c.OwnerId == ownerId)).ToListAsync(ct))
            .OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(c => c.Id).ToList();
    }

    /// <summary>The papers of a collection, most recently added first. Call only after <see cref="VisibleAsync"/>.</summary>
    public async Task<List<CollectionEntry>> EntriesAsync(long id, int limit = Collection.MaxPapers, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.CollectionItems.AsNoTracking().Where(i => i.CollectionId == id)
            .OrderByDescending(i => i.AddedAt).ThenBy(i => i.PaperId).Take(limit)
            .Select(i => new CollectionEntry(i.PaperId, CommentStore.Utc(i.AddedAt))).ToListAsync(ct);
    }

    /// <summary>Which of the member's own collections hold this paper.</summary>
    public async Task<HashSet<long>> HoldingAsync(string ownerId, string paperId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return (await (from i in db.CollectionItems
                       join c in db.Collections on i.CollectionId equals c.Id
                       where c.OwnerId == ownerId && i.PaperId == paperId
                       select c.Id).ToListAsync(ct)).ToHashSet();
    }

    public async Task<(Outcome Outcome, CollectionView? Collection)> CreateAsync(string ownerId, string name, string? description, bool isPublic, CancellationToken ct = default)
    {
        Check(name, description);
        await using var db = await factory.CreateDbContextAsync(ct);
        if (await db.Collections.CountAsync(c => c.OwnerId == ownerId, ct) >= Collection.MaxPerOwner) return (Outcome.LimitReached, null);
        var now = clock.GetUtcNow().UtcDateTime;
        var collection = new Collection
        {
            OwnerId = ownerId, Name = name.Trim(), Description = description?.Trim() ?? "", IsPublic = isPublic, CreatedAt = now, UpdatedAt = now,
        };
        db.Collections.Add(collection);
        await db.SaveChangesAsync(ct);
        return (Outcome.Done, await Views(db, db.Collections.Where(c => c.Id == collection.Id)).FirstAsync(ct));
    }

    /// <summary>Renames, redescribes or changes the visibility of a collection (null leaves a field as it is).</summary>
    public async Task<(Outcome Outcome, CollectionView? Collection)> UpdateAsync(long id, string userId, string? name, string? description, bool? isPublic, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var (outcome, collection) = await OwnAsync(db, id, userId, ct);
        if (collection is null) return (outcome, null);
        Check(name ?? collection.Name, description ?? collection.Description);
        if (name is not null) collection.Name = name.Trim();
        if (description is not null) collection.Description = description.Trim();
        if (isPublic is { } p) collection.IsPublic = p;
        collection.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return (Outcome.Done, await Views(db, db.Collections.Where(c => c.Id == id)).FirstAsync(ct));
    }

    public async Task<Outcome> DeleteAsync(long id, string userId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var (outcome, collection) = await OwnAsync(db, id, userId, ct);
        if (collection is null) return outcome;
        await db.CollectionItems.Where(i => i.CollectionId == id).ExecuteDeleteAsync(ct);
        db.Collections.Remove(collection);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Outcome.Done;
    }

    /// <summary>Adds a paper (by id or old alias) to the owner's collection; adding it twice changes nothing.</summary>
    public async Task<Outcome> AddPaperAsync(long id, string userId, string paperId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var (outcome, collection) = await OwnAsync(db, id, userId, ct);
        if (collection is null) return outcome;
        var paper = await CommentStore.ResolveAsync(db, paperId, ct);
        if (paper is null) return Outcome.PaperNotFound;
        if (await db.CollectionItems.AnyAsync(i => i.CollectionId == id && i.PaperId == paper, ct)) return Outcome.Done;
        if (await db.CollectionItems.CountAsync(i => i.CollectionId == id, ct) >= Collection.MaxPapers) return Outcome.LimitReached;
        var now = clock.GetUtcNow().UtcDateTime;
        db.CollectionItems.Add(new CollectionItem { CollectionId = id, PaperId = paper, AddedAt = now });
        collection.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Outcome.Done;
    }

    /// <summary>Removes a paper from the owner's collection; removing one that is not there changes nothing.</summary>
    public async Task<Outcome> RemovePaperAsync(long id, string userId, string paperId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var (outcome, collection) = await OwnAsync(db, id, userId, ct);
        if (collection is null) return outcome;
        var paper = await CommentStore.ResolveAsync(db, paperId, ct) ?? paperId;
        var item = await db.CollectionItems.FirstOrDefaultAsync(i => i.CollectionId == id && i.PaperId == paper, ct);
        if (item is not null)
        {
            db.CollectionItems.Remove(item);
            collection.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        return Outcome.Done;
    }

    /// <summary>The collection for a change by <paramref name="userId"/>: theirs, or why not (someone else's private one is NotFound).</summary>
    private static async Task<(Outcome, Collection?)> OwnAsync(PaperboyDb db, long id, string userId, CancellationToken ct)
    {
        var collection = await db.Collections.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (collection is null) return (Outcome.NotFound, null);
        if (collection.OwnerId != userId) return (collection.IsPublic ? Outcome.Forbidden : Outcome.NotFound, null);
        return (Outcome.Done, collection);
    }

    private static IQueryable<CollectionView> Views(PaperboyDb db, IQueryable<Collection> source) =>
        from c in source.AsNoTracking()
        join u in db.Users on c.OwnerId equals u.Id into owners
        from u in owners.DefaultIfEmpty()
        select new CollectionView(c.Id, c.OwnerId, u == null ? "(gone)" : u.DisplayName, c.Name, c.Description, c.IsPublic,
            CommentStore.Utc(c.CreatedAt), CommentStore.Utc(c.UpdatedAt), db.CollectionItems.Count(i => i.CollectionId == c.Id));

    private static void Check(string? name, string? description)
    {
        if (Collection.Invalid(name, description) is { } problem) throw new ArgumentException(problem);
    }
}
