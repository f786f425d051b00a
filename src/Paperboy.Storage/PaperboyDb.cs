using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
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
    /// <summary>Only counts (votes, comments) changed: indexes of the text need not re-embed the paper.</summary>
    public bool CountsOnly { get; set; }
    public DateTime At { get; set; }
}

/// <summary>An id a paper was once known by (a title id before its arXiv id was met); old links keep working.</summary>
public sealed class PaperAlias
{
    public string Id { get; set; } = "";
    public string PaperId { get; set; } = "";
}

/// <summary>
/// Where an unfinished bulk load of one file stands: written in the same transaction as each batch, removed with the
/// last one. The file is recognised by its path, the SHA-256 of its first MiB and that of the 64 KiB before
/// <see cref="Offset"/>, so a file fixed after the stopping point resumes and a different file starts over.
/// </summary>
public sealed class BulkCheckpoint
{
    public string Path { get; set; } = "";
    public string HeadHash { get; set; } = "";
    public string TailHash { get; set; } = "";
    /// <summary>The byte offset after the last committed line.</summary>
    public long Offset { get; set; }
    /// <summary>The number of the last committed line.</summary>
    public int Line { get; set; }
    /// <summary>Snapshot records committed so far.</summary>
    public long Records { get; set; }
    /// <summary>A loader is at work (false once it stopped on an error or Ctrl-C; a killed one goes stale by <see cref="UpdatedAt"/>).</summary>
    public bool Running { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A member: an ASP.NET Core Identity user with the name shown next to their votes, comments and submissions.</summary>
public sealed class PaperboyUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}

/// <summary>One member's upvote of one paper; the key makes a second vote impossible.</summary>
public sealed class Vote
{
    public string UserId { get; set; } = "";
    public string PaperId { get; set; } = "";
    public DateTime At { get; set; }
}

/// <summary>A personal API token. Only its SHA-256 is stored; the prefix lets its owner recognise it.</summary>
public sealed class ApiToken
{
    public long Id { get; set; }
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Prefix { get; set; } = "";
    public string Hash { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

/// <summary>
/// The system of record: papers, their aliases, the change log, and the community (members, votes, tokens).
/// This is the SQLite context (its migrations are <c>Migrations/Sqlite</c>); <see cref="PostgresPaperboyDb"/> derives
/// from it so that PostgreSQL has a model snapshot and migrations of its own. The stores only ever see this type.
/// </summary>
public class PaperboyDb : IdentityDbContext<PaperboyUser>
{
    public PaperboyDb(DbContextOptions<PaperboyDb> options) : base(options) { }

    /// <summary>For a provider-specific context (its own options type, so each has its own pool and migrations).</summary>
    protected PaperboyDb(DbContextOptions options) : base(options) { }

    public const string TitleKey = nameof(TitleKey);
    public const string BoardDay = "BoardDate";
    /// <summary>The index boards are ranked from: (board day, upvotes, members' votes, id).</summary>
    public const string BoardIndex = "IX_papers_Board";
    /// <summary>The partial index of voted papers trending reads: the board index's columns, for the papers with votes only.</summary>
    public const string VotedIndex = "IX_papers_Voted_BoardDate";

    /// <summary>The partial index's condition, written as EF Core writes <c>p.Upvotes + p.MemberVotes &gt; 0</c> (SQLite uses a partial index only for a query with the same term).</summary>
    public const string VotedFilter = "\"Upvotes\" + \"MemberVotes\" > 0";
    public const string AddedAt = nameof(AddedAt);
    /// <summary>
    /// The <see cref="PaperEnrichment.Version"/> a paper's derived fields were computed with. Its column default is the
    /// current version, so every way of inserting papers (EF, the bulk insert's own SQL) stamps new rows without
    /// naming it; rows stored before a version existed or under older rules hold less, and
    /// <see cref="EnrichmentBackfill"/> brings them up to date.
    /// </summary>
    public const string EnrichmentVersion = nameof(EnrichmentVersion);

    /// <summary>How the list columns (authors, categories, links, datasets) are stored.</summary>
    private static readonly JsonSerializerOptions ListJson = new(JsonSerializerDefaults.Web);

    public DbSet<Paper> Papers => Set<Paper>();
    public DbSet<PaperAlias> Aliases => Set<PaperAlias>();
    public DbSet<Change> Changes => Set<Change>();
    public DbSet<Vote> Votes => Set<Vote>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<Collection> Collections => Set<Collection>();
    public DbSet<CollectionItem> CollectionItems => Set<CollectionItem>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<OutboxDigest> DigestOutbox => Set<OutboxDigest>();
    public DbSet<JobLock> JobLocks => Set<JobLock>();
    public DbSet<BulkCheckpoint> BulkCheckpoints => Set<BulkCheckpoint>();
    public DbSet<HarvestState> HarvestStates => Set<HarvestState>();
    public DbSet<PaperRelation> Relations => Set<PaperRelation>();
    public DbSet<PaperBand> Bands => Set<PaperBand>();
    public DbSet<Topic> Topics => Set<Topic>();
    public DbSet<PaperTopic> PaperTopics => Set<PaperTopic>();
    public DbSet<TopicMapState> TopicMapStates => Set<TopicMapState>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        var json = ListJson;
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
            // Boards rank from this index alone (see PaperStore.InBoardOrder): day, both vote counts and the id.
            e.HasIndex([BoardDay, nameof(Paper.Upvotes), nameof(Paper.MemberVotes), nameof(Paper.Id)], BoardIndex);
            // Trending reads the newest papers that have votes: only those are in this index, so it does not scan the
            // millions of unvoted papers of a bulk-loaded arXiv (3–11 s a view at 2.5M papers). It holds the board index's
            // columns: were it not covering too, SQLite would prefer the board index and walk every unvoted paper again.
            e.HasIndex([BoardDay, nameof(Paper.Upvotes), nameof(Paper.MemberVotes), nameof(Paper.Id)], VotedIndex).HasFilter(VotedFilter);
            e.Property<DateTime>(AddedAt);
            e.Ignore(p => p.BoardDay);
            e.Ignore(p => p.EffectiveAuthorCount);
            e.Ignore(p => p.ArxivUrl);
            e.Ignore(p => p.TotalUpvotes);
            e.Property(p => p.Authors).HasConversion(Json<List<string>>(json), ListComparer<string>());
            e.Property(p => p.Categories).HasConversion(Json<List<string>>(json), ListComparer<string>());
            e.Property(p => p.Links).HasConversion(Json<List<PaperLink>>(json), ListComparer<PaperLink>());
        });
        // Harvesting and enrichment (issue 6).
        b.Entity<Paper>(e =>
        {
            e.Property(p => p.Datasets).HasConversion(Json<List<string>>(json), ListComparer<string>());
            e.Property(p => p.Headline).HasMaxLength(2_000);
            e.Property<int>(EnrichmentVersion).HasDefaultValue(PaperEnrichment.Version);
        });
        b.Entity<HarvestState>(e =>
        {
            e.ToTable("harvest_states");
            e.HasKey(h => h.Source);
            e.Property(h => h.Source).HasMaxLength(200);
            e.Property(h => h.Cursor).HasMaxLength(2_000);
            e.Property(h => h.LastError).HasMaxLength(2_000);
        });
        b.Entity<PaperRelation>(e =>
        {
            e.ToTable("paper_relations");
            e.HasKey(r => new { r.PaperId, r.OtherId });
            e.Property(r => r.PaperId).HasMaxLength(64);
            e.Property(r => r.OtherId).HasMaxLength(64);
            e.Property(r => r.Kind).HasMaxLength(32);
        });
        b.Entity<PaperBand>(e =>
        {
            e.ToTable("paper_bands");
            e.HasKey(x => new { x.Key, x.PaperId });
            e.Property(x => x.PaperId).HasMaxLength(64);
            e.HasIndex(x => x.PaperId);
        });
        b.Entity<Vote>(e =>
        {
            e.ToTable("votes");
            e.HasKey(v => new { v.UserId, v.PaperId });
            e.HasIndex(v => v.PaperId);
            e.Property(v => v.PaperId).HasMaxLength(64);
        });
        b.Entity<ApiToken>(e =>
        {
            e.ToTable("api_tokens");
            e.HasKey(t => t.Id);
            e.HasIndex(t => t.Hash).IsUnique();
            e.Property(t => t.Name).HasMaxLength(100);
        });
        b.Entity<Comment>(e =>
        {
            e.ToTable("comments");
            e.HasKey(c => c.Id);
            e.Property(c => c.PaperId).HasMaxLength(64);
            e.Property(c => c.Markdown).HasMaxLength(Comment.MaxLength);
            e.HasIndex(c => new { c.PaperId, c.CreatedAt });
            e.HasIndex(c => c.UserId);
        });
        b.Entity<Collection>(e =>
        {
            e.ToTable("collections");
            e.HasKey(c => c.Id);
            e.Property(c => c.Name).HasMaxLength(Collection.MaxName);
            e.Property(c => c.Description).HasMaxLength(Collection.MaxDescription);
            e.HasIndex(c => c.OwnerId);
        });
        b.Entity<CollectionItem>(e =>
        {
            e.ToTable("collection_items");
            e.HasKey(i => new { i.CollectionId, i.PaperId });
            e.Property(i => i.PaperId).HasMaxLength(64);
            e.HasIndex(i => i.PaperId);
            e.HasOne<Collection>().WithMany().HasForeignKey(i => i.CollectionId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Subscription>(e =>
        {
            e.ToTable("subscriptions");
            e.HasKey(s => s.Id);
            e.Property(s => s.Email).HasMaxLength(Subscription.MaxEmail);
            e.HasIndex(s => s.Email).IsUnique();
            e.Property(s => s.Frequency).HasConversion<string>().HasMaxLength(8);
            e.Property(s => s.SavedQuery).HasMaxLength(Subscription.MaxSavedQuery);
            e.Property(s => s.UserId).HasMaxLength(450);
            e.HasIndex(s => s.UserId);
            e.Ignore(s => s.Active);
        });
        b.Entity<OutboxDigest>(e =>
        {
            e.ToTable("digest_outbox");
            e.HasKey(d => d.Id);
            e.Property(d => d.PeriodKey).HasMaxLength(OutboxDigest.MaxPeriodKey);
            e.Property(d => d.Recipient).HasMaxLength(Subscription.MaxEmail);
            e.Property(d => d.MessageId).HasMaxLength(200);
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(8);
            e.Property(d => d.ClaimedBy).HasMaxLength(JobLock.MaxOwner);
            e.Property(d => d.LastError).HasMaxLength(OutboxDigest.MaxError);
            e.HasIndex(d => new { d.SubscriptionId, d.PeriodKey }).IsUnique();
            e.HasIndex(d => new { d.Status, d.NextAttemptAt });
            e.HasOne<Subscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<JobLock>(e =>
        {
            e.ToTable("job_locks");
            e.HasKey(l => l.Name);
            e.Property(l => l.Name).HasMaxLength(JobLock.MaxName);
            e.Property(l => l.Owner).HasMaxLength(JobLock.MaxOwner);
        });
        b.Entity<PaperboyUser>(e => e.Property(u => u.DisplayName).HasMaxLength(64));
        b.Entity<PaperAlias>(e => { e.ToTable("paper_aliases"); e.HasKey(a => a.Id); e.Property(a => a.Id).HasMaxLength(64); });
        b.Entity<BulkCheckpoint>(e =>
        {
            e.ToTable("bulk_checkpoints");
            e.HasKey(c => c.Path);
            e.Property(c => c.Path).HasMaxLength(4096);
            e.Property(c => c.HeadHash).HasMaxLength(64);
            e.Property(c => c.TailHash).HasMaxLength(64);
        });
        b.Entity<Topic>(e =>
        {
            e.ToTable("topics");
            e.HasKey(t => t.Id);
            e.Property(t => t.Id).ValueGeneratedNever();
            e.Property(t => t.Terms).HasMaxLength(400);
            e.Ignore(t => t.TermList);
            e.Ignore(t => t.Label);
        });
        b.Entity<PaperTopic>(e =>
        {
            e.ToTable("paper_topics");
            e.HasKey(t => t.PaperId);
            e.Property(t => t.PaperId).HasMaxLength(64);
            e.HasIndex(t => t.TopicId);
        });
        b.Entity<TopicMapState>(e =>
        {
            e.ToTable("topic_map_state");
            e.HasKey(s => s.Id);
            e.Property(s => s.Id).ValueGeneratedNever();
            e.Property(s => s.Embedder).HasMaxLength(200);
        });
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
