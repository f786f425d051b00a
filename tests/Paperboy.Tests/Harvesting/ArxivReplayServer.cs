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

/// <summary>One request as the server saw it, stamped on arrival with the server's own monotonic clock.</summary>
public sealed record RecordedRequest(int Number, long Timestamp, string Path, string? IdList, string? MaxResults, string UserAgent, string Accept)
{
    public TimeSpan Since(RecordedRequest earlier) => Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp);
}

/// <summary>What the server answers: a recording from testdata/arxiv-replay, or a literal body, after an optional delay.</summary>
public sealed record Reply(int Status = 200, string? Recording = null, string? Body = null, string? RetryAfter = null, TimeSpan Delay = default)
{
    public static Reply Replay(string recording) => new(Recording: recording);
    public static Reply Fault(int status, string? retryAfter = null) =>
        new(status, Body: $"<html><body><h1>{status}</h1><p>arXiv replay fault</p></body></html>", RetryAfter: retryAfter);
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) that replays recorded arXiv API answers for
/// <c>GET /api/query?id_list=…</c>: the recording named after the id, else the empty feed, as arXiv does for an id
/// it does not know. A test's script may answer differently, by request number (1-based) and request.
/// </summary>
public sealed class ArxivReplayServer : IAsyncDisposable
{
    public static string RecordingPath(string name) => TestData.File(Path.Combine("arxiv-replay", name));

    private readonly Func<RecordedRequest, Reply?> _script;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private WebApplication? _app;
    private int _count;

    private ArxivReplayServer(Func<RecordedRequest, Reply?> script) => _script = script;

    public string BaseUrl { get; private set; } = "";
    public string ApiUrl => BaseUrl + "/api/query";

    /// <summary>Every request that arrived, in order of arrival.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.OrderBy(r => r.Number).ToList();

    public static async Task<ArxivReplayServer> StartAsync(Func<RecordedRequest, Reply?>? script = null)
    {
        var server = new ArxivReplayServer(script ?? (_ => null));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server._app = builder.Build();
        server._app.Run(server.Handle);
        await server._app.StartAsync();
        server.BaseUrl = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    private async Task Handle(HttpContext ctx)
    {
        var at = Stopwatch.GetTimestamp();
        var q = ctx.Request.Query;
        var request = new RecordedRequest(Interlocked.Increment(ref _count), at, ctx.Request.Path, q["id_list"].FirstOrDefault(),
            q["max_results"].FirstOrDefault(), ctx.Request.Headers.UserAgent.ToString(), ctx.Request.Headers.Accept.ToString());
        _requests.Enqueue(request);

        var reply = _script(request) ?? Default(request);
        if (reply.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(reply.Delay, ctx.RequestAborted); }
            catch (OperationCanceledException) { return; }
        }
        ctx.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is not null) ctx.Response.Headers.RetryAfter = reply.RetryAfter;
        if (reply.Recording is not null)
        {
            ctx.Response.ContentType = "application/atom+xml; charset=utf-8";
            await ctx.Response.Body.WriteAsync(await File.ReadAllBytesAsync(RecordingPath(reply.Recording)));
        }
        else
        {
            ctx.Response.ContentType = "text/html; charset=utf-8";
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(reply.Body ?? ""));
        }
    }

    private static Reply Default(RecordedRequest r)
    {
        if (r.Path != "/api/query") return Reply.Fault(404);
        var name = (r.IdList ?? "").Replace('/', '_') + ".atom";
        return Reply.Replay(File.Exists(RecordingPath(name)) ? name : "empty.atom");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
