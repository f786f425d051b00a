using System.Net;
using Paperboy.Storage;
using Paperboy.Subscriptions;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Digests.DigestWorld;

namespace Paperboy.Tests.Digests;

/// <summary>The saved search a digest alerts on: set on /subscribe, changed from the signed preferences link, validated on both.</summary>
public sealed class SavedSearchFormTests(SmtpServer smtp) : IClassFixture<SmtpServer>
{
    private Task<TestHost> StartAsync() =>
        TestHost.StartAsync(false, $"--Smtp:Host={smtp.Host}", $"--Smtp:Port={smtp.Port}", "--Smtp:Security=None", "--PublicUrl=https://papers.example.org/");

    private static Task<HttpResponseMessage> SubscribeAsync(HttpClient browser, string email, string query) =>
        Members.PostFormAsync(browser, "/subscribe", new()
        {
            ["Form.Email"] = email, ["Form.Frequency"] = "Daily", ["Form.IncludeTrending"] = "true", ["Form.SavedQuery"] = query,
        });

    [Fact]
    public async Task Subscribing_keeps_a_trimmed_saved_search_and_an_overlong_one_is_refused_with_nothing_stored()
    {
        await using var host = await StartAsync();
        using var browser = Members.BrowserClient(host);
        var store = host.Get<SubscriptionStore>();

        var ok = Email("alerts");
        Assert.Contains("Check your inbox", await (await SubscribeAsync(browser, ok, "  \"diffusion sampler\" -survey  ")).Content.ReadAsStringAsync());
        Assert.Equal("\"diffusion sampler\" -survey", (await store.FindByEmailAsync(ok))!.SavedQuery);
        // The confirmation link is built on PublicUrl, not on the Host the request came with (http://localhost here).
        var confirmation = await smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == ok));
        Assert.Contains("https://papers.example.org/subscribe/confirm?token=", confirmation.TextBody);
        Assert.StartsWith("<https://papers.example.org/subscribe/unsubscribe?token=", confirmation.Headers["List-Unsubscribe"]);

        var tooLong = Email("toolong");
        var html = await (await SubscribeAsync(browser, tooLong, new string('q', Subscription.MaxSavedQuery + 1))).Content.ReadAsStringAsync();
        Assert.Contains($"The saved search can be at most {Subscription.MaxSavedQuery} characters.", html);
        Assert.DoesNotContain("Check your inbox", html);
        Assert.Null(await store.FindByEmailAsync(tooLong));
    }

    [Fact]
    public async Task The_preferences_link_changes_or_clears_the_saved_search_and_bad_input_or_a_bad_token_changes_nothing()
    {
        await using var host = await StartAsync();
        var s = await DigestWorld.SubscribeAsync(host, Email("prefs"), query: "graph anomaly");
        var links = host.Get<SubscriptionLinks>();
        var path = new Uri(links.Preferences("http://localhost", s.Id)).PathAndQuery;
        using var browser = Members.BrowserClient(host);
        var store = host.Get<SubscriptionStore>();

        Assert.Contains("value=\"graph anomaly\"", await browser.GetStringAsync(path));
        var saved = await Members.PostFormAsync(browser, path, new() { ["Form.Frequency"] = "Daily", ["Form.IncludeTrending"] = "true", ["Form.SavedQuery"] = "protein folding" });
        Assert.Contains("Your preferences are saved", await saved.Content.ReadAsStringAsync());
        Assert.Equal("protein folding", (await store.FindAsync(s.Id))!.SavedQuery);

        var refused = await Members.PostFormAsync(browser, path, new() { ["Form.Frequency"] = "Weekly", ["Form.IncludeTrending"] = "true", ["Form.SavedQuery"] = "bad\u0007query" });
        Assert.Contains("cannot contain control characters", await refused.Content.ReadAsStringAsync());
        var unchanged = (await store.FindAsync(s.Id))!;
        Assert.Equal("protein folding", unchanged.SavedQuery);
        Assert.Equal(SubscriptionFrequency.Daily, unchanged.Frequency);

        var tampered = path[..^4] + (path.EndsWith("AAAA") ? "BBBB" : "AAAA");
        var forged = await browser.GetAsync(tampered);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        await Members.PostFormAsync(browser, path, new() { ["Form.Frequency"] = "Daily", ["Form.IncludeTrending"] = "true", ["Form.SavedQuery"] = "   " });
        Assert.Null((await store.FindAsync(s.Id))!.SavedQuery);
    }
}
