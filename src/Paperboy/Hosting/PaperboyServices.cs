using Microsoft.EntityFrameworkCore;
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
            .PostConfigure(o => o.DataDir = Path.GetFullPath(o.DataDir));
        services.AddOptions<EmbedderOptions>().Bind(configuration.GetSection(EmbedderOptions.Section));
        services.AddHttpClient(EmbedderSetup.HttpClientName);
        services.AddSingleton(TimeProvider.System);
        // Pooled: every search and page asks for a context, and a reused one skips the set-up (measured in bench/search).
        services.AddPooledDbContextFactory<PaperboyDb>((sp, db) =>
        {
            var o = sp.GetRequiredService<IOptions<PaperboyOptions>>().Value;
            Directory.CreateDirectory(o.DataDir);
            db.UseSqliteStore(StorageSetup.SqliteConnectionString(o.DataDir));
        });
        services.AddSingleton<PaperStore>();
        services.AddSingleton<PaperImporter>();
        services.AddSingleton<IndexHolder>();
        services.AddSingleton<Indexer>();
        services.AddOptions<SearchOptions>().Bind(configuration.GetSection("Search"))
            .Validate(o => o.RrfK >= 1 && o.LexicalWeight >= 0 && o.SemanticWeight >= 0 && o.Depth is >= 10 and <= 10_000, "Search: RrfK ≥ 1, weights ≥ 0, Depth 10–10000");
        services.AddSingleton<PaperSearch>();
        // Personal recommendations (digests, /api/me/recommendations) on the live paper vectors.
        services.AddSingleton<IRecommender>(sp => new VectorRecommender(sp.GetRequiredService<IndexHolder>().Semantic));
        services.AddArxivClient(configuration);
        services.AddHarvesting(configuration);
        return services;
    }
}
