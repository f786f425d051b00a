using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Hostile;

/// <summary><c>paperboy serve</c> on Kestrel (limits are the server's, not the test server's) and a member's API token on it.</summary>
public sealed partial class KestrelServer : IAsyncLifetime
{
    public const string Email = "limits@example.org", Password = "a long enough passphrase";
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(2);
    public ServerProcess Server { get; private set; } = null!;
    public string Token { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["PAPERBOY_SeedDemo"] = "false",
            ["PAPERBOY_RequestHeadersTimeout"] = HeadersTimeout.ToString(),
        });
        var admin = await PaperboyCli.RunAsync(["admin", "create", "--data", Server.DataDir, "--email", Email, "--password-stdin"], TimeSpan.FromSeconds(60), Password + "\n");
        Assert.True(admin.ExitCode == 0, admin.Stderr);
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = Server.BaseAddress };
        var signIn = await Members.PostFormAsync(client, "/account/signin", new() { ["Form.Email"] = Email, ["Form.Password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var created = await Members.PostFormAsync(client, "/account/tokens?handler=Create", new() { ["Name"] = "limits" }, "/account/tokens");
        Token = SecretPattern().Match(await created.Content.ReadAsStringAsync()).Value;
        Assert.StartsWith("pb_", Token);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [GeneratedRegex(@"pb_[A-Za-z0-9_\-]+")]
    private static partial Regex SecretPattern();
}

/// <summary>Oversized and slow requests meet Kestrel's limits with the status that says so (413, 414, 431), never a 500.</summary>
public sealed class KestrelLimitTests(KestrelServer fixture) : IClassFixture<KestrelServer>
{
    private HttpClient Client => fixture.Server.Client;

    private HttpRequestMessage Json(string url, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Authorization = new("Bearer", fixture.Token);
        return request;
    }

    [Fact]
    public async Task A_member_can_write_within_the_limits()
    {
        var response = await Client.SendAsync(Json("/api/collections", new StringContent("{\"name\": \"fine\"}", Encoding.UTF8, "application/json")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>
    /// Sends a request that declares a 2 MiB body but sends only its first 64 KiB, and reads the answer: the server must
    /// answer from the declared length alone (a client that sent the whole body would race the server's close).
    /// </summary>
    private async Task<string> DeclaredOversizedAsync(string method, string url, string contentType, string headers, string bodyStart)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var body = Encoding.ASCII.GetBytes(bodyStart.PadRight(64 * 1024, 'a'));
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{method} {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {contentType}\r\nContent-Length: {2 * 1024 * 1024}\r\n{headers}\r\n"));
        await stream.WriteAsync(body);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var answer = new MemoryStream();
        var buffer = new byte[8192];
        try { for (int n; (n = await stream.ReadAsync(buffer, timeout.Token)) > 0;) answer.Write(buffer, 0, n); }
        catch (IOException) { }
        catch (OperationCanceledException) { }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    [Fact]
    public async Task A_json_body_over_a_mebibyte_is_a_413_problem()
    {
        var answer = await DeclaredOversizedAsync("POST", "/api/collections", "application/json", $"Authorization: Bearer {fixture.Token}\r\n", "{\"name\": \"");
        Assert.StartsWith("HTTP/1.1 413", answer);
        Assert.Contains("Content-Type: application/problem+json", answer);
        Assert.Contains("at most 1,048,576 are accepted", answer);
    }

    [Fact]
    public async Task A_chunked_body_that_grows_past_a_mebibyte_is_a_413()
    {
        // No Content-Length: the limit must hold while the body streams in.
        var content = new PushStreamContent(async stream =>
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("{\"name\": \""));
            var chunk = Encoding.UTF8.GetBytes(new string('x', 64 * 1024));
            try { for (var i = 0; i < 40; i++) await stream.WriteAsync(chunk); } catch (IOException) { }
        });
        content.Headers.ContentType = new("application/json");
        var response = await Client.SendAsync(Json("/api/collections", content));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_form_over_a_mebibyte_is_a_413_page()
    {
        // With a valid antiforgery cookie and token, so that only the size is wrong.
        var page = await Client.GetAsync("/account/signin");
        var token = Members.AntiforgeryToken(await page.Content.ReadAsStringAsync());
        var answer = await DeclaredOversizedAsync("POST", "/account/signin", "application/x-www-form-urlencoded", $"Cookie: {Members.CookieHeader(page)}\r\n",
            $"__RequestVerificationToken={Uri.EscapeDataString(token)}&Form.Email=");
        Assert.StartsWith("HTTP/1.1 413", answer);
        Assert.Contains("Content-Type: text/html", answer);
        Assert.Contains("<h1>Too large</h1>", answer);
    }

    [Fact]
    public async Task A_chunked_form_that_grows_past_a_mebibyte_is_a_413_page()
    {
        // No Content-Length, and a valid antiforgery cookie and token: the form reader meets the limit, not the token check.
        var page = await Client.GetAsync("/account/signin");
        var token = Members.AntiforgeryToken(await page.Content.ReadAsStringAsync());
        var content = new PushStreamContent(async stream =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"__RequestVerificationToken={Uri.EscapeDataString(token)}&Form.Email="));
            var chunk = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
            try { for (var i = 0; i < 40; i++) await stream.WriteAsync(chunk); } catch (IOException) { }
        });
        content.Headers.ContentType = new("application/x-www-form-urlencoded");
        var request = new HttpRequestMessage(HttpMethod.Post, "/account/signin") { Content = content };
        request.Headers.Add("Cookie", Members.CookieHeader(page));
        var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{response.StatusCode}: {body}");
        Assert.Contains("<h1>Too large</h1>", body);
    }

    [Fact]
    public async Task Headers_over_the_limit_are_a_431()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Big", new string('a', 100 * 1024));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Too_many_headers_are_a_431()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        for (var i = 0; i < 150; i++) request.Headers.Add($"X-H{i}", "a");
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task A_request_line_over_the_limit_is_a_414()
    {
        var response = await Client.GetAsync("/search?q=" + new string('a', 70 * 1024));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
    }

    /// <summary>Sends <paramref name="head"/>, then one byte of <paramref name="dribble"/> every 250 ms; returns when the server ends the connection.</summary>
    private async Task<(TimeSpan Elapsed, string Answer)> DribbleAsync(string head, string dribble)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var buffer = new byte[4096];
        var answer = new StringBuilder();
        var read = stream.ReadAsync(buffer).AsTask();
        for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            if (await Task.WhenAny(read, Task.Delay(250)) == read)
            {
                int n;
                try { n = await read; } catch (IOException) { n = 0; }
                if (n == 0) return (clock.Elapsed, answer.ToString());
                answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
                read = stream.ReadAsync(buffer).AsTask();
                continue;
            }
            try { await stream.WriteAsync(Encoding.ASCII.GetBytes(dribble[i % dribble.Length].ToString())); }
            catch (IOException) { return (clock.Elapsed, answer.ToString()); }
        }
        return (clock.Elapsed, answer.ToString());
    }

    [Fact]
    public async Task A_client_that_dribbles_its_headers_is_cut_off_within_the_headers_timeout()
    {
        var (elapsed, answer) = await DribbleAsync("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: aaaaaaaaaaaa\r\n");
        // Kestrel checks its timeouts on a one-second heartbeat; a loaded machine adds a little more.
        Assert.True(elapsed >= KestrelServer.HeadersTimeout - TimeSpan.FromMilliseconds(200) && elapsed < KestrelServer.HeadersTimeout + TimeSpan.FromSeconds(6),
            $"closed after {elapsed}");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task A_client_that_dribbles_its_body_is_cut_off_after_the_grace_period()
    {
        var head = $"POST /api/collections HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {fixture.Token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"name\": \"";
        var (elapsed, answer) = await DribbleAsync(head, "x");
        // 240 bytes/s after a 5 s grace period; four bytes a second falls below it at once.
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"closed after {elapsed}");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    private sealed class PushStreamContent(Func<Stream, Task> write) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => write(stream);
        protected override bool TryComputeLength(out long length) { length = 0; return false; }
    }
}
