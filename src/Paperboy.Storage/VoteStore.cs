using Microsoft.EntityFrameworkCore;

namespace Paperboy.Storage;

public sealed record VoteResult(string PaperId, int Upvotes, bool Voted);

/// <summary>
/// Members' upvotes: at most one per member and paper (the table's key), and a paper's member count always recomputed
/// from the votes inside the same transaction, so it stays exact however many vote at once.
/// </summary>
public sealed class VoteStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    /// <summary>Sets (or withdraws) a member's vote; null when the paper does not exist.</summary>
    public async Task<VoteResult?> SetAsync(string userId, string paperId, bool voted, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await ChangeLog.SerialiseAppendsAsync(db, ct);
        var id = await db.Papers.Where(p => p.Id == paperId).Select(p => p.Id).FirstOrDefaultAsync(ct)
                 ?? await db.Aliases.Where(a => a.Id == paperId).Select(a => a.PaperId).FirstOrDefaultAsync(ct);
        if (id is null) return null;
        var existing = await db.Votes.FindAsync([userId, id], ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (voted && existing is null) db.Votes.Add(new Vote { UserId = userId, PaperId = id, At = now });
        else if (!voted && existing is not null) db.Votes.Remove(existing);
        else
        {
            var unchanged = await db.Papers.Where(p => p.Id == id).Select(p => p.Upvotes + p.MemberVotes).FirstAsync(ct);
            return new VoteResult(id, unchanged, voted);
        }
        await db.SaveChangesAsync(ct);
        await db.Papers.Where(p => p.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.MemberVotes, p => db.Votes.Count(v => v.PaperId == id)), ct);
        db.Changes.Add(new Change { PaperId = id, CountsOnly = true, At = now });
        await db.SaveChangesAsync(ct);
        var total = await db.Papers.Where(p => p.Id == id).Select(p => p.Upvotes + p.MemberVotes).FirstAsync(ct);
        await tx.CommitAsync(ct);
        return new VoteResult(id, total, voted);
    }

    /// <summary>Which of these papers the member has upvoted (for drawing the buttons).</summary>
    public async Task<HashSet<string>> VotedAsync(string userId, IReadOnlyCollection<string> paperIds, CancellationToken ct = default)
    {
        if (paperIds.Count == 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        var ids = paperIds.ToList();
        return (await db.Votes.Where(v => v.UserId == userId && ids.Contains(v.PaperId)).Select(v => v.PaperId).ToListAsync(ct)).ToHashSet();
    }

    /// <summary>
    /// What each of these members liked, for recommendations: the papers they upvoted plus the papers in their
    /// collections (public or private), each once. Members who liked nothing are absent.
    /// </summary>
    public async Task<Dictionary<string, HashSet<string>>> LikedByAsync(IReadOnlyCollection<string> userIds, CancellationToken ct = default)
    {
        var liked = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (userIds.Count == 0) return liked;
        await using var db = await factory.CreateDbContextAsync(ct);
        foreach (var chunk in userIds.Distinct().Chunk(500))
        {
            var votes = await db.Votes.Where(v => chunk.Contains(v.UserId)).Select(v => new { v.UserId, v.PaperId }).ToListAsync(ct);
            var collected = await (from i in db.CollectionItems
                                   join c in db.Collections on i.CollectionId equals c.Id
                                   where chunk.Contains(c.OwnerId)
                                   select new { UserId = c.OwnerId, i.PaperId }).ToListAsync(ct);
            foreach (var x in votes.Concat(collected))
            {
                if (!liked.TryGetValue(x.UserId, out var set)) liked[x.UserId] = set = new HashSet<string>(StringComparer.Ordinal);
                set.Add(x.PaperId);
            }
        }
        return liked;
    }
}
