using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Paperboy.Core.Papers;

namespace Paperboy.Storage;

/// <summary>One row of the change log: the indexer follows it by <see cref="Seq"/>.</summary>
public sealed class Change
{
    public long Seq { get; set; }
    public string PaperId { get; set; } = "";
    public bool Deleted { get; set; }
    public DateTime At { get; set; }
}

/// <summary>An id a paper was once known by (a title id before its arXiv id was met); old links keep working.</summary>
public sealed class PaperAlias
{
    public string Id { get; set; } = "";
    public string PaperId { get; set; } = "";
}

/// <summary>The system of record: papers, their aliases and the change log.</summary>
public sealed class PaperboyDb(DbContextOptions<PaperboyDb> options) : DbContext(options)
{
    public const string TitleKey = nameof(TitleKey);
    public const string BoardDay = "BoardDate";
    public const string AddedAt = nameof(AddedAt);

    public DbSet<Paper> Papers => Set<Paper>();
    public DbSet<PaperAlias> Aliases => Set<PaperAlias>();
    public DbSet<Change> Changes => Set<Change>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        b.Entity<Paper>(e =>
        {
            e.ToTable("papers");
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).HasMaxLength(64);
            e.Property(p => p.ArxivId).HasMaxLength(64);
            e.HasIndex(p => p.ArxivId);
            e.Property<string>(TitleKey).HasMaxLength(16);
            e.HasIndex(TitleKey);
            e.Property<DateOnly?>(BoardDay);
            e.HasIndex(BoardDay, nameof(Paper.Upvotes));
            e.Property<DateTime>(AddedAt);
            e.Ignore(p => p.BoardDay);
            e.Ignore(p => p.EffectiveAuthorCount);
            e.Ignore(p => p.ArxivUrl);
            e.Property(p => p.Authors).HasConversion(Json<List<string>>(json), ListComparer<string>());
            e.Property(p => p.Categories).HasConversion(Json<List<string>>(json), ListComparer<string>());
            e.Property(p => p.Links).HasConversion(Json<List<PaperLink>>(json), ListComparer<PaperLink>());
        });
        b.Entity<PaperAlias>(e => { e.ToTable("paper_aliases"); e.HasKey(a => a.Id); e.Property(a => a.Id).HasMaxLength(64); });
        b.Entity<Change>(e =>
        {
            e.ToTable("changes");
            e.HasKey(c => c.Seq);
            e.Property(c => c.Seq).ValueGeneratedOnAdd();
            e.Property(c => c.PaperId).HasMaxLength(64);
        });
    }

    private static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Json<T>(JsonSerializerOptions o) where T : new() =>
        new(v => JsonSerializer.Serialize(v, o), s => string.IsNullOrEmpty(s) ? new T() : JsonSerializer.Deserialize<T>(s, o) ?? new T());

    private static ValueComparer<List<T>> ListComparer<T>() =>
        new((a, c) => a!.SequenceEqual(c!), v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x!.GetHashCode())), v => v.ToList());
}
