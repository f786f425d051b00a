using Paperboy.Digests;
using Paperboy.Storage;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Digests.DigestWorld;

namespace Paperboy.Tests.Digests;

/// <summary>What goes into whose digest: reasons, sections, each paper once, who gets nothing, and composing twice.</summary>
public sealed class DigestCompositionTests
{
    private static readonly Core.Papers.Paper Both = Paper("2611.00001", "Diffusion samplers for protein design", Day, 50);
    private static readonly Core.Papers.Paper TrendingOnly = Paper("2611.00002", "Graph anomaly detection with spectral filters", Day, 30);
    private static readonly Core.Papers.Paper MatchOnly = Paper("2611.00003", "A diffusion sampler without noise schedules", Day, 0);
    private static readonly Core.Papers.Paper DayBefore = Paper("2611.00004", "Diffusion sampler of the day before", Day.AddDays(-1), 100);
    private static readonly Core.Papers.Paper Quiet = Paper("2611.00005", "Untouched theory of nothing", Day, 0);

    private static async Task<TestHost> WorldAsync()
    {
        var host = await TestHost.StartAsync(false);
        await AddPapersAsync(host, Both, TrendingOnly, MatchOnly, DayBefore, Quiet);
        return host;
    }

    private static async Task<Digest> ComposeOneAsync(TestHost host, Subscription s) =>
        Assert.Single(await host.Get<DigestComposer>().ComposeAsync(Daily, [s]));

    [Fact]
    public async Task Each_paper_appears_once_under_the_first_reason_that_brought_it()
    {
        await using var host = await WorldAsync();
        var alice = await SubscribeAsync(host, Email("alice"), query: "diffusion sampler");

        var digest = await ComposeOneAsync(host, alice);

        Assert.Equal(digest.Items.Select(i => i.Paper.Id).Distinct().Count(), digest.Items.Count);
        var byId = digest.Items.ToDictionary(i => i.Paper.Id);
        // Trending and matching: listed once, as a match (the subscriber asked for it).
        Assert.Equal(DigestReason.SavedSearch, byId[Both.Id].Reason);
        Assert.Equal("matches 'diffusion sampler'", byId[Both.Id].Why);
        Assert.Equal(DigestReason.SavedSearch, byId[MatchOnly.Id].Reason);
        Assert.Equal(DigestReason.Trending, byId[TrendingOnly.Id].Reason);
        Assert.Equal("trending", byId[TrendingOnly.Id].Why);
        // Not of the period, or neither trending nor matching: absent.
        Assert.False(byId.ContainsKey(DayBefore.Id));
        Assert.False(byId.ContainsKey(Quiet.Id));
        // Sections in order: saved search first, then trending.
        Assert.Equal([DigestReason.SavedSearch, DigestReason.SavedSearch, DigestReason.Trending], digest.Items.Select(i => i.Reason));
    }

    [Fact]
    public async Task Trending_only_without_a_saved_search_and_matches_only_without_trending()
    {
        await using var host = await WorldAsync();
        var bob = await SubscribeAsync(host, Email("bob"));
        var carol = await SubscribeAsync(host, Email("carol"), trending: false, query: "graph anomaly");

        var forBob = await ComposeOneAsync(host, bob);
        var forCarol = await ComposeOneAsync(host, carol);

        // Trending ranks by upvotes within one day.
        Assert.Equal([Both.Id, TrendingOnly.Id], forBob.Items.Select(i => i.Paper.Id));
        Assert.All(forBob.Items, i => Assert.Equal(DigestReason.Trending, i.Reason));
        var item = Assert.Single(forCarol.Items);
        Assert.Equal(TrendingOnly.Id, item.Paper.Id);
        Assert.Equal("matches 'graph anomaly'", item.Why);
    }

    [Fact]
    public async Task Members_get_recommendations_because_of_a_paper_they_liked_and_others_get_none()
    {
        await using var host = await WorldAsync();
        var member = await Members.CreateAsync(host, Email("member"));
        await host.Get<VoteStore>().SetAsync(member.Id, DayBefore.Id, true);
        var forMember = await SubscribeAsync(host, member.Email!, userId: member.Id);
        var stranger = await SubscribeAsync(host, Email("stranger"));

        var digest = await ComposeOneAsync(host, forMember);
        var other = await ComposeOneAsync(host, stranger);

        // The real recommender on the live semantic index: the liked diffusion-sampler paper brings the period's
        // diffusion-sampler papers first, each named as the reason; the liked paper itself is not news.
        var recommended = digest.Items.Where(i => i.Reason == DigestReason.Recommended).ToList();
        Assert.NotEmpty(recommended);
        Assert.Contains(recommended[0].Paper.Id, new[] { Both.Id, MatchOnly.Id });
        Assert.All(recommended, r => Assert.Equal($"because you liked {DayBefore.Title}", r.Why));
        Assert.DoesNotContain(digest.Items, i => i.Paper.Id == DayBefore.Id);
        Assert.Equal(digest.Items.Select(i => i.Paper.Id).Distinct().Count(), digest.Items.Count);
        Assert.Contains($"because you liked {DayBefore.Title}", host.Get<DigestMail>().Render(digest).TextBody);
        Assert.DoesNotContain(other.Items, i => i.Reason == DigestReason.Recommended);
    }

    [Fact]
    public async Task Liked_papers_are_the_members_upvotes_and_collected_papers_each_once()
    {
        await using var host = await WorldAsync();
        var member = await Members.CreateAsync(host, Email("liker"));
        var other = await Members.CreateAsync(host, Email("other"));
        await host.Get<VoteStore>().SetAsync(member.Id, Both.Id, true);
        await host.Get<VoteStore>().SetAsync(member.Id, MatchOnly.Id, true);
        await host.Get<VoteStore>().SetAsync(other.Id, Quiet.Id, true);
        var collections = host.Get<CollectionStore>();
        var (_, reading) = await collections.CreateAsync(member.Id, "Reading", null, isPublic: false);
        await collections.AddPaperAsync(reading!.Id, member.Id, TrendingOnly.Id);
        await collections.AddPaperAsync(reading.Id, member.Id, Both.Id);

        var liked = await host.Get<VoteStore>().LikedByAsync([member.Id, "nobody"]);

        Assert.Equal([member.Id], liked.Keys);
        Assert.Equal(new[] { Both.Id, MatchOnly.Id, TrendingOnly.Id }.Order(), liked[member.Id].Order());
    }

    [Fact]
    public async Task Unconfirmed_unsubscribed_suspended_and_weekly_subscriptions_get_no_daily_digest_and_a_rerun_adds_nothing()
    {
        await using var host = await WorldAsync();
        var active = await SubscribeAsync(host, Email("active"));
        var empty = await SubscribeAsync(host, Email("empty"), trending: false, query: "quantum gravity");
        await SubscribeAsync(host, Email("pending"), confirmed: false);
        var gone = await SubscribeAsync(host, Email("gone"));
        await host.Get<SubscriptionStore>().UnsubscribeAsync(gone.Id);
        var suspended = await SubscribeAsync(host, Email("suspended"));
        await SuspendAsync(host, suspended.Id);
        var weekly = await SubscribeAsync(host, Email("weekly"), frequency: SubscriptionFrequency.Weekly);
        var run = host.Get<DigestRun>();

        var first = await run.ComposeAsync(Daily);

        Assert.Equal(2, first.Subscribers);   // active and empty; the others are not due a daily digest
        Assert.Equal(1, first.Added);
        Assert.Equal(1, first.Empty);         // nothing for "quantum gravity": no mail at all
        var row = Assert.Single(await OutboxAsync(host, Daily.Key));
        Assert.Equal(active.Id, row.SubscriptionId);
        Assert.Equal(DigestStatus.Pending, row.Status);
        Assert.Equal(active.Email, row.Recipient);

        var again = await run.ComposeAsync(Daily);
        Assert.Equal(0, again.Added);
        Assert.Single(await OutboxAsync(host));

        // The weekly subscriber's period is the ISO week (Mon 2026-11-23 to Sun 2026-11-29), keyed apart from the day.
        var week = DigestPeriod.Containing(SubscriptionFrequency.Weekly, Day);
        Assert.Equal("weekly:2026-W48", week.Key);
        Assert.Equal(new DateOnly(2026, 11, 29), week.Days.Last);
        Assert.Equal(1, (await run.ComposeAsync(week)).Added);
        Assert.Equal(weekly.Id, (await OutboxAsync(host, week.Key)).Single().SubscriptionId);
    }

    [Theory]
    [InlineData("2026-11-24T06:00:00Z", "daily:2026-11-23", "weekly:2026-W47")]
    [InlineData("2026-11-30T06:00:00Z", "daily:2026-11-29", "weekly:2026-W48")]
    [InlineData("2027-01-04T00:00:00Z", "daily:2027-01-03", "weekly:2026-W53")]
    public void The_period_before_a_run_is_yesterday_or_last_iso_week(string at, string daily, string weekly)
    {
        var now = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(daily, DigestPeriod.Before(SubscriptionFrequency.Daily, now).Key);
        Assert.Equal(weekly, DigestPeriod.Before(SubscriptionFrequency.Weekly, now).Key);
    }
}
