using Microsoft.Extensions.DependencyInjection;
using Paperboy.Digests;
using Paperboy.Storage;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Digests.DigestWorld;

namespace Paperboy.Tests.Digests;

/// <summary>The schedule in the host and the lock in the store that makes a job run on one node only.</summary>
public sealed class DigestSchedulingTests(ControlledSmtpServer smtp) : IClassFixture<ControlledSmtpServer>
{
    [Fact]
    public async Task The_job_lock_goes_to_one_owner_at_a_time_and_to_another_once_its_lease_has_expired()
    {
        var clock = new FixedClock(Morning);
        await using var host = await TestHost.StartAsync(s => s.AddSingleton<TimeProvider>(clock), false);
        var locks = host.Get<JobLockStore>();
        var lease = TimeSpan.FromMinutes(2);

        Assert.True(await locks.TryAcquireAsync("job", "node-a", lease));
        Assert.False(await locks.TryAcquireAsync("job", "node-b", lease));
        Assert.True(await locks.TryAcquireAsync("other-job", "node-b", lease));     // locks are per job
        clock.Now = Morning.AddMinutes(1.5);
        Assert.True(await locks.TryAcquireAsync("job", "node-a", lease));          // renewed: now until 3.5 min
        clock.Now = Morning.AddMinutes(3);
        Assert.False(await locks.TryAcquireAsync("job", "node-b", lease));
        clock.Now = Morning.AddMinutes(4);                                          // node-a stopped renewing
        Assert.True(await locks.TryAcquireAsync("job", "node-b", lease));
        Assert.False(await locks.TryAcquireAsync("job", "node-a", lease));
        await locks.ReleaseAsync("job", "node-a");                                  // not a's to release
        Assert.Equal("node-b", (await locks.HolderAsync("job"))!.Owner);
        await locks.ReleaseAsync("job", "node-b");
        Assert.Null(await locks.HolderAsync("job"));

        // Many asking at once: exactly one gets it.
        var winners = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => locks.TryAcquireAsync("race", $"node-{i}", lease)));
        Assert.Single(winners, w => w);
    }

    [Fact]
    public async Task The_host_sends_the_due_digests_on_schedule_only_while_it_can_take_the_lock()
    {
        // Tuesday 06:30: the daily run of 06:00 (for Monday) and the weekly run of Monday 06:00 (for the week before) are due.
        var clock = new FixedClock(Morning.AddMinutes(30));
        var lastWeek = new DateOnly(2026, 11, 18);
        await using var host = await TestHost.StartAsync(s => s.AddSingleton<TimeProvider>(clock), false,
            $"--Smtp:Host={smtp.Host}", $"--Smtp:Port={smtp.Port}", "--Smtp:Security=None");
        await AddPapersAsync(host, Paper("2611.00071", "Scheduled transformers", Day, 8), Paper("2611.00072", "Last week's sampler", lastWeek, 30));
        var daily = await SubscribeAsync(host, Email("daily"));
        var weekly = await SubscribeAsync(host, Email("weekly"), frequency: SubscriptionFrequency.Weekly);

        // Another node holds the lock: this host must not send. Then it lets go.
        var locks = host.Get<JobLockStore>();
        Assert.True(await locks.TryAcquireAsync(DigestRun.LockName, "another-node", TimeSpan.FromHours(1)));
        // The host runs one (switched off in tests by default); this one is the same class on the host's services, switched on.
        Assert.Single(host.App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<DigestScheduler>());
        var options = Microsoft.Extensions.Options.Options.Create(new DigestOptions { RetryInterval = TimeSpan.FromMilliseconds(300) });
        using var scheduler = ActivatorUtilities.CreateInstance<DigestScheduler>(host.App.Services, options);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            await Task.Delay(1000);
            Assert.Empty(await OutboxAsync(host));
            await locks.ReleaseAsync(DigestRun.LockName, "another-node");

            var toDaily = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == daily.Email), TimeSpan.FromSeconds(20));
            var toWeekly = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == weekly.Email), TimeSpan.FromSeconds(20));
            Assert.Equal("Paperboy daily digest: Monday, November 23, 2026", toDaily.Subject);
            Assert.Contains("Scheduled transformers", toDaily.TextBody);
            Assert.StartsWith("Paperboy weekly digest: week 47 of 2026", toWeekly.Subject);
            Assert.Contains("Last week's sampler", toWeekly.TextBody);
            Assert.Equal(["daily:2026-11-23", "weekly:2026-W47"], (await OutboxAsync(host)).Select(d => d.PeriodKey).Order());
        }
        finally { await scheduler.StopAsync(CancellationToken.None); }
    }
}
