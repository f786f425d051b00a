namespace Paperboy.Harvesting;

/// <summary>
/// What Paperboy harvests and how politely (configuration section <c>Harvest</c>). The defaults follow arXiv's and
/// Hugging Face's terms: one request every 3 s per host, a User-Agent that says who is asking, back-off on errors.
/// The arXiv API source uses the <c>Arxiv</c> section's endpoint and rate (the client that submissions use).
/// </summary>
public sealed class HarvestOptions
{
    public const string Section = "Harvest";

    /// <summary>When <c>serve</c> harvests every enabled source: a cron expression (Cronos, UTC); empty means never (the CLI still can).</summary>
    public string Schedule { get; set; } = "";
    /// <summary>The harvest job lock's lease (SQLite) or check interval (PostgreSQL).</summary>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The User-Agent of OAI-PMH and Hugging Face requests; empty means the <c>Arxiv:UserAgent</c>.</summary>
    public string UserAgent { get; set; } = "";
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>One attempt; OAI-PMH pages hold a thousand records and arXiv builds them slowly.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
    public int MaxRetries { get; set; } = 4;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>arXiv's OAI-PMH answers 503 with Retry-After while it builds a page; we wait up to this long for it.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Requests failed in a row (after their retries) that open a host's circuit, and for how long.</summary>
    public int BreakAfter { get; set; } = 3;
    public TimeSpan BreakFor { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How many days back a source starts on its first run (no watermark yet).</summary>
    public int FirstRunDays { get; set; } = 3;

    public OaiSource Oai { get; set; } = new();
    public ArxivApiSource Arxiv { get; set; } = new();
    public HfSource Hf { get; set; } = new();

    public sealed class OaiSource
    {
        public bool Enabled { get; set; } = true;
        public string BaseUrl { get; set; } = "https://export.arxiv.org/oai2";
        /// <summary><c>arXiv</c> (authors split into names, created/updated dates) or <c>arXivRaw</c> (version numbers).</summary>
        public string MetadataPrefix { get; set; } = "arXiv";
        /// <summary>Empty means <see cref="DefaultSets"/> (a list default would be merged with, not replaced by, configured items).</summary>
        public List<string> Sets { get; set; } = [];
        public static readonly string[] DefaultSets = ["cs"];
    }

    public sealed class ArxivApiSource
    {
        public bool Enabled { get; set; } = true;
        /// <summary>arXiv categories, each harvested as the query <c>cat:…</c>.</summary>
        /// <summary>Empty, with no <see cref="Queries"/> either, means <see cref="DefaultCategories"/>.</summary>
        public List<string> Categories { get; set; } = [];
        public static readonly string[] DefaultCategories = ["cs.LG", "cs.CL", "cs.CV", "cs.AI"];
        /// <summary>Further arXiv API queries (<c>all:"diffusion model"</c>).</summary>
        public List<string> Queries { get; set; } = [];
        public int PageSize { get; set; } = 100;
        /// <summary>At most this many pages per query and run; OAI-PMH fills any older gap.</summary>
        public int MaxPages { get; set; } = 10;
    }

    public sealed class HfSource
    {
        public bool Enabled { get; set; } = true;
        public string BaseUrl { get; set; } = "https://huggingface.co";
    }

    /// <summary>Fills in the default sets and categories when none are configured.</summary>
    public void ApplyDefaults()
    {
        if (Oai.Sets.Count == 0) Oai.Sets = [.. OaiSource.DefaultSets];
        if (Arxiv.Categories.Count == 0 && Arxiv.Queries.Count == 0) Arxiv.Categories = [.. ArxivApiSource.DefaultCategories];
    }

    public PoliteHttpPolicy Policy(string service) =>
        new(service, MinInterval, Timeout, MaxRetries, RetryBaseDelay, MaxRetryAfter, BreakAfter, BreakFor);

    /// <summary>Why these settings cannot work, or null when they can.</summary>
    public string? Problem()
    {
        foreach (var (name, url) in new[] { ("Harvest:Oai:BaseUrl", Oai.BaseUrl), ("Harvest:Hf:BaseUrl", Hf.BaseUrl) })
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
                return $"{name} '{url}' is not an absolute http(s) URL";
        if (Oai.MetadataPrefix is not ("arXiv" or "arXivRaw")) return "Harvest:Oai:MetadataPrefix must be arXiv or arXivRaw";
        if (MinInterval < TimeSpan.Zero) return "Harvest:MinInterval must not be negative";
        if (Timeout <= TimeSpan.Zero) return "Harvest:Timeout must be positive";
        if (MaxRetries is < 0 or > 10) return "Harvest:MaxRetries must be between 0 and 10";
        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero || BreakFor < TimeSpan.Zero) return "Harvest: delays must not be negative";
        if (BreakAfter < 1) return "Harvest:BreakAfter must be at least 1";
        if (FirstRunDays is < 0 or > 3650) return "Harvest:FirstRunDays must be between 0 and 3650";
        if (Arxiv.PageSize is < 1 or > 2000) return "Harvest:Arxiv:PageSize must be between 1 and 2000";
        if (Arxiv.MaxPages < 1) return "Harvest:Arxiv:MaxPages must be at least 1";
        if (UserAgent.Any(char.IsControl)) return "Harvest:UserAgent must be a single line";
        return null;
    }
}
