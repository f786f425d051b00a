using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Harvesting;

/// <summary>One request as the replay server saw it: path, query, User-Agent, stamped on arrival (monotonic clock).</summary>
public sealed record SourceRequest(int Number, long Timestamp, string Path, IReadOnlyDictionary<string, string> Query, string UserAgent)
{
    public string? this[string key] => Query.TryGetValue(key, out var v) ? v : null;
    public TimeSpan Since(SourceRequest earlier) => Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp);
    public string PathAndQuery => Path + "?" + string.Join("&", Query.Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>
/// An answer: a file of testdata/harvest-replay (content type from its extension) or a literal body. <see cref="Wait"/>
/// holds the answer back until it completes (a delay, a gate the test opens, or never: a server that accepts and
/// never answers); <see cref="StallBody"/> sends the headers and half the body, then never the rest.
/// </summary>
public sealed record SourceReply(int Status = 200, string? File = null, string? Body = null, string? RetryAfter = null, Task? Wait = null, bool StallBody = false)
{
    public static SourceReply Replay(string file) => new(File: file);
    public static SourceReply Fault(int status, string? retryAfter = null) => new(status, Body: $"<html><body><h1>{status}</h1></body></html>", RetryAfter: retryAfter);
    /// <summary>The request is read and never answered.</summary>
    public static SourceReply Silent() => new(Wait: new TaskCompletionSource().Task);
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) standing in for arXiv's OAI-PMH interface, the arXiv API and
/// Hugging Face: every request is recorded and answered by the test's script (404 when the script has no answer).
/// </summary>
public sealed class SourceReplayServer : IAsyncDisposable
{
    public static string FilePath(string name) => TestData.File(Path.Combine("harvest-replay", name));

    private readonly Func<SourceRequest, SourceReply?> _script;
    private readonly ConcurrentQueue<SourceRequest> _requests = new();
    private WebApplication? _app;
    private int _count;

    private SourceReplayServer(Func<SourceRequest, SourceReply?> script) => _script = script;

    public string BaseUrl { get; private set; } = "";
    public string OaiUrl => BaseUrl + "/oai2";
    public string ApiUrl => BaseUrl + "/api/query";

    public IReadOnlyList<SourceRequest> Requests => _requests.OrderBy(r => r.Number).ToList();

    public static async Task<SourceReplayServer> StartAsync(Func<SourceRequest, SourceReply?> script)
    {
        var server = new SourceReplayServer(script);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server._app = builder.Build();
        server._app.Run(server.Handle);
        await server._app.StartAsync();
        server.BaseUrl = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>The OAI-PMH chain of testdata/harvest-replay: page 1 for a fresh ListRecords, then the pages its tokens name.</summary>
    public static SourceReply? OaiChain(SourceRequest r) => r.Path != "/oai2" ? null : r["resumptionToken"] switch
    {
        null when r["verb"] == "ListRecords" && r["metadataPrefix"] == "arXiv" && r["set"] == "cs" => SourceReply.Replay("oai-page1.xml"),
        "6961234|1001" => SourceReply.Replay("oai-page2.xml"),
        "6961234|2001" => SourceReply.Replay("oai-page3.xml"),
        { } => SourceReply.Replay("oai-bad-token.xml"),
        _ => null,
    };

    private async Task Handle(HttpContext ctx)
    {
        var query = ctx.Request.Query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
        var request = new SourceRequest(Interlocked.Increment(ref _count), Stopwatch.GetTimestamp(), ctx.Request.Path, query, ctx.Request.Headers.UserAgent.ToString());
        _requests.Enqueue(request);
        var reply = _script(request) ?? SourceReply.Fault(404);
        // Held answers end when the client goes (it timed out or died) or the server stops.
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _app!.Lifetime.ApplicationStopping);
        if (reply.Wait is not null)
        {
            try { await reply.Wait.WaitAsync(gone.Token); }
            catch (OperationCanceledException) { return; }     // the client gave up (a timeout) or died
        }
        ctx.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is not null) ctx.Response.Headers.RetryAfter = reply.RetryAfter;
        byte[] body;
        if (reply.File is not null)
        {
            ctx.Response.ContentType = Path.GetExtension(reply.File) switch
            {
                ".json" => "application/json; charset=utf-8",
                ".atom" => "application/atom+xml; charset=utf-8",
                _ => "text/xml; charset=utf-8",
            };
            body = await File.ReadAllBytesAsync(FilePath(reply.File));
        }
        else
        {
            ctx.Response.ContentType = "text/html; charset=utf-8";
            body = Encoding.UTF8.GetBytes(reply.Body ?? "");
        }
        if (!reply.StallBody)
        {
            await ctx.Response.Body.WriteAsync(body);
            return;
        }
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
        await ctx.Response.Body.FlushAsync();
        try { await Task.Delay(Timeout.Infinite, gone.Token); }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
