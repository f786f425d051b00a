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

    /// <summary>Follows a confirmation link as a person does: the page, then its button.</summary>
    private static async Task<HttpResponseMessage> ConfirmAsync(HttpClient browser, string link)
    {
        var path = new Uri(link).PathAndQuery;
        await browser.GetAsync(path);
        return await Members.PostFormAsync(browser, path, []);
    }

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

        // Following the link (what a mail filter's link scanner also does) only shows a button.
        var shown = await browser.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains("<button type=\"submit\">Confirm my subscription</button>", await shown.Content.ReadAsStringAsync());
        Assert.Null((await store.FindByEmailAsync(email))!.ConfirmedAt);

        var confirmed = await ConfirmAsync(browser, link);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("Your subscription is confirmed", await confirmed.Content.ReadAsStringAsync());
        Assert.True((await store.FindByEmailAsync(email))!.Active);

        // The button without the form's antiforgery token changes nothing for anyone.
        var (other, _) = await store.RequestAsync(Email("forged"), SubscriptionFrequency.Daily, true, null);
        var forged = await browser.PostAsync("/subscribe/confirm?token=" + Uri.EscapeDataString(host.Get<SubscriptionTokens>().Create(other.Id, SubscriptionTokens.Confirm)),
            new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null((await store.FindAsync(other.Id))!.ConfirmedAt);
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
        await ConfirmAsync(browser, ConfirmLink().Match(mail.TextBody!).Value);

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
        await ConfirmAsync(browser, ConfirmLink().Match(mail.TextBody!).Value);
        Assert.True((await host.Get<SubscriptionStore>().FindByEmailAsync(known))!.Active);

        var stranger = Members.BrowserClient(host);
        var fresh = Email("fresh");
        var forKnown = await SubscribeAsync(stranger, known.ToUpperInvariant(), "Weekly", trending: false);
        var forFresh = await SubscribeAsync(stranger, fresh);
        Assert.Equal(forFresh.StatusCode, forKnown.StatusCode);
        var freshText = PageSection().Match(await forFresh.Content.ReadAsStringAsync()).Value;
        var knownText = PageSection().Match(await forKnown.Content.ReadAsStringAsync()).Value;
        Assert.Contains("Check your inbox", freshText);
        Assert.Equal(freshText, knownText);

        // Confirmation mails go out in the order asked for: once the fresh address's has arrived, any for the known one would have too.
        await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == fresh));
        Assert.Single(MailsTo(known));
        // ...and a stranger changed nothing about the subscriber's choices.
        var after = await host.Get<SubscriptionStore>().FindByEmailAsync(known);
        Assert.Equal(SubscriptionFrequency.Daily, after!.Frequency);
        Assert.True(after.IncludeTrending);
        Assert.True(after.Active);
    }

    [Fact]
    public async Task The_page_answers_without_waiting_for_the_mail_server_and_a_refused_confirmation_is_sent_again()
    {
        await using var controlled = await Digests.ControlledSmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(false, $"--Smtp:Host={controlled.Host}", $"--Smtp:Port={controlled.Port}", "--Smtp:Security=None");
        using var browser = Members.BrowserClient(host);

        // A mail server that holds every message: the page has answered while the mail is still being handed over.
        controlled.Hold(true);
        var held = Email("held");
        var answer = await SubscribeAsync(browser, held);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("Check your inbox", await answer.Content.ReadAsStringAsync());
        var until = DateTime.UtcNow.AddSeconds(30);
        while (controlled.Holding == 0 && DateTime.UtcNow < until) await Task.Delay(50);
        Assert.Equal(1, controlled.Holding);
        controlled.Hold(false);
        await controlled.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == held));

        // A mail server that refuses (451) and then recovers: the confirmation is tried again after a back-off.
        controlled.Refuse(true);
        var refused = Email("refused");
        Assert.Equal(HttpStatusCode.OK, (await SubscribeAsync(browser, refused)).StatusCode);
        await Task.Delay(1500);
        Assert.DoesNotContain(controlled.Messages, m => m.To.Mailboxes.Any(a => a.Address == refused));
        controlled.Refuse(false);
        var mail = await controlled.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == refused), TimeSpan.FromSeconds(30));
        Assert.Equal(SubscriptionMail.ConfirmSubject, mail.Subject);
        Assert.Single(controlled.Messages, m => m.To.Mailboxes.Any(a => a.Address == refused));
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
            var post = await Members.PostFormAsync(browser, "/subscribe/confirm?token=" + Uri.EscapeDataString(token), [], formPage: "/subscribe");
            Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
            Assert.Contains("invalid or has expired", await post.Content.ReadAsStringAsync());
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
