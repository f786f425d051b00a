using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Paperboy.Storage;

/// <summary>
/// The same model on PostgreSQL, with a model snapshot and migrations of its own (<c>Migrations/Postgres</c>).
/// Only what PostgreSQL needs to behave exactly like the SQLite store lives here:
/// <list type="bullet">
/// <item>every text column uses the "C" collation, i.e. byte order, as SQLite's BINARY does: equality stays
/// case-sensitive (emails and user names are compared in their normalised columns on both), and <c>ORDER BY</c> and the
/// keyset paging of <see cref="PaperStore.AllAsync"/> give the same order whatever locale the database was created with;</item>
/// <item>every time is a <c>timestamp with time zone</c> holding UTC: a <see cref="DateTime"/> of unspecified kind is taken
/// as UTC (what the stores mean by it; SQLite hands them back that way), a <see cref="DateTimeOffset"/> is stored at
/// offset 0 (Npgsql refuses anything else), and both come back as UTC;</item>
/// <item>the ASP.NET Core data-protection key ring, so every web node signs and reads cookies, antiforgery tokens and
/// email links with the same keys.</item>
/// </list>
/// </summary>
public sealed class PostgresPaperboyDb(DbContextOptions<PostgresPaperboyDb> options) : PaperboyDb(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        b.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        foreach (var entity in b.Model.GetEntityTypes())
            foreach (var property in entity.GetProperties().Where(p => p.ClrType == typeof(string)))
                property.SetCollation("C");
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder c)
    {
        base.ConfigureConventions(c);
        c.Properties<DateTime>().HaveConversion<UtcDateTime>();
        c.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffset>();
    }

    public sealed class UtcDateTime() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    public sealed class UtcDateTimeOffset() : ValueConverter<DateTimeOffset, DateTimeOffset>(
        v => v.ToUniversalTime(),
        v => v.ToUniversalTime());
}
