using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.TestHost;
using Paperboy.Storage;
using Paperboy.Subscriptions;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Subscriptions;

/// <summary>
/// Trending papers by mail, end to end through a real SMTP server (aiosmtpd): double opt-in from a signed link, the
/// same answer for known and unknown addresses, one-click unsubscribe without antiforgery, signed links that cannot be
/// tampered with or reused for another purpose, and a rate limit on subscribing.
/// </summary>
public sealed partial class SubscriptionTests(SmtpServer smtp) : IClassFixture<SmtpServer>
{
    private Task<TestHost> StartAsync() =>
        TestHost.StartAsync(false, $"--Smtp:Host={smtp.Host}", $"--Smtp:Port={smtp.Port}", "--Smtp:Security=None");

    [GeneratedRegex(@"https?://[^\s""<>]+/subscribe/confirm\?token=[^\s""<>]+")]
    private static partial Regex ConfirmLink();

    [GeneratedRegex(@"<section class=""form-page"">.*?</section>", RegexOptions.Singleline)]
    private static partial Regex PageSection();

    private static string Email(string who) => $"{who}-{Guid.NewGuid():N}@example.org";

    private static Task<HttpResponseMessage> SubscribeAsync(HttpClient browser, string email, string frequency = "Daily", bool trending = true) =>
        Members.PostFormAsync(browser, "/subscribe", new()
        {
            ["Form.Email"] = email, ["Form.Frequency"] = frequency, ["Form.IncludeTrending"] = trending ? "true" : "false",
        });

    private List<MimeKit.MimeMessage> MailsTo(string email) =>
        smtp.Messages.Where(m => m.To.Mailboxes.Any(a => a.Address == email)).ToList();

    [Fact]
    public async Task Subscribing_mails_a_confirm_link_and_only_following_it_confirms()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        var email = Email("Ada");
        var response = await SubscribeAsync(browser, email, "Weekly", trending: false);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Check your inbox", await response.Content.ReadAsStringAsync());

        var store = host.Get<SubscriptionStore>();
        var pending = await store.FindByEmailAsync(email);
        Assert.NotNull(pending);
        Assert.Equal(email.ToLowerInvariant(), pending.Email);
        Assert.Equal(SubscriptionFrequency.Weekly, pending.Frequency);
        Assert.False(pending.IncludeTrending);
        Assert.Null(pending.ConfirmedAt);

        // Mail goes to the normalised (lower-cased) address.
        var mail = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == email.ToLowerInvariant()));
        Assert.Equal(SubscriptionMail.ConfirmSubject, mail.Subject);
        Assert.NotNull(mail.HtmlBody);
        var link = ConfirmLink().Match(mail.TextBody!).Value;
        Assert.NotEmpty(link);
        Assert.Null((await store.FindByEmailAsync(email))!.ConfirmedAt);

        var confirmed = await browser.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("Your subscription is confirmed", await confirmed.Content.ReadAsStringAsync());
        Assert.True((await store.FindByEmailAsync(email))!.Active);
    }

    [Fact]
    public async Task The_confirmation_mail_carries_one_click_unsubscribe_headers_that_work_without_antiforgery()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        var email = Email("grace");
        await SubscribeAsync(browser, email);
        var mail = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == email));

        var header = mail.Headers["List-Unsubscribe"];
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        var match = Regex.Match(header!, @"^<(https?://[^>]+/subscribe/unsubscribe\?token=[^>]+)>$");
        Assert.True(match.Success, header);
        await browser.GetAsync(new Uri(ConfirmLink().Match(mail.TextBody!).Value).PathAndQuery);

        // What a mail reader sends: a bare POST, no cookies, no antiforgery token.
        using var reader = host.App.GetTestClient();
        var oneClick = await reader.PostAsync(new Uri(match.Groups[1].Value).PathAndQuery,
            new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        var after = await host.Get<SubscriptionStore>().FindByEmailAsync(email);
        Assert.NotNull(after!.UnsubscribedAt);
        Assert.False(after.Active);
    }

    [Fact]
    public async Task The_unsubscribe_link_shows_a_button_and_only_the_post_unsubscribes()
    {
        await using var host = await StartAsync();
        var (store, links) = (host.Get<SubscriptionStore>(), host.Get<SubscriptionLinks>());
        var (s, _) = await store.RequestAsync(Email("button"), SubscriptionFrequency.Daily, true, null);
        await store.ConfirmAsync(s.Id);
        var path = new Uri(links.Unsubscribe("http://localhost", s.Id)).PathAndQuery;
        using var browser = Members.BrowserClient(host);
        Assert.Contains("<button type=\"submit\">Unsubscribe</button>", await browser.GetStringAsync(path));
        Assert.True((await store.FindAsync(s.Id))!.Active);

        var posted = await Members.PostFormAsync(browser, path, []);
        Assert.Contains("You are unsubscribed", await posted.Content.ReadAsStringAsync());
        Assert.NotNull((await store.FindAsync(s.Id))!.UnsubscribedAt);
    }

    [Fact]
    public async Task An_already_subscribed_address_gets_the_same_answer_and_no_second_mail()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        var known = Email("known");
        await SubscribeAsync(browser, known);
        var mail = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == known));
        await browser.GetAsync(new Uri(ConfirmLink().Match(mail.TextBody!).Value).PathAndQuery);
        Assert.True((await host.Get<SubscriptionStore>().FindByEmailAsync(known))!.Active);

        var stranger = Members.BrowserClient(host);
        var fresh = Email("fresh");
        var forFresh = await SubscribeAsync(stranger, fresh);
        var forKnown = await SubscribeAsync(stranger, known.ToUpperInvariant(), "Weekly", trending: false);
        Assert.Equal(forFresh.StatusCode, forKnown.StatusCode);
        var freshText = PageSection().Match(await forFresh.Content.ReadAsStringAsync()).Value;
        var knownText = PageSection().Match(await forKnown.Content.ReadAsStringAsync()).Value;
        Assert.Contains("Check your inbox", freshText);
        Assert.Equal(freshText, knownText);

        // Mail is handed over before the page answers: what has arrived is all there will be.
        await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == fresh));
        Assert.Single(MailsTo(known));
        // ...and a stranger changed nothing about the subscriber's choices.
        var after = await host.Get<SubscriptionStore>().FindByEmailAsync(known);
        Assert.Equal(SubscriptionFrequency.Daily, after!.Frequency);
        Assert.True(after.IncludeTrending);
        Assert.True(after.Active);
    }

    [Fact]
    public async Task Tampered_expired_and_wrong_purpose_tokens_change_nothing()
    {
        await using var host = await StartAsync();
        var (store, tokens) = (host.Get<SubscriptionStore>(), host.Get<SubscriptionTokens>());
        var (pending, _) = await store.RequestAsync(Email("pending"), SubscriptionFrequency.Daily, true, null);
        var (active, _) = await store.RequestAsync(Email("active"), SubscriptionFrequency.Daily, true, null);
        await store.ConfirmAsync(active.Id);
        using var browser = Members.BrowserClient(host);

        var good = tokens.Create(pending.Id, SubscriptionTokens.Confirm);
        var tampered = good[..^4] + (good.EndsWith("AAAA") ? "BBBB" : "AAAA");
        var expired = tokens.Create(pending.Id, SubscriptionTokens.Confirm, DateTimeOffset.UtcNow.AddMinutes(-1));
        var wrongPurpose = tokens.Create(pending.Id, SubscriptionTokens.Unsubscribe);
        foreach (var token in new[] { tampered, expired, wrongPurpose, "", "not-a-token" })
        {
            var page = await browser.GetAsync("/subscribe/confirm?token=" + Uri.EscapeDataString(token));
            Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
            Assert.Contains("invalid or has expired", await page.Content.ReadAsStringAsync());
        }
        Assert.Null((await store.FindAsync(pending.Id))!.ConfirmedAt);

        using var reader = host.App.GetTestClient();
        var badUnsubscribes = new[]
        {
            tokens.Create(active.Id, SubscriptionTokens.Unsubscribe, DateTimeOffset.UtcNow.AddMinutes(-1)),
            tokens.Create(active.Id, SubscriptionTokens.Confirm),
            tokens.Create(active.Id, SubscriptionTokens.Preferences),
            tokens.Create(active.Id, SubscriptionTokens.Unsubscribe)[..^4] + "AAAA",
        };
        foreach (var token in badUnsubscribes)
        {
            var post = await reader.PostAsync("/subscribe/unsubscribe?token=" + Uri.EscapeDataString(token),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
            Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
            Assert.Contains("invalid or has expired", await post.Content.ReadAsStringAsync());
        }
        Assert.True((await store.FindAsync(active.Id))!.Active);

        var prefs = await browser.GetAsync("/subscribe/preferences?token=" + Uri.EscapeDataString(tokens.Create(active.Id, SubscriptionTokens.Unsubscribe)));
        Assert.Equal(HttpStatusCode.BadRequest, prefs.StatusCode);
    }

    [Fact]
    public async Task Preferences_change_from_the_signed_link_and_need_the_antiforgery_token()
    {
        await using var host = await StartAsync();
        var (store, links) = (host.Get<SubscriptionStore>(), host.Get<SubscriptionLinks>());
        var (s, _) = await store.RequestAsync(Email("prefs"), SubscriptionFrequency.Daily, true, null);
        await store.ConfirmAsync(s.Id);
        var path = new Uri(links.Preferences("http://localhost", s.Id)).PathAndQuery;
        using var browser = Members.BrowserClient(host);

        var forged = await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
            { ["Form.Frequency"] = "Weekly", ["Form.IncludeTrending"] = "false" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(SubscriptionFrequency.Daily, (await store.FindAsync(s.Id))!.Frequency);

        var saved = await Members.PostFormAsync(browser, path, new() { ["Form.Frequency"] = "Weekly", ["Form.IncludeTrending"] = "false" });
        Assert.Contains("Your preferences are saved", await saved.Content.ReadAsStringAsync());
        var after = await store.FindAsync(s.Id);
        Assert.Equal(SubscriptionFrequency.Weekly, after!.Frequency);
        Assert.False(after.IncludeTrending);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("ada@")]
    [InlineData("Ada <ada@example.org>")]
    [InlineData("ada@example.org, eve@example.org")]
    [InlineData("ada@localhost")]
    public async Task A_malformed_address_is_refused_and_nothing_is_stored(string email)
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        var response = await SubscribeAsync(browser, email);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Enter a mail address such as", html);
        Assert.DoesNotContain("Check your inbox", html);
        Assert.Null(await host.Get<SubscriptionStore>().FindByEmailAsync(email));
        await using var db = await host.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        Assert.Equal(0, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Subscriptions));
    }

    [Fact]
    public async Task An_overlong_address_is_refused_and_nothing_is_stored()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        var response = await SubscribeAsync(browser, new string('a', 250) + "@example.org");
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Check your inbox", html);
        Assert.Contains("maximum length of 254", html);
        await using var db = await host.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        Assert.Equal(0, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Subscriptions));
    }

    [Fact]
    public async Task A_flood_of_subscribe_posts_is_answered_with_429_and_Retry_After()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 8 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
            last = await SubscribeAsync(browser, "not an address " + i);
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.True(int.Parse(last.Headers.GetValues("Retry-After").Single()) > 0);
        // The form itself can still be read.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/subscribe")).StatusCode);
    }
}
