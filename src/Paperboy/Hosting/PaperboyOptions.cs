namespace Paperboy.Hosting;

/// <summary>Top-level settings from appsettings.json, overridden by <c>PAPERBOY_</c> environment variables (<c>PAPERBOY_DataDir=/srv/paperboy</c>).</summary>
public sealed class PaperboyOptions
{
    /// <summary>The data directory: <c>paperboy.db</c>, <c>index/</c>, <c>keys/</c>.</summary>
    public string DataDir { get; set; } = "./data";

    /// <summary>Import the bundled demo corpus when the store is empty at start-up.</summary>
    public bool SeedDemo { get; set; } = true;

    /// <summary>How often the indexer looks at the change log for work done by other processes.</summary>
    public TimeSpan IndexPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The site's public address (scheme, host, optional path; no trailing slash needed), used for every link in mails:
    /// confirmation, digests, unsubscribe. Mails must not take it from a request's Host header, which a client chooses.
    /// </summary>
    public string PublicUrl { get; set; } = "http://localhost:8080";

    /// <summary>What is wrong with <see cref="PublicUrl"/>, or null.</summary>
    public string? PublicUrlProblem() =>
        Uri.TryCreate(PublicUrl, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(u.Query) && string.IsNullOrEmpty(u.Fragment)
            ? null
            : $"PublicUrl '{PublicUrl}' is not an absolute http(s) address such as https://papers.example.org";

    public string DbPath => Path.Combine(DataDir, "paperboy.db");
    public string LexicalIndexPath => Path.Combine(DataDir, "index", "lexical");
    public string SemanticIndexPath => Path.Combine(DataDir, "index", "semantic");
    public string KeysPath => Path.Combine(DataDir, "keys");
}
