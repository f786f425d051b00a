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

    /// <summary>The papers a member upvoted, newest vote first.</summary>
    public async Task<List<string>> PapersVotedByAsync(string userId, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Votes.Where(v => v.UserId == userId).OrderByDescending(v => v.At).Select(v => v.PaperId).Take(limit).ToListAsync(ct);
    }
}
