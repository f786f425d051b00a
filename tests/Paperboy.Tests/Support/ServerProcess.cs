using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Paperboy.Tests.Support;

/// <summary>
/// <c>paperboy serve</c> as a child process on Kestrel, on a free loopback port, over its own data directory.
/// Disposing always kills the process (and its children) and removes the data directory.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TempDir _data = new();

    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public string DataDir => _data.Path;

    /// <summary>Everything the server wrote so far (for failure messages).</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    private ServerProcess(int port, IReadOnlyDictionary<string, string>? environment)
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var psi = PaperboyCli.StartInfo(["serve", "--urls", BaseAddress.ToString().TrimEnd('/'), "--data", _data.Path]);
        psi.RedirectStandardInput = false;
        psi.Environment["PAPERBOY_Harvest__Schedule"] = "";        // no harvesting of the real arXiv from a test
        psi.Environment["PAPERBOY_Digests__Enabled"] = "false";   // unless the test's environment turns the scheduler on
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        try { return ((IPEndPoint)l.LocalEndpoint).Port; }
        finally { l.Stop(); }
    }

    /// <summary>Starts the server and waits until /healthz answers 200 (at most <paramref name="within"/>, default 60 s).</summary>
    /// <param name="environment">Extra settings as environment variables, e.g. <c>PAPERBOY_Smtp__Port</c>.</param>
    public static async Task<ServerProcess> StartAsync(TimeSpan? within = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var server = new ServerProcess(FreePort(), environment);
        try
        {
            server._process.Start();
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            await server.WaitHealthyAsync(within ?? TimeSpan.FromSeconds(60));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task WaitHealthyAsync(TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        HttpStatusCode? last = null;
        while (deadline.Elapsed < within)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"paperboy serve exited with {_process.ExitCode} before it was healthy:\n{Log}");
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var r = await Client.GetAsync("healthz", cts.Token);
                last = r.StatusCode;
                // Healthy is searchable; the topic map follows in the background, and the tests of its pages want it there.
                if (r.StatusCode == HttpStatusCode.OK && (await r.Content.ReadAsStringAsync(cts.Token)).Contains("\"topicMap\":\"ready\"", StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"/healthz did not answer 200 within {within} (last: {last?.ToString() ?? "no answer"}):\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try { await _process.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { }
            }
        }
        catch (InvalidOperationException) { } // never started
        _process.Dispose();
        _data.Dispose();
    }
}
