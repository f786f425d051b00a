using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Paperboy.Harvesting;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Search.Recommending;
using Paperboy.Searching;
using Paperboy.Storage;

namespace Paperboy.Hosting;

/// <summary>The services every entry point shares: the web host and each CLI verb compose the same graph.</summary>
public static class PaperboyServices
{
    public static IServiceCollection AddPaperboy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PaperboyOptions>().Bind(configuration)
            .PostConfigure(o => o.DataDir = Path.GetFullPath(o.DataDir))
            .Validate(o => o.PublicUrlProblem() is null, "PublicUrl must be an absolute http(s) address such as https://papers.example.org")
            .ValidateOnStart();
        services.AddOptions<EmbedderOptions>().Bind(configuration.GetSection(EmbedderOptions.Section));
        services.AddHttpClient(EmbedderSetup.HttpClientName);
        services.TryAddSingleton(TimeProvider.System);   // a test may register its own clock first
        // Pooled: every search and page asks for a context, and a reused one skips the set-up (measured in bench/search).
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        services.AddSingleton(storage);
        services.AddPaperboyDb(storage.Provider, sp =>
        {
            if (storage.Provider == StoreProvider.Postgres)
                return string.IsNullOrWhiteSpace(storage.ConnectionString)
                    ? throw new InvalidOperationException("Storage:Provider is postgres but Storage:ConnectionString is not set.")
                    : storage.ConnectionString;
            var o = sp.GetRequiredService<IOptions<PaperboyOptions>>().Value;
            Directory.CreateDirectory(o.DataDir);
            return StorageSetup.SqliteConnectionString(o.DataDir, storage.BusyTimeout);
        });
        services.AddSingleton<PaperStore>();
        services.AddSingleton<EnrichmentBackfill>();
        services.AddSingleton<PaperImporter>();
        services.AddSingleton<SnapshotLoader>();
        services.AddSingleton<IndexHolder>();
        services.AddSingleton<TopicStore>();
        services.AddSingleton<TopicMap>();
        services.AddSingleton<Indexer>();
        services.AddOptions<SearchOptions>().Bind(configuration.GetSection("Search"))
            .Validate(o => o.RrfK >= 1 && o.LexicalWeight >= 0 && o.SemanticWeight >= 0 && o.Depth is >= 10 and <= 10_000 && o.MaxConcurrent >= 0
                    && o.DecodedPostingsMegabytes is >= 0 and <= 1L << 30,
                "Search: RrfK ≥ 1, weights ≥ 0, Depth 10–10000, MaxConcurrent ≥ 0, DecodedPostingsMegabytes 0–1073741824");
        services.AddSingleton<PaperSearch>();
        // Personal recommendations (digests, /api/me/recommendations) on the live paper vectors.
        // Jobs that run once per cluster (digests, harvests) take their lock in the store.
        services.TryAddSingleton<JobLockStore>();
        services.AddSingleton<IRecommender>(sp => new VectorRecommender(sp.GetRequiredService<IndexHolder>().Semantic));
        services.AddArxivClient(configuration);
        services.AddHarvesting(configuration);
        return services;
    }

    /// <summary>
    /// Data protection with its keys in the data directory (<see cref="PaperboyOptions.KeysPath"/>), so sign-ins and the
    /// signed links in mails survive restarts, and links mailed by the CLI open on the server.
    /// </summary>
    /// <summary>
    /// One key ring for the web host and the CLI, so links mailed by either open on the server. On SQLite (one node)
    /// the keys live in the data directory (PaperboyOptions.KeysPath) and survive restarts; on PostgreSQL they live in
    /// the database, so a cookie, antiforgery token or email link made by one web node is read by every other.
    /// </summary>
    public static IServiceCollection AddPaperboyDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName("Paperboy");
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider == StoreProvider.Postgres) dataProtection.PersistKeysToDbContext<PostgresPaperboyDb>();
        else services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<IOptions<PaperboyOptions>, ILoggerFactory>((keys, paperboy, logs) =>
                keys.XmlRepository = new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(
                    new DirectoryInfo(paperboy.Value.KeysPath), logs));
        return services;
    }
}
