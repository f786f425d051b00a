using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// <c>paperboy migrate --from sqlite:PATH --to postgres:CONNSTR</c> on the real binary: a SQLite install with the demo
/// corpus and a community moves to PostgreSQL, and a host on PostgreSQL then serves the same papers, the member signs in
/// with the same password (and a sign-in cookie made before the move still works: the key ring came along), and votes,
/// comments, collections and subscriptions are all there.
/// </summary>
public sealed class MigrateCliTests
{
    [Fact]
    public async Task A_SQLite_store_with_members_votes_comments_collections_and_subscriptions_moves_to_PostgreSQL_intact()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        try
        {
            await using var sqlite = await TestHost.StartAsync(seedDemo: true);
            var member = await Members.CreateAsync(sqlite, "ada@example.org", name: "Ada");
            using var api = await Members.TokenClientAsync(sqlite, member);
            var search = await sqlite.Client.GetFromJsonAsync<JsonElement>("/api/search?q=graph&limit=3&mode=lexical");
            var voted = search.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
            foreach (var id in voted) (await api.PostAsync($"/api/papers/{id}/upvote", null)).EnsureSuccessStatusCode();
            var upvotes = new Dictionary<string, int>();
            foreach (var id in voted) upvotes[id] = (await sqlite.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{id}")).GetProperty("upvotes").GetInt32();
            await sqlite.Get<CommentStore>().AddAsync(member.Id, voted[0], "Lovely **graphs**.", "<p>Lovely <strong>graphs</strong>.</p>");
            var (_, collection) = await sqlite.Get<CollectionStore>().CreateAsync(member.Id, "Reading list", "graphs", isPublic: true);
            await sqlite.Get<CollectionStore>().AddPaperAsync(collection!.Id, member.Id, voted[1]);
            var (subscription, _) = await sqlite.Get<SubscriptionStore>().RequestAsync("reader@example.org", SubscriptionFrequency.Weekly, true, "graph anomaly");
            await sqlite.Get<SubscriptionStore>().ConfirmAsync(subscription.Id);
            subscription = (await sqlite.Get<SubscriptionStore>().FindAsync(subscription.Id))!;
            var cookie = await Members.SignInCookieAsync(sqlite, "ada@example.org");

            var result = await PaperboyCli.RunAsync(["migrate", "--from", $"sqlite:{sqlite.DataDir}", "--to", $"postgres:{database}"], TimeSpan.FromSeconds(180));
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Matches(@"papers\s+257\s+257\s+[0-9a-f]{16}\s+ok", result.Stdout);
            Assert.Matches(@"votes\s+3\s+3\s+[0-9a-f]{16}\s+ok", result.Stdout);
            Assert.Matches(@"data_protection_keys\s+1\s+1\s+[0-9a-f]{16}\s+ok", result.Stdout);
            Assert.DoesNotContain("MISMATCH", result.Stdout);

            // A second copy into the now filled database is refused unless forced.
            var again = await PaperboyCli.RunAsync(["migrate", "--from", $"sqlite:{sqlite.DataDir}", "--to", $"postgres:{database}"], TimeSpan.FromSeconds(180));
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("not empty", again.Stderr);
            var forced = await PaperboyCli.RunAsync(["migrate", "--from", $"sqlite:{sqlite.DataDir}", "--to", $"postgres:{database}", "--force"], TimeSpan.FromSeconds(180));
            Assert.True(forced.ExitCode == 0, forced.ToString());

            await using var postgres = await TestHost.StartOnPostgresAsync(database, seedDemo: true);
            Assert.Equal(257, (await postgres.Client.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("papers").GetInt32());
            var sameSearch = await postgres.Client.GetFromJsonAsync<JsonElement>("/api/search?q=graph&limit=3&mode=lexical");
            Assert.Equal(voted, sameSearch.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            foreach (var id in voted)
                Assert.Equal(upvotes[id], (await postgres.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{id}")).GetProperty("upvotes").GetInt32());

            // The same password signs in; the cookie made by the SQLite install is still valid (its key ring moved too).
            using var signedIn = await Members.SignedInClientAsync(postgres, "ada@example.org");
            Assert.Equal(HttpStatusCode.OK, (await Members.GetWithCookieAsync(postgres, "/api/me/recommendations", cookie)).StatusCode);

            var comments = await postgres.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{voted[0]}/comments");
            Assert.Contains("Lovely <strong>graphs</strong>.", comments.GetRawText().Replace("\\u003C", "<").Replace("\\u003E", ">"));
            var lists = await postgres.Get<CollectionStore>().OwnedByAsync(member.Id);
            Assert.Equal("Reading list", Assert.Single(lists).Name);
            Assert.Equal(voted[1], Assert.Single(await postgres.Get<CollectionStore>().EntriesAsync(lists[0].Id)).PaperId);
            var moved = await postgres.Get<SubscriptionStore>().FindByEmailAsync("reader@example.org");
            Assert.Equal((subscription.Id, subscription.Frequency, subscription.SavedQuery, subscription.ConfirmedAt?.Ticks / 10, true),
                (moved!.Id, moved.Frequency, moved.SavedQuery, moved.ConfirmedAt?.Ticks / 10, moved.Active));   // timestamptz keeps microseconds

            // The identity sequences moved past the copied ids: new rows get new ids.
            var added = await postgres.Get<CommentStore>().AddAsync(member.Id, voted[0], "Again.", "<p>Again.</p>");
            Assert.NotNull(added);
            var (next, _) = await postgres.Get<SubscriptionStore>().RequestAsync("another@example.org", SubscriptionFrequency.Daily, true, null);
            Assert.True(next.Id > subscription.Id);
        }
        finally { await server.DropDatabaseAsync(database); }
    }

    [Fact]
    public async Task Migrate_says_what_is_wrong_with_its_arguments()
    {
        Assert.Equal(2, (await PaperboyCli.RunAsync("migrate", "--from", "mysql:x", "--to", "postgres:Host=127.0.0.1")).ExitCode);
        Assert.Equal(2, (await PaperboyCli.RunAsync("migrate", "--from", "sqlite:/tmp", "--to", "Host=127.0.0.1")).ExitCode);
        using var empty = new TempDir();
        var missing = await PaperboyCli.RunAsync("migrate", "--from", $"sqlite:{empty.Path}", "--to", "postgres:Host=127.0.0.1");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no SQLite store", missing.Stderr);
    }
}
