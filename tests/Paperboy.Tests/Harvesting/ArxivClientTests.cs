using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Paperboy.Core.Papers;
using Paperboy.Harvesting;

namespace Paperboy.Tests.Harvesting;

/// <summary>The arXiv client against a real HTTP server on 127.0.0.1 that replays recorded arXiv API answers.</summary>
public sealed class ArxivClientTests
{
    [Fact]
    public async Task Fetches_the_paper_with_one_polite_request()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var paper = await sp.Client().FetchAsync("2310.02861");

        Assert.Equal("2310.02861", paper.Id);
        Assert.Equal("2310.02861", paper.ArxivId);
        Assert.Equal(2, paper.Version);
        Assert.Equal("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", paper.Title);
        Assert.StartsWith("Graph-level anomaly detection has gained significant attention", paper.Abstract);
        Assert.Equal(["Xiangyu Dong", "Xingyi Zhang", "Sibo Wang"], paper.Authors);
        Assert.Equal(new DateOnly(2023, 10, 4), paper.PublishedAt);
        Assert.Equal("cs.LG", paper.PrimaryCategory);
        Assert.Equal(["cs.LG", "cs.AI"], paper.Categories);
        Assert.Contains(paper.Links, l => l is { Kind: PaperLink.Pdf, Url: "https://arxiv.org/pdf/2310.02861v2" });
        Assert.Contains(paper.Links, l => l is { Kind: PaperLink.Code, Url: "https://github.com/xydong127/RQGNN" });
        Assert.Null(paper.SubmittedBy);

        var r = Assert.Single(server.Requests);
        Assert.Equal("/api/query", r.Path);
        Assert.Equal("2310.02861", r.IdList);
        Assert.Equal("1", r.MaxResults);
        Assert.Equal("Paperboy/1.0 (+self-hosted paper discovery; mailto:admin@localhost)", r.UserAgent);
        Assert.Contains("application/atom+xml", r.Accept);
    }

    [Fact]
    public async Task Sends_the_configured_user_agent()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        const string ua = "Paperboy/1.0 (+https://papers.example.org; mailto:ops@example.org)";
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["UserAgent"] = ua });

        await sp.Client().FetchAsync("2310.02861");

        Assert.Equal(ua, Assert.Single(server.Requests).UserAgent);
    }

    [Theory]
    [InlineData("https://arxiv.org/abs/2310.02861v2")]
    [InlineData("https://arxiv.org/abs/2310.02861")]
    [InlineData("http://www.arxiv.org/pdf/2310.02861v1.pdf")]
    [InlineData("https://arxiv.org/html/2310.02861v2")]
    [InlineData("2310.02861v2")]
    [InlineData("arXiv:2310.02861v1")]
    [InlineData("  2310.02861  ")]
    public async Task Urls_and_versioned_ids_ask_for_the_latest_version_of_the_bare_id(string idOrUrl)
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var paper = await sp.Client().FetchAsync(idOrUrl);

        Assert.Equal("2310.02861", paper.Id);
        Assert.Equal(2, paper.Version);
        Assert.Equal("2310.02861", Assert.Single(server.Requests).IdList);
    }

    [Fact]
    public async Task Old_style_ids_are_sent_with_their_slash()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("https://arxiv.org/abs/math.GT/0601001v3"));

        Assert.Equal(ArxivErrorKind.NotFound, e.Kind); // the replay server has no recording for it: the empty feed
        Assert.Equal("math/0601001", Assert.Single(server.Requests).IdList);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("hello")]
    [InlineData("2310.1")]
    [InlineData("2310.028610")]
    [InlineData("2310.02861&id_list=2310.01234")]
    [InlineData("2310.02861 OR 1=1")]
    [InlineData("https://example.org/abs/2310.02861")]
    [InlineData("https://arxiv.org/list/cs.LG/recent")]
    [InlineData("../../etc/passwd")]
    public async Task Bad_ids_are_refused_before_anything_is_sent(string idOrUrl)
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync(idOrUrl));

        Assert.Equal(ArxivErrorKind.BadId, e.Kind);
        Assert.Contains("is not an arXiv id", e.Message);
        Assert.Null(e.Status);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Null_is_a_bad_id_too()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync(null!));

        Assert.Equal(ArxivErrorKind.BadId, e.Kind);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_empty_feed_is_not_found()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => Reply.Replay("empty.atom"));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2312.99999"));

        Assert.Equal(ArxivErrorKind.NotFound, e.Kind);
        Assert.Equal("arXiv has no paper 2312.99999", e.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task An_error_entry_is_not_found_with_arxivs_reason()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => Reply.Replay("error.atom"));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("1234.56789"));

        Assert.Equal(ArxivErrorKind.NotFound, e.Kind);
        Assert.Contains("incorrect id format for 1234.56789", e.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Http_404_is_not_found_and_not_retried()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => Reply.Fault(404));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));

        Assert.Equal(ArxivErrorKind.NotFound, e.Kind);
        Assert.Equal(HttpStatusCode.NotFound, e.Status);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_malformed_body_is_a_bad_response_and_not_retried()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => Reply.Replay("truncated.atom"));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));

        Assert.Equal(ArxivErrorKind.BadResponse, e.Kind);
        Assert.Contains("malformed XML", e.Message);
        Assert.Equal(HttpStatusCode.OK, e.Status);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("<html><body>Service temporarily unavailable</body></html>", "not an Atom feed")]
    [InlineData("   ", "empty")]
    public async Task Html_or_blank_instead_of_a_feed_is_a_bad_response(string body, string reason)
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => new Reply(Body: body));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));

        Assert.Equal(ArxivErrorKind.BadResponse, e.Kind);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public async Task Another_paper_than_the_one_asked_for_is_a_bad_response()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => Reply.Replay("2310.02861.atom"));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2401.00001"));

        Assert.Equal(ArxivErrorKind.BadResponse, e.Kind);
        Assert.Contains("answered 2310.02861 when asked for 2401.00001", e.Message);
    }

    [Fact]
    public async Task A_503_with_retry_after_is_retried_after_the_time_asked()
    {
        await using var server = await ArxivReplayServer.StartAsync(r => r.Number == 1 ? Reply.Fault(503, retryAfter: "1") : null);
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var paper = await sp.Client().FetchAsync("2310.02861");

        Assert.Equal("2310.02861", paper.Id);
        var rs = server.Requests;
        Assert.Equal(2, rs.Count);
        // The back-off alone is ~10 ms here: the second second comes from Retry-After.
        Assert.True(rs[1].Since(rs[0]) >= TimeSpan.FromMilliseconds(900), $"retried after {rs[1].Since(rs[0]).TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_retry_after_holds_back_the_next_fetch_too()
    {
        await using var server = await ArxivReplayServer.StartAsync(r => r.Number == 1 ? Reply.Fault(503, retryAfter: "1") : null);
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["MaxRetries"] = "0" });

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));
        Assert.Equal(ArxivErrorKind.Unavailable, e.Kind);
        await sp.Client().FetchAsync("2310.02861");

        var rs = server.Requests;
        Assert.Equal(2, rs.Count);
        Assert.True(rs[1].Since(rs[0]) >= TimeSpan.FromMilliseconds(900), $"next fetch after {rs[1].Since(rs[0]).TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_passing_500_is_retried_with_back_off()
    {
        await using var server = await ArxivReplayServer.StartAsync(r => r.Number <= 2 ? Reply.Fault(r.Number == 1 ? 500 : 502) : null);
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["RetryBaseDelay"] = "00:00:00.100" });

        var paper = await sp.Client().FetchAsync("2310.02861");

        Assert.Equal("2310.02861", paper.Id);
        var rs = server.Requests;
        Assert.Equal(3, rs.Count);
        // 100 ms, then 200 ms, each with at most 25% jitter off (75 and 150 ms). The server stamps a request when its
        // handler runs, so a first request stamped a few ms late shortens the gap seen (74 ms was seen once in CI):
        // 10 ms of slack. Without back-off a retry follows in about a millisecond.
        Assert.True(rs[1].Since(rs[0]) >= TimeSpan.FromMilliseconds(65), $"first retry after {rs[1].Since(rs[0]).TotalMilliseconds:0} ms");
        Assert.True(rs[2].Since(rs[1]) >= TimeSpan.FromMilliseconds(140), $"second retry after {rs[2].Since(rs[1]).TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Always_503_is_unavailable_after_the_retries()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => Reply.Fault(503));
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["MaxRetries"] = "2" });

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));

        Assert.Equal(ArxivErrorKind.Unavailable, e.Kind);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Status);
        Assert.Contains("503", e.Message);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_retry_after_longer_than_we_wait_is_unavailable_at_once()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => Reply.Fault(503, retryAfter: "3600"));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));

        Assert.Equal(ArxivErrorKind.Unavailable, e.Kind);
        Assert.Single(server.Requests);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Too_many_requests_is_retried()
    {
        await using var server = await ArxivReplayServer.StartAsync(r => r.Number == 1 ? Reply.Fault(429, retryAfter: "0") : null);
        await using var sp = ArxivTestServices.Build(server.ApiUrl);

        Assert.Equal("2310.02861", (await sp.Client().FetchAsync("2310.02861")).Id);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_server_slower_than_the_timeout_is_unavailable_quickly()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => new Reply(Recording: "2310.02861.atom", Delay: TimeSpan.FromSeconds(30)));
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?>
        {
            ["Timeout"] = "00:00:00.200",
            ["MaxRetries"] = "1",
        });

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));
        watch.Stop();

        Assert.Equal(ArxivErrorKind.Unavailable, e.Kind);
        Assert.Contains("did not answer within 200 ms (2 attempts)", e.Message);
        // Both attempts normally reach the server; on a starved machine an attempt may time out before it does.
        Assert.InRange(server.Requests.Count, 1, 2);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_slow_first_attempt_is_retried_and_can_succeed()
    {
        await using var server = await ArxivReplayServer.StartAsync(r =>
            r.Number == 1 ? new Reply(Recording: "2310.02861.atom", Delay: TimeSpan.FromSeconds(30)) : null);
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["Timeout"] = "00:00:00.300" });

        Assert.Equal("2310.02861", (await sp.Client().FetchAsync("2310.02861")).Id);
        Assert.InRange(server.Requests.Count, 2, 4);
    }

    [Fact]
    public async Task A_refused_connection_is_unavailable_after_the_retries()
    {
        string apiUrl;
        await using (var gone = await ArxivReplayServer.StartAsync()) apiUrl = gone.ApiUrl; // a port nobody listens on now
        await using var sp = ArxivTestServices.Build(apiUrl, new Dictionary<string, string?> { ["MaxRetries"] = "1" });

        var e = await Assert.ThrowsAsync<ArxivException>(() => sp.Client().FetchAsync("2310.02861"));

        Assert.Equal(ArxivErrorKind.Unavailable, e.Kind);
        Assert.Contains("could not be reached", e.Message);
        Assert.Contains("(2 attempts)", e.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_stops_the_fetch()
    {
        await using var server = await ArxivReplayServer.StartAsync(_ => new Reply(Recording: "2310.02861.atom", Delay: TimeSpan.FromSeconds(30)));
        await using var sp = ArxivTestServices.Build(server.ApiUrl);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sp.Client().FetchAsync("2310.02861", cts.Token));
        Assert.InRange(server.Requests.Count, 0, 1); // not retried
        await Task.Delay(100);
        Assert.InRange(server.Requests.Count, 0, 1);
    }

    [Fact]
    public async Task Requests_are_spaced_by_the_minimum_interval()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["MinInterval"] = "00:00:00.200" });

        for (var i = 0; i < 3; i++) await sp.Client().FetchAsync("2310.02861");

        var rs = server.Requests;
        Assert.Equal(3, rs.Count);
        // The gate spaces the end of one request from the start of the next by 200 ms; the server stamps a request when
        // its handler runs, which a loaded machine can delay by tens of milliseconds. Without the gate the gaps are ~1 ms.
        Assert.True(rs[2].Since(rs[0]) >= TimeSpan.FromMilliseconds(300), $"three fetches in {rs[2].Since(rs[0]).TotalMilliseconds:0} ms");
        Assert.All(rs.Skip(1).Zip(rs), p => Assert.True(p.First.Since(p.Second) >= TimeSpan.FromMilliseconds(150), $"{p.First.Since(p.Second).TotalMilliseconds:0} ms apart"));
    }

    [Fact]
    public async Task Concurrent_fetches_from_different_clients_share_the_rate_limit()
    {
        await using var server = await ArxivReplayServer.StartAsync();
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["MinInterval"] = "00:00:00.200" });

        var clients = Enumerable.Range(0, 3).Select(_ => sp.Client()).ToList();
        Assert.NotSame(clients[0], clients[1]);
        var papers = await Task.WhenAll(clients.Select(c => c.FetchAsync("https://arxiv.org/abs/2310.02861v2")));

        Assert.All(papers, p => Assert.Equal("2310.02861", p.Id));
        var rs = server.Requests;
        Assert.Equal(3, rs.Count);
        Assert.All(rs.Skip(1).Zip(rs), p => Assert.True(p.First.Since(p.Second) >= TimeSpan.FromMilliseconds(150),
            $"requests {p.Second.Number} and {p.First.Number} {p.First.Since(p.Second).TotalMilliseconds:0} ms apart"));
    }

    [Fact]
    public async Task Retries_keep_to_the_minimum_interval_too()
    {
        await using var server = await ArxivReplayServer.StartAsync(r => r.Number == 1 ? Reply.Fault(500) : null);
        await using var sp = ArxivTestServices.Build(server.ApiUrl, new Dictionary<string, string?> { ["MinInterval"] = "00:00:00.300" });

        await sp.Client().FetchAsync("2310.02861");

        var rs = server.Requests;
        Assert.Equal(2, rs.Count);
        Assert.True(rs[1].Since(rs[0]) >= TimeSpan.FromMilliseconds(300), $"retried after {rs[1].Since(rs[0]).TotalMilliseconds:0} ms");
    }

    [Fact]
    public void Options_have_polite_defaults_and_bind_from_the_Arxiv_section()
    {
        using var empty = new ServiceCollection().AddArxivClient(new ConfigurationBuilder().Build()).BuildServiceProvider();
        var d = empty.GetRequiredService<IOptions<ArxivOptions>>().Value;
        Assert.Equal("https://export.arxiv.org/api/query", d.ApiBaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(3), d.MinInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), d.Timeout);
        Assert.Equal(3, d.MaxRetries);
        Assert.Equal("Paperboy/1.0 (+self-hosted paper discovery; mailto:admin@localhost)", d.UserAgent);

        using var sp = ArxivTestServices.Build("http://127.0.0.1:9/api/query", new Dictionary<string, string?>
        {
            ["MinInterval"] = "00:00:05", ["Timeout"] = "00:00:20", ["MaxRetries"] = "1", ["UserAgent"] = "X/2",
        });
        var o = sp.GetRequiredService<IOptions<ArxivOptions>>().Value;
        Assert.Equal(("http://127.0.0.1:9/api/query", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20), 1, "X/2"),
            (o.ApiBaseUrl, o.MinInterval, o.Timeout, o.MaxRetries, o.UserAgent));
    }

    [Theory]
    [InlineData("ApiBaseUrl", "ftp://arxiv.org/api", "Arxiv:ApiBaseUrl")]
    [InlineData("ApiBaseUrl", "/api/query", "Arxiv:ApiBaseUrl")]
    [InlineData("Timeout", "00:00:00", "Arxiv:Timeout")]
    [InlineData("MaxRetries", "-1", "Arxiv:MaxRetries")]
    [InlineData("UserAgent", " ", "Arxiv:UserAgent")]
    public void Bad_settings_fail_naming_the_setting(string key, string value, string named)
    {
        using var sp = ArxivTestServices.Build("http://127.0.0.1:9/api/query", new Dictionary<string, string?> { [key] = value });

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<ArxivOptions>>().Value);
        Assert.Contains(named, e.Message);
    }
}
