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

/// <summary>An answer: a file of testdata/harvest-replay (content type from its extension) or a literal body.</summary>
public sealed record SourceReply(int Status = 200, string? File = null, string? Body = null, string? RetryAfter = null)
{
    public static SourceReply Replay(string file) => new(File: file);
    public static SourceReply Fault(int status, string? retryAfter = null) => new(status, Body: $"<html><body><h1>{status}</h1></body></html>", RetryAfter: retryAfter);
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
        ctx.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is not null) ctx.Response.Headers.RetryAfter = reply.RetryAfter;
        if (reply.File is not null)
        {
            ctx.Response.ContentType = Path.GetExtension(reply.File) switch
            {
                ".json" => "application/json; charset=utf-8",
                ".atom" => "application/atom+xml; charset=utf-8",
                _ => "text/xml; charset=utf-8",
            };
            await ctx.Response.Body.WriteAsync(await File.ReadAllBytesAsync(FilePath(reply.File)));
        }
        else
        {
            ctx.Response.ContentType = "text/html; charset=utf-8";
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(reply.Body ?? ""));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
