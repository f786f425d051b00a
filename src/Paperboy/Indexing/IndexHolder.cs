using Microsoft.Extensions.Options;
using Paperboy.Hosting;
using Paperboy.Search.Lexical;
using Paperboy.Search.Semantic;

namespace Paperboy.Indexing;

/// <summary>
/// Owns this process's indexes. The first process to open the lexical index holds its writer; a second one (the CLI
/// while the server runs) opens it read-only and sees what the writer has committed. The semantic index is built
/// with the configured embedder (or LSA) and saved on shutdown.
/// </summary>
public sealed class IndexHolder : IDisposable
{
    private readonly Lazy<LexicalIndex> _lexical;
    private readonly Lazy<SemanticIndex> _semantic;

    public IndexHolder(IOptions<PaperboyOptions> options, IOptions<EmbedderOptions> embedder, IOptions<Searching.SearchOptions> search, IHttpClientFactory http, ILogger<IndexHolder> logger)
    {
        _lexical = new(() =>
        {
            LexicalIndex.DecodedPostingsBudget = search.Value.DecodedPostingsMegabytes << 20;
            var path = options.Value.LexicalIndexPath;
            try
            {
                var index = LexicalIndex.Open(path);
                if (index.CorruptionFound is { } why) logger.LogWarning("The lexical index was damaged and is rebuilt from the store ({Reason})", why);
                return index;
            }
            catch (Lucene.Net.Store.LockObtainFailedException) { return LexicalIndex.OpenReadOnly(path); }
        });
        _semantic = new(() => new SemanticIndex(options.Value.SemanticIndexPath, EmbedderSetup.Create(embedder.Value, http),
            warning => logger.LogWarning("{Warning}", warning)));
    }

    public LexicalIndex Lexical => _lexical.Value;
    public SemanticIndex Semantic => _semantic.Value;

    public void Dispose()
    {
        if (_lexical.IsValueCreated)
        {
            if (!_lexical.Value.ReadOnly && _semantic.IsValueCreated) _semantic.Value.Save();
            _lexical.Value.Dispose();
        }
        if (_semantic.IsValueCreated) _semantic.Value.Dispose();
    }
}
