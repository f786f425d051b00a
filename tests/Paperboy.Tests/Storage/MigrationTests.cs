using Microsoft.EntityFrameworkCore;
using Npgsql;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// Every schema change needs a migration for each provider (see src/Paperboy.Storage/README.md). A change migrated for
/// one provider only leaves the other's model snapshot behind the model: these tests fail, and so would that provider's
/// start-up (EF refuses to migrate with pending model changes).
/// </summary>
public sealed class MigrationTests
{
    [Fact]
    public void The_SQLite_migrations_match_the_model()
    {
        using var db = new DesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "the model changed: dotnet ef migrations add NAME --context PaperboyDb --output-dir Migrations/Sqlite");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void The_PostgreSQL_migrations_match_the_model()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "the model changed: dotnet ef migrations add NAME --context PostgresPaperboyDb --output-dir Migrations/Postgres");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public async Task Both_providers_migrate_to_the_same_tables_and_columns()
    {
        await using var sqlite = await TestStore.CreateAsync(StoreProvider.Sqlite);
        await using var postgres = await TestStore.CreateAsync(StoreProvider.Postgres);

        var sqliteColumns = new SortedSet<string>(StringComparer.Ordinal);
        await using (var db = await sqlite.Factory.CreateDbContextAsync())
        {
            var tables = await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND substr(name, 1, 4) <> '__EF'").ToListAsync();
            foreach (var t in tables)
                foreach (var c in await db.Database.SqlQueryRaw<string>($"SELECT name AS \"Value\" FROM pragma_table_info('{t}')").ToListAsync())
                    sqliteColumns.Add($"{t}.{c}");
        }
        // data_protection_keys is PostgreSQL's alone by design: on SQLite (one node) the key ring stays in files.
        var postgresColumns = new SortedSet<string>(StringComparer.Ordinal);
        await using (var db = await postgres.Factory.CreateDbContextAsync())
            foreach (var c in await db.Database.SqlQueryRaw<string>("SELECT table_name || '.' || column_name AS \"Value\" FROM information_schema.columns WHERE table_schema = 'public' AND substr(table_name, 1, 4) <> '__EF' AND table_name <> 'data_protection_keys'").ToListAsync())
                postgresColumns.Add(c);

        Assert.NotEmpty(sqliteColumns);
        Assert.Equal([], sqliteColumns.Except(postgresColumns));
        Assert.Equal([], postgresColumns.Except(sqliteColumns));
    }
}
