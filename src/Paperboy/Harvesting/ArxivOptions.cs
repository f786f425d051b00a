namespace Paperboy.Harvesting;

/// <summary>
/// How Paperboy talks to the arXiv API (configuration section <c>Arxiv</c>). The defaults follow arXiv's terms of use:
/// one request at a time, at most one every three seconds, and a User-Agent that says who is asking.
/// </summary>
public sealed class ArxivOptions
{
    public const string Section = "Arxiv";

    /// <summary>The query endpoint; requests add <c>?id_list=…&amp;max_results=1</c>.</summary>
    public string ApiBaseUrl { get; set; } = "https://export.arxiv.org/api/query";

    /// <summary>The pause between the end of one request and the start of the next, shared by the whole process.</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one attempt (connect, headers and body) may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt on 5xx, 429, timeouts and network errors.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off; each retry doubles it, with ±25% jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest Retry-After we wait for; a server asking for more is reported as unavailable at once.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    public string UserAgent { get; set; } = "Paperboy/1.0 (+self-hosted paper discovery; mailto:admin@localhost)";

    public PoliteHttpPolicy Policy() =>
        new("arXiv", MinInterval, Timeout, MaxRetries, RetryBaseDelay, MaxRetryAfter, BreakAfter: 5, BreakFor: TimeSpan.FromMinutes(1));

    /// <summary>Why these settings cannot work, or null when they can.</summary>
    public string? Problem()
    {
        if (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
            return $"Arxiv:ApiBaseUrl '{ApiBaseUrl}' is not an absolute http(s) URL";
        if (MinInterval < TimeSpan.Zero) return "Arxiv:MinInterval must not be negative";
        if (Timeout <= TimeSpan.Zero) return "Arxiv:Timeout must be positive";
        if (MaxRetries is < 0 or > 10) return "Arxiv:MaxRetries must be between 0 and 10";
        if (RetryBaseDelay < TimeSpan.Zero) return "Arxiv:RetryBaseDelay must not be negative";
        if (MaxRetryAfter < TimeSpan.Zero) return "Arxiv:MaxRetryAfter must not be negative";
        if (string.IsNullOrWhiteSpace(UserAgent) || UserAgent.Any(char.IsControl)) return "Arxiv:UserAgent must be a non-empty single line";
        return null;
    }
}
