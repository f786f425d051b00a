using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Paperboy.Tests.Embedding;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) that speaks the OpenAI embeddings API. What it does depends on the
/// model name up to any '#' (the rest only tells the tests' requests apart): "good" answers deterministic vectors of
/// dimension 6 in reversed order with their indexes, and the others answer the faults named after them.
/// </summary>
public sealed class FakeEmbeddingServer : IAsyncLifetime
{
    public const int Dim = 6;
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Every request: its model, its texts and its Authorization header.</summary>
    public ConcurrentQueue<(string Model, string[] Input, string? Authorization, string Path)> Requests { get; } = new();

    public IEnumerable<string[]> InputsFor(string model) => Requests.Where(r => r.Model == model).Select(r => r.Input);

    /// <summary>The vector the server gives a text, before normalisation: never zero, different for different texts.</summary>
    public static float[] RawVector(string text)
    {
        var h = 17u;
        foreach (var c in text) h = unchecked(h * 31 + c);
        var v = new float[Dim];
        for (var k = 0; k < Dim; k++) v[k] = (float)((h >> (k * 5)) % 29) - 14f + 0.5f;
        return v;
    }

    public static float[] UnitVector(string text)
    {
        var v = RawVector(text);
        var norm = Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => (float)(x / norm)).ToArray();
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(Handle);
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        if (_app is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }

    private async Task Handle(HttpContext ctx)
    {
        if (ctx.Request.Method != "POST" || !ctx.Request.Path.Equals("/v1/embeddings"))
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync("no such endpoint: " + ctx.Request.Path);
            return;
        }
        using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
        var model = doc.RootElement.GetProperty("model").GetString()!;
        var input = doc.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Requests.Enqueue((model, input, ctx.Request.Headers.Authorization.FirstOrDefault(), ctx.Request.Path));
        var behaviour = model.Split('#')[0];

        string Item(int index, IEnumerable<string> numbers, bool withIndex = true) =>
            "{\"object\":\"embedding\"," + (withIndex ? $"\"index\":{index}," : "") + "\"embedding\":[" + string.Join(',', numbers) + "]}";
        IEnumerable<string> Numbers(float[] v) => v.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        string Body(IEnumerable<string> items) => "{\"object\":\"list\",\"model\":\"" + model + "\",\"data\":[" + string.Join(',', items) + "],\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}";

        ctx.Response.ContentType = "application/json";
        string body;
        switch (behaviour)
        {
            case "good":
                body = Body(Enumerable.Range(0, input.Length).Reverse().Select(i => Item(i, Numbers(RawVector(input[i])))));
                break;
            case "noindex":
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Numbers(RawVector(input[i])), withIndex: false)));
                break;
            case "fail":
                ctx.Response.StatusCode = 500;
                ctx.Response.ContentType = "text/plain";
                body = "model overloaded,\n   try again later " + new string('x', 5000);
                break;
            case "malformed":
                body = "{\"data\": [{\"embedding\": [0.1, 0.2";
                break;
            case "nodata":
                body = "{\"error\": null}";
                break;
            case "wrongdim":
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Numbers(RawVector(input[i]).Append(1f).ToArray()))));
                break;
            case "grow": // dimension 6 for the probe text, 7 for everything else
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Numbers(input[i] == "dimension probe" ? RawVector(input[i]) : RawVector(input[i]).Append(1f).ToArray()))));
                break;
            case "poison": // good, but NaN for a text that contains "poison"
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, input[i].Contains("poison") ? Numbers(RawVector(input[i])).Skip(1).Prepend("\"NaN\"") : Numbers(RawVector(input[i])))));
                break;
            case "nanstring":
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Numbers(RawVector(input[i])).Skip(1).Prepend("\"NaN\""))));
                break;
            case "nanbare":
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Numbers(RawVector(input[i])).Skip(1).Prepend("NaN"))));
                break;
            case "huge":
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Numbers(RawVector(input[i])).Skip(1).Prepend("1e999"))));
                break;
            case "zero":
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Enumerable.Repeat("0", Dim))));
                break;
            case "short":
                body = Body(Enumerable.Range(0, input.Length - 1).Select(i => Item(i, Numbers(RawVector(input[i])))));
                break;
            case "dupindex":
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(0, Numbers(RawVector(input[i])))));
                break;
            case "slow":
                try { await Task.Delay(TimeSpan.FromSeconds(20), ctx.RequestAborted); }
                catch (OperationCanceledException) { return; }
                body = Body(Enumerable.Range(0, input.Length).Select(i => Item(i, Numbers(RawVector(input[i])))));
                break;
            default:
                ctx.Response.StatusCode = 404;
                body = "{\"error\":{\"message\":\"model not found\"}}";
                break;
        }
        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }
}
