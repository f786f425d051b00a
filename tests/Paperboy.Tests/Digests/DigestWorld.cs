using Microsoft.EntityFrameworkCore;
using Paperboy.Core.Papers;
using Paperboy.Digests;
using Paperboy.Indexing;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Digests;

/// <summary>Papers and subscribers for the digest tests, put in through the real stores.</summary>
public static class DigestWorld
{
    /// <summary>The day the tests' daily digest covers, and the run time the morning after.</summary>
    public static readonly DateOnly Day = new(2026, 11, 23);
    public static readonly DateTimeOffset Morning = new(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
    public static DigestPeriod Daily => DigestPeriod.Containing(SubscriptionFrequency.Daily, Day);

    public static Paper Paper(string id, string title, DateOnly day, int upvotes, string? @abstract = null) => new()
    {
        Id = id, ArxivId = id, Version = 1, Title = title,
        Abstract = @abstract ?? $"We study {title.ToLowerInvariant()} and report what we found.",
        Authors = ["Ada Lovelace", "Grace Hopper"], AuthorCount = 2, PublishedAt = day, FeedDay = day, Upvotes = upvotes,
    };

    /// <summary>Stores the papers and waits until the search index has them.</summary>
    public static async Task AddPapersAsync(TestHost host, params Paper[] papers)
    {
        await host.Get<PaperStore>().ImportAsync(papers);
        await host.Get<Indexer>().CatchUpAsync();
    }

    public static string Email(string who) => $"{who}-{Guid.NewGuid():N}@example.org";

    /// <summary>A subscription as the pages make it: requested, then (unless told otherwise) confirmed.</summary>
    public static async Task<Subscription> SubscribeAsync(TestHost host, string email, bool confirmed = true,
        SubscriptionFrequency frequency = SubscriptionFrequency.Daily, bool trending = true, string? query = null, string? userId = null)
    {
        var store = host.Get<SubscriptionStore>();
        var (s, _) = await store.RequestAsync(email, frequency, trending, query, userId);
        if (confirmed) await store.ConfirmAsync(s.Id);
        return (await store.FindAsync(s.Id))!;
    }

    public static async Task SuspendAsync(TestHost host, long subscriptionId)
    {
        await using var db = await host.Get<IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        await db.Subscriptions.Where(s => s.Id == subscriptionId).ExecuteUpdateAsync(u => u.SetProperty(s => s.SuspendedAt, DateTime.UtcNow));
    }

    public static async Task<List<OutboxDigest>> OutboxAsync(TestHost host, string? periodKey = null)
    {
        await using var db = await host.Get<IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        return await db.DigestOutbox.AsNoTracking().Where(d => periodKey == null || d.PeriodKey == periodKey).OrderBy(d => d.Id).ToListAsync();
    }
}
