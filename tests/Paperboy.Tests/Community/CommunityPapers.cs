using Microsoft.EntityFrameworkCore;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>Distinct demo papers for tests that must not share one (counts, cards), picked straight from the store.</summary>
internal static class CommunityPapers
{
    /// <summary>The <paramref name="n"/>-th demo paper by id: a different n gives a different paper.</summary>
    public static async Task<Paper> NthAsync(TestHost host, int n)
    {
        await using var db = await host.Get<IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        return await db.Papers.AsNoTracking().OrderBy(p => p.Id).Skip(n).FirstAsync();
    }

    public static async Task<Paper> ReloadAsync(TestHost host, string id)
    {
        await using var db = await host.Get<IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        return await db.Papers.AsNoTracking().FirstAsync(p => p.Id == id);
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}@example.org";
}
