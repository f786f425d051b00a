using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Paperboy.Harvesting;
using Paperboy.Hosting;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Harvesting;

/// <summary>
/// The services as every entry point composes them (<see cref="PaperboyServices.AddPaperboy"/>) over a fresh data
/// directory, with every source pointed at one replay server and the polite intervals and back-offs made small.
/// </summary>
public sealed class HarvestTestServices : IAsyncDisposable
{
    private readonly TempDir _dir;
    public ServiceProvider Services { get; }
    public PaperStore Store => Services.GetRequiredService<PaperStore>();
    public HarvestRunner Runner => Services.GetRequiredService<HarvestRunner>();

    public static async Task<HarvestTestServices> StartAsync(SourceReplayServer server, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Arxiv:ApiBaseUrl"] = server.ApiUrl,
            ["Arxiv:MinInterval"] = "00:00:00",
            ["Arxiv:RetryBaseDelay"] = "00:00:00.010",
            ["Harvest:Oai:BaseUrl"] = server.OaiUrl,
            ["Harvest:Hf:BaseUrl"] = server.BaseUrl,
            ["Harvest:MinInterval"] = "00:00:00",
            ["Harvest:Timeout"] = "00:00:05",
            ["Harvest:MaxRetries"] = "2",
            ["Harvest:RetryBaseDelay"] = "00:00:00.010",
            ["Harvest:Arxiv:Categories:0"] = "cs.LG",
            ["Harvest:Arxiv:PageSize"] = "2",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) values[k] = v;
        var dir = new TempDir();
        values["DataDir"] = dir.Path;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging(l => l.ClearProviders());
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPaperboy(configuration);
        var built = new HarvestTestServices(services.BuildServiceProvider(), dir);
        await built.Store.MigrateAsync();
        return built;
    }

    private HarvestTestServices(ServiceProvider services, TempDir dir) { Services = services; _dir = dir; }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
