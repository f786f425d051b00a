using System.Linq.Expressions;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Paperboy.Storage;

/// <summary>One table after a copy: rows and checksum on each side.</summary>
public sealed record TableCopy(string Table, long SourceRows, long TargetRows, string SourceChecksum, string TargetChecksum)
{
    public bool Matches => SourceRows == TargetRows && SourceChecksum == TargetChecksum;
}

/// <summary>Why a copy did not start (the target holds data) or cannot go on.</summary>
public sealed class StoreCopyException(string message) : Exception(message);

/// <summary>
/// Copies a whole store into an empty PostgreSQL one (<c>paperboy migrate</c>), then proves the copy. Every table of the
/// model is copied through EF Core itself, so each value goes through the same converters the app reads and writes with
/// (JSON lists, enums as text, times as UTC), with explicit keys (the change log's sequence numbers, comment and
/// subscription ids stay what they were; the identity sequences are moved past them afterwards). Tables go in
/// foreign-key order, in batches of <see cref="Batch"/>, one transaction per table. <c>job_locks</c> is skipped (a lock
/// belongs to a running process). The data-protection key ring of a SQLite install (its <c>keys/*.xml</c> files) goes into
/// <c>data_protection_keys</c>, so sign-in cookies and mailed links keep working.
/// <para>
/// The proof reads both stores again in primary-key order (byte order on both: SQLite's BINARY, PostgreSQL's "C") and
/// hashes every row's keys and values as the model sees them: a row count and a SHA-256 per table on each side.
/// </para>
/// </summary>
public sealed class StoreCopy(IDbContextFactory<PaperboyDb> source, IDbContextFactory<PostgresPaperboyDb> target)
{
    public const int Batch = 2_000;
    public const string KeysTable = "data_protection_keys";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Copies everything and verifies it; returns one line per table. Throws <see cref="StoreCopyException"/> on a non-empty target without <paramref name="force"/>.</summary>
    public async Task<List<TableCopy>> RunAsync(string? keysDir, bool force, Action<string>? progress = null, CancellationToken ct = default)
    {
        await using (var s = await source.CreateDbContextAsync(ct)) await s.Database.MigrateAsync(ct);
        await using (var t = await target.CreateDbContextAsync(ct)) await t.Database.MigrateAsync(ct);
        var tables = Tables();
        await EnsureEmptyAsync(tables, force, ct);

        foreach (var table in tables)
        {
            var rows = (long)await (Task<long>)CopyMethod.MakeGenericMethod(table.ClrType).Invoke(this, [table, ct])!;
            progress?.Invoke($"{table.GetTableName()}: {rows:N0} rows copied");
        }
        await ResetSequencesAsync(tables, ct);
        var keys = await CopyKeysAsync(keysDir, ct);
        progress?.Invoke($"{KeysTable}: {keys:N0} keys copied");

        var report = new List<TableCopy>();
        foreach (var table in tables)
        {
            var (sourceRows, sourceSum) = await ChecksumAsync(source, table, ct);
            var (targetRows, targetSum) = await ChecksumAsync(new StorageSetup.AsPaperboyDb<PostgresPaperboyDb>(target), table, ct);
            report.Add(new TableCopy(table.GetTableName()!, sourceRows, targetRows, sourceSum, targetSum));
        }
        report.Add(await VerifyKeysAsync(keysDir, ct));
        return report;
    }

    /// <summary>The tables to copy, principals before dependents.</summary>
    private List<IEntityType> Tables()
    {
        using var db = source.CreateDbContext();
        var all = db.Model.GetEntityTypes().Where(e => e.ClrType != typeof(JobLock) && !e.IsOwned() && e.GetTableName() is not null).ToList();
        var ordered = new List<IEntityType>();
        while (ordered.Count < all.Count)
        {
            var next = all.Where(e => !ordered.Contains(e))
                .FirstOrDefault(e => e.GetForeignKeys().All(fk => fk.PrincipalEntityType == e || ordered.Contains(fk.PrincipalEntityType)))
                ?? throw new InvalidOperationException("the model's foreign keys form a cycle");
            ordered.Add(next);
        }
        return ordered;
    }

    private async Task EnsureEmptyAsync(List<IEntityType> tables, bool force, CancellationToken ct)
    {
        await using var db = await target.CreateDbContextAsync(ct);
        var names = tables.Select(t => t.GetTableName()!).Append(KeysTable).Append("job_locks").ToList();
        var filled = new List<string>();
        foreach (var name in names)
            if (await db.Database.SqlQueryRaw<bool>($"SELECT EXISTS (SELECT 1 FROM \"{name}\") AS \"Value\"").SingleAsync(ct)) filled.Add(name);
        if (filled.Count == 0) return;
        if (!force)
            throw new StoreCopyException($"the target database is not empty ({string.Join(", ", filled)}); copy into an empty database, or pass --force to delete what it holds first");
        await db.Database.ExecuteSqlRawAsync($"TRUNCATE {string.Join(", ", names.Select(n => $"\"{n}\""))} RESTART IDENTITY CASCADE", ct);
    }

    private static readonly MethodInfo CopyMethod = typeof(StoreCopy).GetMethod(nameof(CopyTableAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private async Task<long> CopyTableAsync<T>(IEntityType table, CancellationToken ct) where T : class
    {
        await using var to = await target.CreateDbContextAsync(ct);
        to.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await to.Database.BeginTransactionAsync(ct);
        var shadow = table.GetProperties().Where(p => p.IsShadowProperty()).Select(p => p.Name).ToList();
        long copied = 0;
        while (true)
        {
            await using var from = await source.CreateDbContextAsync(ct);
            var batch = await InKeyOrder(from.Set<T>(), table).Skip((int)copied).Take(Batch).ToListAsync(ct);
            if (batch.Count == 0) break;
            foreach (var row in batch)
            {
                var entry = to.Entry(row);
                entry.State = EntityState.Added;
                var original = from.Entry(row);
                foreach (var name in shadow) entry.Property(name).CurrentValue = original.Property(name).CurrentValue;
            }
            await to.SaveChangesAsync(ct);
            to.ChangeTracker.Clear();
            copied += batch.Count;
        }
        await tx.CommitAsync(ct);
        return copied;
    }

    /// <summary>Moves each identity sequence past the largest id copied (explicit ids do not advance it).</summary>
    private async Task ResetSequencesAsync(List<IEntityType> tables, CancellationToken ct)
    {
        await using var db = await target.CreateDbContextAsync(ct);
        foreach (var table in tables)
        {
            var key = table.FindPrimaryKey()!.Properties;
            if (key.Count != 1 || key[0].ValueGenerated != ValueGenerated.OnAdd || key[0].ClrType != typeof(long) && key[0].ClrType != typeof(int)) continue;
            var (name, column) = (table.GetTableName(), key[0].GetColumnName());
            await db.Database.ExecuteSqlRawAsync(
                $"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{column}'), COALESCE((SELECT MAX(\"{column}\") FROM \"{name}\"), 0) + 1, false)", ct);
        }
    }

    private async Task<int> CopyKeysAsync(string? keysDir, CancellationToken ct)
    {
        var files = KeyFiles(keysDir);
        if (files.Count == 0) return 0;
        await using var db = await target.CreateDbContextAsync(ct);
        foreach (var f in files)
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = Path.GetFileNameWithoutExtension(f), Xml = await File.ReadAllTextAsync(f, ct) });
        await db.SaveChangesAsync(ct);
        return files.Count;
    }

    private async Task<TableCopy> VerifyKeysAsync(string? keysDir, CancellationToken ct)
    {
        var sourceRows = new List<string>();
        foreach (var f in KeyFiles(keysDir)) sourceRows.Add(Path.GetFileNameWithoutExtension(f) + "\n" + await File.ReadAllTextAsync(f, ct));
        await using var db = await target.CreateDbContextAsync(ct);
        var targetRows = (await db.DataProtectionKeys.AsNoTracking().ToListAsync(ct)).Select(k => k.FriendlyName + "\n" + k.Xml).ToList();
        return new TableCopy(KeysTable, sourceRows.Count, targetRows.Count, Hash(sourceRows), Hash(targetRows));

        static string Hash(List<string> rows) =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\0", rows.Order(StringComparer.Ordinal)))))[..16];
    }

    private static List<string> KeyFiles(string? keysDir) =>
        keysDir is not null && Directory.Exists(keysDir) ? Directory.GetFiles(keysDir, "*.xml").Order(StringComparer.Ordinal).ToList() : [];

    /// <summary>Row count and SHA-256 (first 16 hex digits) of a table's rows in key order, every property as the model sees it.</summary>
    private static async Task<(long Rows, string Checksum)> ChecksumAsync(IDbContextFactory<PaperboyDb> factory, IEntityType table, CancellationToken ct) =>
        await (Task<(long, string)>)ChecksumMethod.MakeGenericMethod(table.ClrType).Invoke(null, [factory, table, ct])!;

    private static readonly MethodInfo ChecksumMethod = typeof(StoreCopy).GetMethod(nameof(ChecksumTableAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static async Task<(long, string)> ChecksumTableAsync<T>(IDbContextFactory<PaperboyDb> factory, IEntityType table, CancellationToken ct) where T : class
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var properties = table.GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        long rows = 0;
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var batch = await InKeyOrder(db.Set<T>(), table).Skip((int)rows).Take(Batch).ToListAsync(ct);
            if (batch.Count == 0) break;
            var line = new StringBuilder();
            foreach (var row in batch)
            {
                var entry = db.Entry(row);
                line.Clear();
                foreach (var name in properties) line.Append(name).Append('=').Append(Canonical(entry.Property(name).CurrentValue)).Append('\u001f');
                hash.AppendData(Encoding.UTF8.GetBytes(line.Append('\u001e').ToString()));
            }
            rows += batch.Count;
        }
        return (rows, Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
    }

    /// <summary>
    /// A value as text that is the same whichever store it came from. Times count in microseconds, kind ignored: SQLite
    /// hands them back without a kind and PostgreSQL as UTC, and <c>timestamptz</c> keeps microseconds where SQLite's text
    /// kept .NET's 100 ns ticks (the tenths of a microsecond are the one thing the copy drops, and nothing reads them).
    /// </summary>
    private static string Canonical(object? v) => v switch
    {
        null => "\u2205",
        DateTime d => (d.Ticks / 10).ToString(System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset d => (d.UtcTicks / 10).ToString(System.Globalization.CultureInfo.InvariantCulture),
        byte[] b => Convert.ToBase64String(b),
        string s => s,
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e => JsonSerializer.Serialize(e, Json),
        _ => v.ToString() ?? "",
    };

    /// <summary>The set ordered by its primary key, column by column.</summary>
    private static IQueryable<T> InKeyOrder<T>(IQueryable<T> set, IEntityType table)
    {
        var row = Expression.Parameter(typeof(T), "row");
        var first = true;
        foreach (var key in table.FindPrimaryKey()!.Properties)
        {
            var access = Expression.Call(typeof(EF), nameof(EF.Property), [key.ClrType], row, Expression.Constant(key.Name));
            var lambda = Expression.Lambda(access, row);
            set = (IQueryable<T>)set.Provider.CreateQuery<T>(Expression.Call(typeof(Queryable), first ? nameof(Queryable.OrderBy) : nameof(Queryable.ThenBy),
                [typeof(T), key.ClrType], set.Expression, Expression.Quote(lambda)));
            first = false;
        }
        return set;
    }
}
