using System.Net;
using System.Text.RegularExpressions;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>
/// Accounts end to end: sign-up mails a confirmation link through a real SMTP server (aiosmtpd), nobody signs in
/// before confirming, repeated failures lock the account, sign-in is rate-limited and never redirects off-site.
/// </summary>
public sealed partial class AccountTests(SmtpServer smtp) : IClassFixture<SmtpServer>
{
    private Task<TestHost> StartAsync() =>
        TestHost.StartAsync(true, $"--Smtp:Host={smtp.Host}", $"--Smtp:Port={smtp.Port}", "--Smtp:Security=None");

    [GeneratedRegex(@"https?://[^\s""<>]+/account/confirm\?[^\s""<>]+")]
    private static partial Regex ConfirmLink();

    [Fact]
    public async Task Signing_up_mails_a_signed_link_and_only_a_confirmed_member_signs_in()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        var email = $"ada-{Guid.NewGuid():N}@example.org";
        var signUp = await Members.PostFormAsync(browser, "/account/signup",
            new() { ["Form.Email"] = email, ["Form.DisplayName"] = "Ada", ["Form.Password"] = Members.Password });
        Assert.Contains("Check your inbox", await signUp.Content.ReadAsStringAsync());

        var mail = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == email));
        Assert.Equal("Confirm your Paperboy account", mail.Subject);
        Assert.NotNull(mail.TextBody);
        Assert.NotNull(mail.HtmlBody);
        var link = ConfirmLink().Match(mail.TextBody).Value;
        Assert.NotEmpty(link);

        // Before confirming: refused, with a clear reason.
        var early = await Members.PostFormAsync(browser, "/account/signin", new() { ["Form.Email"] = email, ["Form.Password"] = Members.Password });
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Contains("Confirm your address first", await early.Content.ReadAsStringAsync());

        // A tampered token confirms nothing.
        var tampered = await browser.GetStringAsync(new Uri(link).PathAndQuery[..^4] + "AAAA");
        Assert.Contains("invalid or has expired", tampered);

        var confirmed = await browser.GetStringAsync(new Uri(link).PathAndQuery);
        Assert.Contains("Your address is confirmed", confirmed);
        var signIn = await Members.PostFormAsync(browser, "/account/signin", new() { ["Form.Email"] = email, ["Form.Password"] = Members.Password });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains("Ada", await browser.GetStringAsync("/"));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        await using var host = await StartAsync();
        var user = await Members.CreateAsync(host, $"lock-{Guid.NewGuid():N}@example.org");
        using var browser = Members.BrowserClient(host);
        for (var i = 0; i < 5; i++)
            await Members.PostFormAsync(browser, "/account/signin", new() { ["Form.Email"] = user.Email!, ["Form.Password"] = "wrong password " + i });
        var right = await Members.PostFormAsync(browser, "/account/signin", new() { ["Form.Email"] = user.Email!, ["Form.Password"] = Members.Password });
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Guessing_passwords_quickly_is_answered_with_429_and_Retry_After()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 12 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
            last = await Members.PostFormAsync(browser, "/account/signin", new() { ["Form.Email"] = $"nobody{i}@example.org", ["Form.Password"] = "guess guess guess" });
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.True(int.Parse(last.Headers.GetValues("Retry-After").Single()) > 0);
    }

    [Theory]
    [InlineData("https://evil.example/phish")]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example/phish")]
    public async Task Sign_in_never_redirects_to_another_site(string returnUrl)
    {
        await using var host = await StartAsync();
        var user = await Members.CreateAsync(host, $"ret-{Guid.NewGuid():N}@example.org");
        using var browser = Members.BrowserClient(host);
        var response = await Members.PostFormAsync(browser, "/account/signin?returnUrl=" + Uri.EscapeDataString(returnUrl),
            new() { ["Form.Email"] = user.Email!, ["Form.Password"] = Members.Password, ["ReturnUrl"] = returnUrl });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_password_reset_link_from_the_mail_changes_the_password()
    {
        await using var host = await StartAsync();
        var user = await Members.CreateAsync(host, $"reset-{Guid.NewGuid():N}@example.org");
        using var browser = Members.BrowserClient(host);
        await Members.PostFormAsync(browser, "/account/forgot", new() { ["Email"] = user.Email! });
        var mail = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == user.Email));
        var link = Regex.Match(mail.TextBody, @"https?://[^\s]+/account/reset\?[^\s]+").Value;
        var path = new Uri(link).PathAndQuery;
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(link).Query);
        var reset = await Members.PostFormAsync(browser, path,
            new() { ["UserId"] = query["userId"]!, ["Code"] = query["code"]!, ["Password"] = "a brand new passphrase" });
        Assert.Contains("Your password is changed", await reset.Content.ReadAsStringAsync());
        using var again = await Members.SignedInClientAsync(host, user.Email!, "a brand new passphrase");
    }

    [Fact]
    public async Task Managing_tokens_needs_a_member_and_nobody_revokes_anothers_token()
    {
        await using var host = await StartAsync();
        var anonymous = await host.Client.GetAsync("/account/tokens");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/account/signin", anonymous.Headers.Location?.PathAndQuery);

        var owner = await Members.CreateAsync(host, $"owner-{Guid.NewGuid():N}@example.org");
        var (token, _) = await host.Get<Paperboy.Storage.ApiTokenStore>().CreateAsync(owner.Id, "mine");
        var thief = await Members.CreateAsync(host, $"thief-{Guid.NewGuid():N}@example.org");
        using var browser = await Members.SignedInClientAsync(host, thief.Email!);
        var revoke = await Members.PostFormAsync(browser, $"/account/tokens?handler=Revoke&id={token.Id}", [], formPage: "/account/tokens");
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Single(await host.Get<Paperboy.Storage.ApiTokenStore>().ListAsync(owner.Id));
    }
}

/// <summary>Admin pages are for admins only.</summary>
public sealed class AdminTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    [Fact]
    public async Task Only_an_admin_sees_the_admin_page_and_a_member_cannot_lock_anyone()
    {
        var host = shared.Host;
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await host.Client.GetAsync("/admin")).StatusCode);

        var member = await Members.CreateAsync(host, $"plain-{Guid.NewGuid():N}@example.org");
        using var memberBrowser = await Members.SignedInClientAsync(host, member.Email!);
        var denied = await memberBrowser.GetAsync("/admin");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("/error/403", denied.Headers.Location?.PathAndQuery);

        var admin = await Members.CreateAsync(host, $"boss-{Guid.NewGuid():N}@example.org", admin: true);
        using var adminBrowser = await Members.SignedInClientAsync(host, admin.Email!);
        var page = await adminBrowser.GetStringAsync("/admin");
        Assert.Contains(member.Email!, page);

        var locked = await Members.PostFormAsync(adminBrowser, $"/admin?handler=Lock&id={member.Id}&locked=true", [], formPage: "/admin");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, locked.StatusCode);
        var relogin = await Members.PostFormAsync(Members.BrowserClient(host), "/account/signin", new() { ["Form.Email"] = member.Email!, ["Form.Password"] = Members.Password });
        Assert.Contains("locked", await relogin.Content.ReadAsStringAsync());
    }
}
