using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Paperboy.Digests;
using Paperboy.Storage;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Digests.DigestWorld;

namespace Paperboy.Tests.Digests;

/// <summary>
/// Digests through a real SMTP server (aiosmtpd): the delivered mail's headers, parts and links, encoding of hostile
/// paper text, a server that refuses and then recovers, and permanent refusals that suspend a subscription.
/// </summary>
public sealed partial class DigestDeliveryTests(ControlledSmtpServer smtp) : IClassFixture<ControlledSmtpServer>
{
    private const string Site = "https://papers.example.org/pb";

    private Task<TestHost> StartAsync(FixedClock? clock = null, params string[] settings) =>
        TestHost.StartAsync(clock is null ? null : s => s.AddSingleton<TimeProvider>(clock), false,
            [$"--Smtp:Host={smtp.Host}", $"--Smtp:Port={smtp.Port}", "--Smtp:Security=None", "--Smtp:From=Paperboy <digests@papers.example.org>",
             $"--PublicUrl={Site}", .. settings]);

    private List<MimeMessage> MailsTo(string email) => smtp.Messages.Where(m => m.To.Mailboxes.Any(a => a.Address == email)).ToList();

    [GeneratedRegex(@"https?://[^\s""<>]+")]
    private static partial Regex Link();

    [Fact]
    public async Task A_delivered_digest_has_text_and_html_parts_absolute_links_one_click_headers_and_no_images()
    {
        await using var host = await StartAsync();
        await AddPapersAsync(host, Paper("2611.00011", "Diffusion samplers for protein design", Day, 40), Paper("2611.00012", "Sparse attention at scale", Day, 12));
        var email = Email("reader");
        var s = await SubscribeAsync(host, email, query: "sparse attention");

        var result = await host.Get<DigestRun>().RunAsync([Daily]);

        Assert.NotNull(result);
        Assert.True(result.Delivery.Sent >= 1);
        var mail = Assert.Single(MailsTo(email));
        Assert.Equal("Paperboy daily digest: Monday, November 23, 2026", mail.Subject);
        Assert.Equal($"digest.{s.Id}.daily.2026-11-23@papers.example.org", mail.MessageId);
        Assert.Equal("digests@papers.example.org", mail.From.Mailboxes.Single().Address);

        // multipart/alternative: text first, HTML last.
        var alternative = Assert.IsType<MultipartAlternative>(mail.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        var text = mail.TextBody!;
        var html = mail.HtmlBody!;
        Assert.Contains("YOUR SAVED SEARCH", text);
        Assert.Contains("matches 'sparse attention'", text);
        Assert.Contains("TRENDING", text);
        Assert.Contains($"{Site}/papers/2611.00011", text);
        Assert.Contains($"href=\"{Site}/papers/2611.00012\"", html);

        // No images, no remote resources, nothing that could track a reader.
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.All(Link().Matches(html).Select(m => m.Value), l => Assert.StartsWith(Site + "/", l));

        // Unsubscribe and preferences in both parts, and the RFC 8058 headers.
        var unsubscribe = Regex.Match(text, @"Unsubscribe: (\S+)").Groups[1].Value;
        var preferences = Regex.Match(text, @"Change what you get: (\S+)").Groups[1].Value;
        Assert.StartsWith($"{Site}/subscribe/unsubscribe?token=", unsubscribe);
        Assert.StartsWith($"{Site}/subscribe/preferences?token=", preferences);
        Assert.Contains(WebUtility.HtmlEncode(unsubscribe), html);
        Assert.Contains(WebUtility.HtmlEncode(preferences), html);
        Assert.Equal(SubscriptionLinksOneClick, mail.Headers["List-Unsubscribe-Post"]);
        var header = Regex.Match(mail.Headers["List-Unsubscribe"]!, @"^<(https://papers\.example\.org/pb/subscribe/unsubscribe\?token=[^>]+)>$");
        Assert.True(header.Success, mail.Headers["List-Unsubscribe"]);

        // The preferences link opens without signing in; the one-click POST (no cookies, no antiforgery) unsubscribes.
        using var reader = host.App.GetTestClient();
        var page = await reader.GetAsync(PathOf(preferences));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("sparse attention", await page.Content.ReadAsStringAsync());
        var oneClick = await reader.PostAsync(PathOf(header.Groups[1].Value),
            new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.False((await host.Get<SubscriptionStore>().FindAsync(s.Id))!.Active);

        // The outbox remembers it was sent; running again sends nothing more.
        var row = Assert.Single(await OutboxAsync(host, Daily.Key), r => r.SubscriptionId == s.Id);
        Assert.Equal(DigestStatus.Sent, row.Status);
        Assert.Equal(mail.MessageId, row.MessageId);
        await host.Get<DigestRun>().RunAsync([Daily]);
        Assert.Single(MailsTo(email));
    }

    private const string SubscriptionLinksOneClick = Paperboy.Subscriptions.SubscriptionLinks.OneClickBody;

    /// <summary>The site is mounted under /pb in the links; the test server serves from the root.</summary>
    private static string PathOf(string link) => new Uri(link).PathAndQuery[3..];

    [Fact]
    public async Task Hostile_titles_abstracts_and_saved_queries_are_html_encoded_and_kept_on_their_lines_in_text()
    {
        await using var host = await StartAsync();
        const string title = "<script>alert('x')</script> Bounds & <b>tight</b> \"sampler\"";
        const string abs = "For $\\mathcal{O}(d^k)$ with k < n and n > 3 we show <img src=x onerror=alert(1)> and </div><a href=\"https://evil.example\">click</a>\nSecond line.";
        await AddPapersAsync(host, Paper("2611.00021", title, Day, 9, abs));
        var email = Email("hostile");
        await SubscribeAsync(host, email, query: "sampler <b>");

        await host.Get<DigestRun>().RunAsync([Daily]);

        var mail = Assert.Single(MailsTo(email));
        var html = mail.HtmlBody!;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html);
        Assert.DoesNotContain("evil.example\"", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Bounds &amp; &lt;b&gt;tight&lt;/b&gt; &quot;sampler&quot;", html);
        Assert.Contains("k &lt; n and n &gt; 3", html);
        Assert.Contains("matches &#39;sampler &lt;b&gt;&#39;", html);
        // The text part shows the text as it is, but an abstract's newline cannot forge a line of the mail.
        Assert.Contains(title, mail.TextBody);
        Assert.Contains("click</a> Second line.", mail.TextBody);
    }

    [Fact]
    public async Task A_server_that_refuses_then_recovers_gets_the_digest_once_after_the_back_off()
    {
        var clock = new FixedClock(Morning);
        await using var host = await StartAsync(clock);
        await AddPapersAsync(host, Paper("2611.00031", "Retry-tolerant transformers", Day, 5));
        var email = Email("patient");
        var s = await SubscribeAsync(host, email);
        var run = host.Get<DigestRun>();

        smtp.Refuse(true);
        try
        {
            var refused = await run.RunAsync([Daily]);
            Assert.Equal(1, refused!.Delivery.Retrying);
            var row = (await OutboxAsync(host, Daily.Key)).Single(r => r.SubscriptionId == s.Id);
            Assert.Equal(DigestStatus.Pending, row.Status);
            Assert.Equal(1, row.Attempts);
            Assert.Contains("451", row.LastError);
            // First back-off: one minute, ±20 % jitter.
            Assert.InRange(row.NextAttemptAt - Morning.UtcDateTime, TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));

            // Not due yet: nothing is tried.
            clock.Now = Morning.AddSeconds(30);
            Assert.Equal(0, (await run.RunAsync([]))!.Delivery.Retrying);
            Assert.Equal(1, (await OutboxAsync(host, Daily.Key)).Single(r => r.SubscriptionId == s.Id).Attempts);

            // Due and still refused: the second wait doubles.
            clock.Now = Morning.AddMinutes(2);
            Assert.Equal(1, (await run.RunAsync([]))!.Delivery.Retrying);
            row = (await OutboxAsync(host, Daily.Key)).Single(r => r.SubscriptionId == s.Id);
            Assert.Equal(2, row.Attempts);
            Assert.InRange(row.NextAttemptAt - clock.Now.UtcDateTime, TimeSpan.FromSeconds(96), TimeSpan.FromSeconds(144));
        }
        finally { smtp.Refuse(false); }
        Assert.Empty(MailsTo(email));

        clock.Now = Morning.AddMinutes(10);
        var recovered = await run.RunAsync([Daily]);
        Assert.Equal(1, recovered!.Delivery.Sent);
        await run.RunAsync([Daily]);
        Assert.Single(MailsTo(email));
        var sent = (await OutboxAsync(host, Daily.Key)).Single(r => r.SubscriptionId == s.Id);
        Assert.Equal(DigestStatus.Sent, sent.Status);
        Assert.Equal(3, sent.Attempts);
        Assert.Equal(clock.Now.UtcDateTime, sent.SentAt);
    }

    [Fact]
    public async Task Through_an_hour_of_a_refusing_server_retries_back_off_exponentially_and_the_outbox_drains_once_when_it_recovers()
    {
        var clock = new FixedClock(Morning);
        await using var host = await StartAsync(clock);
        await AddPapersAsync(host, Paper("2611.00041", "Hour-long outages and the mail that survives them", Day, 5));
        var emails = new[] { Email("hour-a"), Email("hour-b"), Email("hour-c") };
        var ids = new List<long>();
        foreach (var e in emails) ids.Add((await SubscribeAsync(host, e)).Id);
        var run = host.Get<DigestRun>();

        smtp.Refuse(true);
        var attempts = new List<DateTime>();
        try
        {
            Assert.Equal(3, (await run.RunAsync([Daily]))!.Delivery.Retrying);
            attempts.Add(clock.Now.UtcDateTime);
            // Simulated time: jump to when all three are due again until an hour has passed; every attempt is refused.
            while (true)
            {
                var due = (await OutboxAsync(host, Daily.Key)).Where(r => ids.Contains(r.SubscriptionId)).Max(r => r.NextAttemptAt);
                if (due > Morning.UtcDateTime.AddHours(1)) break;
                clock.Now = new DateTimeOffset(due, TimeSpan.Zero);
                Assert.Equal(3, (await run.RunAsync([]))!.Delivery.Retrying);
                attempts.Add(due);
            }
        }
        finally { smtp.Refuse(false); }
        Assert.All(emails, e => Assert.Empty(MailsTo(e)));

        // 1, 2, 4, 8, 16, 32 minutes (±20 % jitter): six attempts within the hour, not sixty.
        var waits = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalMinutes).ToList();
        Assert.InRange(waits.Count, 4, 7);
        for (var k = 0; k < waits.Count; k++) Assert.InRange(waits[k], 0.79 * Math.Pow(2, k), 1.21 * Math.Pow(2, k));
        Assert.All(await OutboxAsync(host, Daily.Key), r => Assert.Equal(DigestStatus.Pending, r.Status));

        // Back: the next due attempt delivers each digest, and nothing is sent twice however often the host looks.
        clock.Now = new DateTimeOffset((await OutboxAsync(host, Daily.Key)).Max(r => r.NextAttemptAt), TimeSpan.Zero);
        Assert.Equal(3, (await run.RunAsync([]))!.Delivery.Sent);
        clock.Now = clock.Now.AddHours(1);
        Assert.Equal(0, (await run.RunAsync([Daily]))!.Delivery.Sent);
        Assert.All(emails, e => Assert.Single(MailsTo(e)));
        Assert.All(await OutboxAsync(host, Daily.Key), r => Assert.Equal(DigestStatus.Sent, r.Status));
    }

    [Fact]
    public async Task Permanent_refusals_are_recorded_and_suspend_the_subscription_after_the_limit_until_it_is_confirmed_again()
    {
        var clock = new FixedClock(Morning);
        await using var host = await StartAsync(clock, "--Digests:SuspendAfter=2");
        var days = new[] { Day, Day.AddDays(1), Day.AddDays(2) };
        await AddPapersAsync(host, days.Select((d, i) => Paper($"2611.0004{i}", $"Daily paper number {i}", d, 3)).ToArray());
        var bounce = await SubscribeAsync(host, Email("please-reject"));
        var fine = await SubscribeAsync(host, Email("fine"));
        var run = host.Get<DigestRun>();
        var periods = days.Select(d => DigestPeriod.Containing(SubscriptionFrequency.Daily, d)).ToArray();

        var first = await run.RunAsync([periods[0]]);
        Assert.Equal(1, first!.Delivery.Failed);
        var failed = (await OutboxAsync(host, periods[0].Key)).Single(r => r.SubscriptionId == bounce.Id);
        Assert.Equal(DigestStatus.Failed, failed.Status);
        Assert.Contains("550", failed.LastError);
        Assert.Equal(1, failed.Attempts);   // a permanent refusal is not retried
        Assert.Null((await host.Get<SubscriptionStore>().FindAsync(bounce.Id))!.SuspendedAt);

        var second = await run.RunAsync([periods[1]]);
        Assert.Equal(1, second!.Delivery.Suspended);
        var suspended = (await host.Get<SubscriptionStore>().FindAsync(bounce.Id))!;
        Assert.NotNull(suspended.SuspendedAt);
        Assert.False(suspended.Active);

        // Suspended: nothing composed for it any more; the other subscriber goes on.
        await run.RunAsync([periods[2]]);
        Assert.DoesNotContain(await OutboxAsync(host, periods[2].Key), r => r.SubscriptionId == bounce.Id);
        Assert.Equal(3, MailsTo(fine.Email).Count);
        Assert.Empty(MailsTo(bounce.Email));

        // The preferences page says so; confirming the address again lifts it.
        var links = host.Get<Paperboy.Subscriptions.SubscriptionLinks>();
        using var browser = host.App.GetTestClient();
        var page = await (await browser.GetAsync(new Uri(links.Preferences("http://localhost", bounce.Id)).PathAndQuery)).Content.ReadAsStringAsync();
        Assert.Contains("Digests to this address are paused", page);
        Assert.True(await host.Get<SubscriptionStore>().ConfirmAsync(bounce.Id));
        var lifted = (await host.Get<SubscriptionStore>().FindAsync(bounce.Id))!;
        Assert.True(lifted.Active);
        Assert.Equal(0, lifted.PermanentFailures);
    }
}
