using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Paperboy.Storage;

public enum StoreProvider { Sqlite, Postgres }

/// <summary>The <c>Storage</c> configuration section: which database is the system of record.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>sqlite</c> (default: <c>paperboy.db</c> in the data directory) or <c>postgres</c>.</summary>
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>For <c>postgres</c>, an Npgsql connection string; ignored for SQLite.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// SQLite: how long a statement waits for a lock another process holds (a CLI import's batch, a backup) before the
    /// request answers 503. Whole seconds, at least one.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Opens the store. The one place that knows the providers: SQLite (WAL journal, a busy timeout so concurrent writers
/// queue instead of failing) or PostgreSQL (<see cref="PostgresPaperboyDb"/>, its own migrations).
/// </summary>
public static class StorageSetup
{
    /// <summary>
    /// Registers a pooled <see cref="IDbContextFactory{PaperboyDb}"/> for the provider. On PostgreSQL the pool holds
    /// <see cref="PostgresPaperboyDb"/>s, handed out as <see cref="PaperboyDb"/>, and the derived context is also
    /// available as itself (scoped) for what needs the PostgreSQL-only tables (the data-protection key ring).
    /// </summary>
    public static IServiceCollection AddPaperboyDb(this IServiceCollection services, StoreProvider provider, Func<IServiceProvider, string> connectionString)
    {
        switch (provider)
        {
            case StoreProvider.Sqlite:
                services.AddPooledDbContextFactory<PaperboyDb>((sp, db) => db.UseSqliteStore(connectionString(sp)));
                break;
            case StoreProvider.Postgres:
                services.AddPooledDbContextFactory<PostgresPaperboyDb>((sp, db) => db.UsePostgresStore(connectionString(sp)));
                services.AddSingleton<IDbContextFactory<PaperboyDb>>(sp => new AsPaperboyDb<PostgresPaperboyDb>(sp.GetRequiredService<IDbContextFactory<PostgresPaperboyDb>>()));
                services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PostgresPaperboyDb>>().CreateDbContext());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "Storage:Provider is sqlite or postgres.");
        }
        return services;
    }

    public static DbContextOptionsBuilder UsePostgresStore(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString);

    /// <summary>A duplicate key: SQLite's SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE, PostgreSQL's 23505.</summary>
    public static bool IsUniqueViolation(DbUpdateException e) => e.InnerException switch
    {
        SqliteException s => s.SqliteExtendedErrorCode is 1555 or 2067,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>The store is there but cannot answer now (SQLite busy or locked; PostgreSQL unreachable or shutting down): a 503, not a 500.</summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        SqliteException { SqliteErrorCode: 5 or 6 } => true,
        NpgsqlException n => n.IsTransient,
        // EF wraps what the provider threw (DbUpdateException on a save, InvalidOperationException from a retry strategy).
        { InnerException: { } inner } => IsUnavailable(inner),
        _ => false,
    };

    internal sealed class AsPaperboyDb<T>(IDbContextFactory<T> inner) : IDbContextFactory<PaperboyDb> where T : PaperboyDb
    {
        public PaperboyDb CreateDbContext() => inner.CreateDbContext();
        public async Task<PaperboyDb> CreateDbContextAsync(CancellationToken ct = default) => await inner.CreateDbContextAsync(ct);
    }

    public static string SqliteConnectionString(string dataDir, TimeSpan? busyTimeout = null) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDir, "paperboy.db"),
        Pooling = true,
        DefaultTimeout = Math.Max(1, (int)(busyTimeout ?? new StorageOptions().BusyTimeout).TotalSeconds),
    }.ToString();

    /// <summary>SQLite with our pragmas; the connection string's <c>Default Timeout</c> is also SQLite's busy timeout.</summary>
    public static DbContextOptionsBuilder UseSqliteStore(this DbContextOptionsBuilder options, string connectionString) =>
        // A collection in a query (ids.Contains(x)) goes as one JSON array parameter (json_each), not one parameter per
        // element (EF Core 10's default): SQLite finds a named parameter by a linear scan of the names, so binding a
        // chunk of 5,000 keys cost 12.5 million string compares, most of a bulk load's near-duplicate pass.
        options.UseSqlite(connectionString, o => o.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .AddInterceptors(new SqlitePragmas(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout));

    private sealed class SqlitePragmas(int busySeconds) : DbConnectionInterceptor
    {
        private readonly string Pragmas = $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={busySeconds * 1000}; PRAGMA foreign_keys=ON;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragmas;
            cmd.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragmas;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
