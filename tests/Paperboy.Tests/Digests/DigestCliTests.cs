using Paperboy.Storage;
using Paperboy.Tests.Storage;
using Paperboy.Tests.Support;
using static Paperboy.Tests.Digests.DigestWorld;

namespace Paperboy.Tests.Digests;

/// <summary><c>paperboy digest preview</c> on the real binary: what an address would get, and clear errors for bad input.</summary>
public sealed class DigestCliTests
{
    private static async Task<(TestStore Store, Subscription Subscription)> WorldAsync()
    {
        var store = await TestStore.CreateAsync();
        await store.Store.ImportAsync([
            Paper("2611.00061", "Diffusion samplers for protein design", Day, 20),
            Paper("2611.00062", "Sparse attention <at> scale", Day, 4),
            Paper("2611.00063", "Yesterday's news", Day.AddDays(-1), 99),
        ]);
        var subscriptions = new SubscriptionStore(store.Factory, TimeProvider.System);
        var (s, _) = await subscriptions.RequestAsync("Preview@Example.org", SubscriptionFrequency.Daily, true, "protein design", null);
        await subscriptions.ConfirmAsync(s.Id);
        return (store, s);
    }

    [Fact]
    public async Task Preview_prints_the_text_part_an_address_would_get_and_writes_nothing()
    {
        var (store, _) = await WorldAsync();
        await using var _ = store;

        var r = await PaperboyCli.RunAsync("digest", "preview", "--email", "PREVIEW@example.org", "--date", "2026-11-23", "--data", store.DataDir);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("Subject: Paperboy daily digest: Monday, November 23, 2026", r.Stdout);
        Assert.Contains("YOUR SAVED SEARCH", r.Stdout);
        Assert.Contains("1. Diffusion samplers for protein design", r.Stdout);
        Assert.Contains("matches 'protein design'", r.Stdout);
        Assert.Contains("2. Sparse attention <at> scale", r.Stdout);      // text as it is: this is the text part
        Assert.Contains("http://localhost:8080/papers/2611.00061", r.Stdout);
        Assert.Contains("Unsubscribe: http://localhost:8080/subscribe/unsubscribe?token=", r.Stdout);
        Assert.DoesNotContain("Yesterday's news", r.Stdout);
        await using var db = await store.Factory.CreateDbContextAsync();
        Assert.Empty(db.DigestOutbox);
    }

    [Fact]
    public async Task Preview_of_an_empty_period_says_nothing_would_be_sent()
    {
        var (store, _) = await WorldAsync();
        await using var _ = store;

        var r = await PaperboyCli.RunAsync("digest", "preview", "--email", "preview@example.org", "--period", "daily", "--date", "2026-11-20", "--data", store.DataDir);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stdout);
        Assert.Contains("nothing for preview@example.org in daily:2026-11-20", r.Stderr);
    }

    [Theory]
    [InlineData("nobody@example.org", "no subscription for nobody@example.org", 1)]
    [InlineData("not an address", "is not a mail address", 1)]
    [InlineData("a@b", "is not a mail address", 1)]
    public async Task Preview_for_an_unknown_or_malformed_address_fails_clearly(string email, string error, int exit)
    {
        var (store, _) = await WorldAsync();
        await using var _ = store;

        var r = await PaperboyCli.RunAsync("digest", "preview", "--email", email, "--data", store.DataDir);

        Assert.Equal(exit, r.ExitCode);
        Assert.Contains(error, r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public async Task Bad_dates_periods_and_overlong_addresses_are_refused()
    {
        var (store, _) = await WorldAsync();
        await using var _ = store;

        var overlong = await PaperboyCli.RunAsync("digest", "preview", "--email", new string('a', 250) + "@example.org", "--data", store.DataDir);
        Assert.Equal(1, overlong.ExitCode);
        Assert.Contains("is not a mail address", overlong.Stderr);
        Assert.True(overlong.Stderr.Length < 400, overlong.Stderr);   // the address is shortened in the message

        var date = await PaperboyCli.RunAsync("digest", "send", "--date", "2026-13-01", "--data", store.DataDir);
        Assert.Equal(2, date.ExitCode);
        Assert.Contains("--date '2026-13-01' is not a date (YYYY-MM-DD)", date.Stderr);

        var period = await PaperboyCli.RunAsync("digest", "send", "--period", "hourly", "--data", store.DataDir);
        Assert.Equal(2, period.ExitCode);
        Assert.Contains("hourly", period.Stderr);
    }
}
