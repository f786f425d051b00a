using System.Diagnostics;
using System.Text;
using Paperboy.Digests;
using Paperboy.Storage;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Digests.DigestWorld;

namespace Paperboy.Tests.Digests;

/// <summary>
/// The exactly-once promise, tested the hard way: the real <c>paperboy digest send</c> process is killed with SIGKILL
/// in the middle of a run, while the SMTP server holds messages it has not acknowledged; run again, it must leave every
/// subscriber with exactly one digest, counted from what the real SMTP server stored.
/// </summary>
public sealed class DigestCrashTests
{
    private const int Subscribers = 200;

    [Fact]
    public async Task A_send_killed_mid_run_and_run_again_delivers_exactly_one_digest_to_every_subscriber()
    {
        await using var store = await TestStore.CreateAsync();
        await store.Store.ImportAsync([Paper("2611.00051", "Crash-consistent message queues", Day, 12), Paper("2611.00052", "Exactly-once delivery, revisited", Day, 7)]);
        var subscriptions = new SubscriptionStore(store.Factory, TimeProvider.System);
        var emails = new List<string>();
        for (var i = 0; i < Subscribers; i++)
        {
            var (s, _) = await subscriptions.RequestAsync($"reader{i:000}@example.org", SubscriptionFrequency.Daily, true, null);
            await subscriptions.ConfirmAsync(s.Id);
            emails.Add(s.Email);
        }
        await using var smtp = await ControlledSmtpServer.StartAsync();
        smtp.Slow(true);
        string[] args = ["digest", "send", "--period", "daily", "--date", "2026-11-23", "--data", store.DataDir];

        // First run: let it deliver part of the digests, then hold the SMTP server's answers and kill it.
        using (var first = Start(args, smtp))
        {
            await WaitAsync(() => smtp.Stored >= 40, TimeSpan.FromSeconds(120), () => $"no mail arrived\n{first.Output}");
            smtp.Hold(true);
            // Every sender is now inside an SMTP transaction the server has not acknowledged: nothing more is stored.
            await WaitAsync(() => smtp.Holding > 0, TimeSpan.FromSeconds(30), () => "nothing held");
            await StableAsync(() => smtp.Stored, TimeSpan.FromMilliseconds(700));
            first.Process.Kill();   // SIGKILL: no clean-up of any kind
            await first.Process.WaitForExitAsync();
        }
        var storedAtKill = smtp.Stored;
        Assert.InRange(storedAtKill, 1, Subscribers - 1);
        var interrupted = (await OutboxAsync(store, Daily.Key)).Count(d => d.Status == DigestStatus.Sending);
        Assert.True(interrupted > 0, "the kill should leave claimed digests behind");
        smtp.Hold(false);
        smtp.Slow(false);
        await Task.Delay(500);
        Assert.Equal(storedAtKill, smtp.Stored);   // what was held when the client died was never stored

        // Second run: once the dead run's lock lease has expired, it resends what was interrupted and the rest.
        CliRun? second = null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var run = Start(args, smtp);
            await run.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            second = new CliRun(run.Process.ExitCode, run.Output);
            if (run.Process.ExitCode == 0) break;
            Assert.Contains("holds the lock", run.Output);
            await Task.Delay(500);
        }
        Assert.Equal(0, second!.ExitCode);
        Assert.Contains($"{interrupted} interrupted earlier and sent again", second.Output);
        Assert.Contains("daily:2026-11-23: 0 composed", second.Output);

        await WaitAsync(() => smtp.Stored >= Subscribers, TimeSpan.FromSeconds(30), () => $"{smtp.Stored} stored\n{second.Output}");
        await Task.Delay(300);
        var perRecipient = smtp.Messages.GroupBy(m => m.To.Mailboxes.Single().Address).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(emails.Order(), perRecipient.Keys.Order());
        Assert.All(perRecipient, kv => Assert.True(kv.Value == 1, $"{kv.Key} got {kv.Value} digests"));
        Assert.All(await OutboxAsync(store, Daily.Key), d => Assert.Equal(DigestStatus.Sent, d.Status));
    }

    private sealed record CliRun(int ExitCode, string Output);

    private sealed class Running(Process process, StringBuilder output) : IDisposable
    {
        public Process Process => process;
        public string Output { get { lock (output) return output.ToString(); } }

        public void Dispose()
        {
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.Dispose();
        }
    }

    private static Running Start(string[] args, SmtpServer smtp)
    {
        var psi = PaperboyCli.StartInfo(args);
        psi.RedirectStandardInput = false;
        psi.Environment["PAPERBOY_Smtp__Host"] = smtp.Host;
        psi.Environment["PAPERBOY_Smtp__Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["PAPERBOY_Smtp__Security"] = "None";
        psi.Environment["PAPERBOY_Digests__LockLease"] = "00:00:02";
        var output = new StringBuilder();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new Running(p, output);
    }

    private static async Task<List<OutboxDigest>> OutboxAsync(TestStore store, string periodKey)
    {
        await using var db = await store.Factory.CreateDbContextAsync();
        return db.DigestOutbox.Where(d => d.PeriodKey == periodKey).ToList();
    }

    private static async Task WaitAsync(Func<bool> done, TimeSpan within, Func<string> why)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > within) throw new TimeoutException(why());
            await Task.Delay(10);
        }
    }

    /// <summary>Waits until <paramref name="value"/> has not changed for <paramref name="quiet"/>.</summary>
    private static async Task StableAsync(Func<int> value, TimeSpan quiet)
    {
        var last = value();
        var since = Stopwatch.StartNew();
        while (since.Elapsed < quiet)
        {
            await Task.Delay(20);
            var now = value();
            if (now != last) { last = now; since.Restart(); }
        }
    }
}
