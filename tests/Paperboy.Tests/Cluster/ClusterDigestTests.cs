using Paperboy.Storage;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Digests.DigestWorld;

namespace Paperboy.Tests.Cluster;

/// <summary>
/// Two real <c>paperboy serve</c> processes on one PostgreSQL database, both running the digest scheduler, started at the
/// same moment so that both find the same daily digest due: every subscriber gets exactly one mail, counted at the real
/// SMTP server. The job lock is PostgreSQL's advisory lock (<see cref="JobLockStore.TryTakeAsync"/>).
/// </summary>
public sealed class ClusterDigestTests
{
    private const int Subscribers = 60;

    [Fact]
    public async Task Two_nodes_running_the_scheduler_at_the_same_due_time_send_each_subscriber_exactly_one_digest()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        try
        {
            // The day the default schedule (06:00 UTC) has most recently become due for, as the scheduler works it out.
            var now = DateTime.UtcNow;
            var due = now.Date.AddHours(6) <= now ? now.Date.AddHours(6) : now.Date.AddHours(-18);
            var yesterday = DateOnly.FromDateTime(due).AddDays(-1);
            var emails = new List<string>();
            await using (var store = await TestStore.OpenAsync(StoreProvider.Postgres, database))
            {
                await store.Store.ImportAsync([Paper("2611.00081", "Clustered digest schedulers", yesterday, 9), Paper("2611.00082", "Advisory locks in practice", yesterday, 4)]);
                var subscriptions = new SubscriptionStore(store.Factory, TimeProvider.System);
                for (var i = 0; i < Subscribers; i++)
                {
                    var (s, _) = await subscriptions.RequestAsync($"member{i:00}@example.org", SubscriptionFrequency.Daily, true, null);
                    await subscriptions.ConfirmAsync(s.Id);
                    emails.Add(s.Email);
                }
            }
            await using var smtp = await SmtpServer.StartAsync();
            var environment = new Dictionary<string, string>
            {
                ["PAPERBOY_Storage__Provider"] = "postgres", ["PAPERBOY_Storage__ConnectionString"] = database, ["PAPERBOY_SeedDemo"] = "false",
                ["PAPERBOY_Digests__Enabled"] = "true", ["PAPERBOY_Smtp__Host"] = smtp.Host, ["PAPERBOY_Smtp__Port"] = smtp.Port.ToString(),
                ["PAPERBOY_Smtp__Security"] = "None",
            };

            // Both start together; each scheduler finds yesterday's 06:00 run due the moment its host starts.
            var nodes = await Task.WhenAll(ServerProcess.StartAsync(environment: environment), ServerProcess.StartAsync(environment: environment));
            await using var a = nodes[0];
            await using var b = nodes[1];
            try { await smtp.WaitForMessagesAsync(Subscribers, TimeSpan.FromSeconds(90)); }
            catch (TimeoutException e) { throw new TimeoutException($"{e.Message}\nnode A:\n{a.Log}\nnode B:\n{b.Log}"); }
            await Task.Delay(3000);   // a second sender, if there were one, would be at work by now

            var received = smtp.Messages.SelectMany(m => m.To.Mailboxes.Select(x => x.Address)).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(emails.Order(), received.Keys.Order());
            Assert.All(received, r => Assert.True(r.Value == 1, $"{r.Key} received {r.Value} digests\nnode A:\n{a.Log}\nnode B:\n{b.Log}"));
            Assert.All(smtp.Messages, m => Assert.StartsWith("Paperboy daily digest", m.Subject));
        }
        finally { await server.DropDatabaseAsync(database); }
    }
}
