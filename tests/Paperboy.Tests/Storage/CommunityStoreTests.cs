using Microsoft.EntityFrameworkCore;
using Paperboy.Core.Boards;
using Paperboy.Core.Papers;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// The community stores (votes, comments, collections, subscriptions, tokens) and the change log under concurrent
/// writers, called directly on the store: every test runs over SQLite (<see cref="SqliteCommunityStoreTests"/>) and over
/// PostgreSQL (<see cref="PostgresCommunityStoreTests"/>), so the two behave the same in the details that differ between
/// the engines: collation, time kinds, unique violations, and the order in which concurrent commits become visible.
/// </summary>
public abstract class CommunityStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly FixedClock _clock = new(Noon);
    private TestStore _db = null!;

    public async Task InitializeAsync() => _db = await TestStore.CreateAsync(provider, _clock);
    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static Paper NewPaper(string title, string? arxiv = null, DateOnly? day = null, int upvotes = 0)
    {
        var p = new Paper { Title = title, Abstract = $"About {title}.", ArxivId = arxiv, PublishedAt = day ?? new DateOnly(2026, 11, 20), Upvotes = upvotes };
        p.Id = PaperIdentity.IdFor(p);
        return p;
    }

    private async Task<string> MemberAsync(string name)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        // An unspecified-kind time, as a careless caller might pass: stored as UTC on both providers (Npgsql alone would refuse it).
        var user = new PaperboyUser { UserName = name, NormalizedUserName = name.ToUpperInvariant(), DisplayName = name, CreatedAt = new DateTime(2026, 11, 1, 8, 0, 0) };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    [Fact]
    public async Task Twenty_members_voting_at_once_count_exactly_once_each()
    {
        var paper = NewPaper("Concurrent Votes", "2311.00001");
        await _db.Store.ImportAsync([paper]);
        var members = new List<string>();
        for (var i = 0; i < 20; i++) members.Add(await MemberAsync($"voter{i}"));
        var votes = new VoteStore(_db.Factory, _clock);

        await Task.WhenAll(members.Select(m => Task.Run(() => votes.SetAsync(m, paper.Id, true))));
        await Task.WhenAll(members.Take(5).Select(m => Task.Run(() => votes.SetAsync(m, paper.Id, true))));   // again: no change

        Assert.Equal(20, (await _db.Store.FindAsync(paper.Id))!.MemberVotes);
        var withdrawn = await votes.SetAsync(members[0], paper.Id, false);
        Assert.Equal(new VoteResult(paper.Id, 19, false), withdrawn);
        Assert.Equal(21, (await _db.Store.ChangesSinceAsync(0, 100)).Count(c => c.CountsOnly));
        Assert.Equal([paper.Id], (await votes.LikedByAsync([members[1]]))[members[1]]);
    }

    [Fact]
    public async Task A_follower_reading_the_change_log_during_concurrent_writes_sees_every_change_in_order()
    {
        var papers = Enumerable.Range(0, 8).Select(i => NewPaper($"Followed Paper {i}", $"2311.{i + 10:D5}")).ToList();
        await _db.Store.ImportAsync(papers);
        var members = new List<string>();
        for (var i = 0; i < 6; i++) members.Add(await MemberAsync($"writer{i}"));
        var votes = new VoteStore(_db.Factory, _clock);

        var seen = new List<long>();
        var done = false;
        var follower = Task.Run(async () =>
        {
            long cursor = 0;
            while (true)
            {
                var last = Volatile.Read(ref done);
                foreach (var c in await _db.Store.ChangesSinceAsync(cursor, 1000)) { seen.Add(c.Seq); cursor = c.Seq; }
                if (last) return;
            }
        });
        // Votes and imports interleave from many connections at once: each appends to the log in its own transaction.
        var writers = members.Select((m, w) => Task.Run(async () =>
        {
            for (var round = 0; round < 4; round++)
            {
                foreach (var p in papers) await votes.SetAsync(m, p.Id, round % 2 == 0);
                await _db.Store.ImportAsync([NewPaper($"Writer {w} round {round}", $"2312.{w * 10 + round:D5}")]);
            }
        })).ToList();
        await Task.WhenAll(writers);
        Volatile.Write(ref done, true);
        await follower;

        var all = (await _db.Store.ChangesSinceAsync(0, 100_000)).Select(c => c.Seq).ToList();
        Assert.Equal(8 + 6 * 4 * 8 + 6 * 4, all.Count);
        Assert.Equal(all, seen);   // nothing the follower skipped because a lower Seq committed after a higher one
    }

    [Fact]
    public async Task Comments_keep_their_count_and_their_times_come_back_as_the_same_UTC_instant()
    {
        var paper = NewPaper("Commented Paper", "2311.00002");
        await _db.Store.ImportAsync([paper]);
        var alice = await MemberAsync("alice");
        var comments = new CommentStore(_db.Factory, _clock);

        var first = await comments.AddAsync(alice, paper.Id, "First", "<p>First</p>");
        _clock.Now = Noon.AddMinutes(5);
        var second = await comments.AddAsync(alice, paper.Id, "Second", "<p>Second</p>");
        Assert.NotNull(first);
        Assert.Equal(Noon.UtcDateTime, first.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, first.CreatedAt.Kind);

        var (_, listed) = (await comments.ListAsync(paper.Id))!.Value;
        Assert.Equal(["First", "Second"], listed.Select(c => c.Markdown));
        Assert.Equal("alice", listed[0].Author);
        Assert.Equal(Outcome.Done, await comments.DeleteAsync(first.Id, alice, admin: false));
        Assert.Equal(1, (await _db.Store.FindAsync(paper.Id))!.MemberComments);
        var (outcome, edited) = await comments.EditAsync(second!.Id, alice, "Second, edited", "<p>Second, edited</p>");
        Assert.Equal(Outcome.Done, outcome);
        Assert.Equal(Noon.AddMinutes(5).UtcDateTime, edited!.EditedAt);
    }

    [Fact]
    public async Task Collections_resolve_aliases_and_hide_private_ones_from_others()
    {
        var titleOnly = NewPaper("A Paper First Met By Title");
        await _db.Store.ImportAsync([titleOnly]);
        var owner = await MemberAsync("owner");
        var stranger = await MemberAsync("stranger");
        var collections = new CollectionStore(_db.Factory, _clock);

        var (_, mine) = await collections.CreateAsync(owner, "Reading List", "for later", isPublic: false);
        Assert.Equal(Outcome.Done, await collections.AddPaperAsync(mine!.Id, owner, titleOnly.Id));
        await _db.Store.ImportAsync([NewPaper("A Paper First Met By Title", "2311.00003")]);   // re-keyed: the old id is an alias

        Assert.Equal(["2311.00003"], (await collections.EntriesAsync(mine.Id)).Select(e => e.PaperId));
        Assert.Equal(Outcome.Done, await collections.AddPaperAsync(mine.Id, owner, titleOnly.Id));   // by the alias: already there
        Assert.Single(await collections.EntriesAsync(mine.Id));
        Assert.Null(await collections.VisibleAsync(mine.Id, stranger));
        Assert.Equal(Outcome.NotFound, await collections.AddPaperAsync(mine.Id, stranger, "2311.00003"));
        var view = await collections.VisibleAsync(mine.Id, owner);
        Assert.Equal(("owner", 1, Noon.UtcDateTime), (view!.Owner, view.PaperCount, view.CreatedAt));
    }

    [Fact]
    public async Task A_subscription_requested_at_once_in_different_cases_is_one_subscription()
    {
        var subscriptions = new SubscriptionStore(_db.Factory, _clock);
        var results = await Task.WhenAll(new[] { "Reader@Example.org", "reader@example.org", " READER@EXAMPLE.ORG ", "reader@Example.org" }
            .Select(e => Task.Run(() => subscriptions.RequestAsync(e, SubscriptionFrequency.Weekly, true, null))));

        Assert.Single(results.Select(r => r.Subscription.Id).Distinct());
        Assert.All(results, r => Assert.Equal(SubscribeOutcome.ConfirmationDue, r.Outcome));
        var id = results[0].Subscription.Id;
        Assert.True(await subscriptions.ConfirmAsync(id));
        Assert.Equal((SubscribeOutcome.AlreadyActive, id), ((await subscriptions.RequestAsync("READER@example.org", SubscriptionFrequency.Daily, false, null)) is var again ? (again.Outcome, again.Subscription.Id) : default));
        var stored = await subscriptions.FindByEmailAsync("Reader@EXAMPLE.org");
        Assert.Equal(("reader@example.org", SubscriptionFrequency.Weekly, Noon.UtcDateTime), (stored!.Email, stored.Frequency, stored.ConfirmedAt!.Value));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(1, await db.Subscriptions.CountAsync());
    }

    [Fact]
    public async Task A_second_row_with_the_same_email_is_recognised_as_a_unique_violation()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        db.Subscriptions.Add(new Subscription { Email = "dup@example.org", CreatedAt = Noon.UtcDateTime });
        await db.SaveChangesAsync();
        await using var other = await _db.Factory.CreateDbContextAsync();
        other.Subscriptions.Add(new Subscription { Email = "dup@example.org", CreatedAt = Noon.UtcDateTime });
        var e = await Assert.ThrowsAsync<DbUpdateException>(() => other.SaveChangesAsync());
        Assert.True(StorageSetup.IsUniqueViolation(e), e.InnerException?.Message);

        await using var third = await _db.Factory.CreateDbContextAsync();
        third.Comments.Add(new Comment { PaperId = new string('x', 65), UserId = "u", Markdown = "m", Html = "h", CreatedAt = Noon.UtcDateTime });
        if (provider == StoreProvider.Postgres)   // SQLite does not enforce lengths: only PostgreSQL has a second kind of failure to tell apart
            Assert.False(StorageSetup.IsUniqueViolation(await Assert.ThrowsAsync<DbUpdateException>(() => third.SaveChangesAsync())));
    }

    [Fact]
    public async Task An_API_token_finds_its_member_records_its_use_and_can_be_revoked()
    {
        var bob = await MemberAsync("bob");
        var tokens = new ApiTokenStore(_db.Factory, _clock);
        var (token, secret) = await tokens.CreateAsync(bob, "laptop");
        _clock.Now = Noon.AddHours(1);

        Assert.Equal(bob, await tokens.UserOfAsync(secret));
        Assert.Null(await tokens.UserOfAsync(secret.ToUpperInvariant()));
        var listed = Assert.Single(await tokens.ListAsync(bob));
        Assert.Equal((token.Id, Noon.UtcDateTime, (DateTime?)Noon.AddHours(1).UtcDateTime), (listed.Id, listed.CreatedAt, listed.LastUsedAt));
        Assert.True(await tokens.RevokeAsync(bob, token.Id));
        Assert.Null(await tokens.UserOfAsync(secret));
    }

    [Fact]
    public async Task Boards_rank_by_all_votes_then_the_newer_day_then_the_id_in_byte_order()
    {
        var monday = new DateOnly(2026, 11, 16);
        var tuesday = monday.AddDays(1);
        var titleOnly = NewPaper("Five on Tuesday Without an arXiv Id", day: tuesday, upvotes: 5);
        await _db.Store.ImportAsync([
            NewPaper("Five on Monday", "2611.00001", monday, 5),
            NewPaper("Six on Monday", "2611.00002", monday, 6),
            NewPaper("None on Tuesday", "2611.00003", tuesday, 0),
            NewPaper("Fifty Next Monday", "2611.00004", monday.AddDays(7), 50),
            NewPaper("Three and Two Members' on Tuesday", "2611.00007", tuesday, 3),
            NewPaper("Five on Tuesday", "2611.00009", tuesday, 5),
            NewPaper("Five on Tuesday, Old-Style Id", "hep-th/9901001", tuesday, 5),
            titleOnly,
        ]);
        var votes = new VoteStore(_db.Factory, _clock);
        foreach (var member in new[] { await MemberAsync("erin"), await MemberAsync("frank") }) await votes.SetAsync(member, "2611.00007", true);

        // 6; then 5 (3 upvotes + 2 members' votes counts as 5) on Tuesday before 5 on Monday; ties by id, byte by byte
        // (digits, then letters; SQLite's binary and PostgreSQL's "C" collation agree); the unvoted paper last.
        string[] week = ["2611.00002", "2611.00007", "2611.00009", "hep-th/9901001", titleOnly.Id, "2611.00001", "2611.00003"];
        Assert.StartsWith("t-", titleOnly.Id);
        var (papers, total) = await _db.Store.BoardAsync(BoardPeriod.Week(monday), 10, 0);
        Assert.Equal(week, papers.Select(p => p.Id));
        Assert.Equal(7, total);
        Assert.Equal(week[3..6], (await _db.Store.BoardAsync(BoardPeriod.Week(monday), 3, 3)).Papers.Select(p => p.Id));
        Assert.Equal(week[1..5].Append("2611.00003"), (await _db.Store.BoardAsync(BoardPeriod.Day(tuesday), 10, 0)).Papers.Select(p => p.Id));

        // The front page's earlier days: the newest day first, each day in board order.
        var earlier = await _db.Store.RecentBeforeAsync(monday.AddDays(7), 10);
        Assert.Equal(week[1..5].Append("2611.00003").Concat(["2611.00002", "2611.00001"]), earlier.Select(p => p.Id));
        Assert.Equal(week[1..3], (await _db.Store.RecentBeforeAsync(monday.AddDays(7), 2)).Select(p => p.Id));
    }

    [Fact]
    public async Task A_submission_time_with_an_offset_comes_back_as_the_same_instant()
    {
        var p = NewPaper("Submitted With An Offset", "2311.00004");
        p.SubmittedBy = "carol";
        p.SubmittedAt = new DateTimeOffset(2026, 11, 23, 14, 30, 0, TimeSpan.FromHours(2));
        await _db.Store.ImportAsync([p]);
        var back = await _db.Store.FindAsync(p.Id);
        Assert.Equal(p.SubmittedAt, back!.SubmittedAt);   // DateTimeOffset equality compares instants
        await using var db = await _db.Factory.CreateDbContextAsync();
        var user = await db.Users.SingleOrDefaultAsync(u => u.CreatedAt == new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc));
        Assert.Null(user);
        await MemberAsync("dave");
        await using var db2 = await _db.Factory.CreateDbContextAsync();
        var dave = await db2.Users.SingleAsync(u => u.CreatedAt == new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc));
        Assert.Equal("dave", dave.DisplayName);
    }
}

public sealed class SqliteCommunityStoreTests() : CommunityStoreTests(StoreProvider.Sqlite);

public sealed class PostgresCommunityStoreTests() : CommunityStoreTests(StoreProvider.Postgres);
