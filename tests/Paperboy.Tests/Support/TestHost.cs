using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Paperboy.Hosting;
using Paperboy.Indexing;

namespace Paperboy.Tests.Support;

/// <summary>
/// The real Paperboy web application (the same <see cref="WebApp.Build"/> that <c>paperboy serve</c> runs) on the
/// in-memory test server, over a real SQLite file and Lucene index in a temporary data directory.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly TempDir _dir;
    public WebApplication App { get; }
    public HttpClient Client { get; private set; } = null!;
    public string DataDir => _dir.Path;

    private TestHost(TempDir dir, bool seedDemo, string[] settings, Action<IServiceCollection>? services)
    {
        _dir = dir;
        // The digest scheduler stays off unless a test turns it on (--Digests:Enabled=true: the last setting wins).
        App = WebApp.Build([$"--DataDir={_dir.Path}", $"--SeedDemo={seedDemo}", "--IndexPollInterval=00:00:00.200", "--environment=Production", "--Digests:Enabled=false", "--Harvest:Schedule=", .. settings],
            b =>
            {
                b.WebHost.UseTestServer();
                services?.Invoke(b.Services);
            });
    }

    /// <param name="settings">Extra configuration as command-line settings, e.g. <c>--Embedder:Kind=http</c>.</param>
    public static Task<TestHost> StartAsync(bool seedDemo = true, params string[] settings) => StartAsync(null, seedDemo, settings);

    /// <param name="services">Registers services before the application's own, e.g. a <see cref="FixedClock"/> as the <c>TimeProvider</c>.</param>
    public static Task<TestHost> StartAsync(Action<IServiceCollection>? services, bool seedDemo, params string[] settings) =>
        StartAsync(services, seedDemo, prepare: null, settings);

    /// <param name="prepare">Fills the data directory before the application starts, e.g. a store as an older version left it.</param>
    public static async Task<TestHost> StartAsync(Action<IServiceCollection>? services, bool seedDemo, Func<string, Task>? prepare, params string[] settings)
    {
        var dir = new TempDir();
        if (prepare is not null) await prepare(dir.Path);
        var host = new TestHost(dir, seedDemo, settings, services);
        await WebApp.InitialiseAsync(host.App.Services);
        await host.App.StartAsync();
        host.Client = host.App.GetTestClient();
        await host.Get<Indexer>().CatchUpAsync();
        return host;
    }

    /// <summary>The same application over a PostgreSQL database (its connection string from <see cref="PostgresServer"/>).</summary>
    public static Task<TestHost> StartOnPostgresAsync(string connectionString, bool seedDemo = true, params string[] settings) =>
        StartAsync(seedDemo, ["--Storage:Provider=postgres", $"--Storage:ConnectionString={connectionString}", .. settings]);

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        _dir.Dispose();
    }
}
