using Microsoft.Extensions.Options;
using Paperboy.Hosting;
using Paperboy.Search.Lexical;
using Paperboy.Search.Semantic;

namespace Paperboy.Indexing;

/// <summary>
/// Owns this process's lexical index. The first process to open it holds the writer; a second one (the CLI while
/// the server runs) opens it read-only and sees what the writer has committed.
/// </summary>
public sealed class IndexHolder(IOptions<PaperboyOptions> options) : IDisposable
{
    private readonly Lazy<LexicalIndex> _lexical = new(() =>
    {
        var path = options.Value.LexicalIndexPath;
        try { return LexicalIndex.Open(path); }
        catch (Lucene.Net.Store.LockObtainFailedException) { return LexicalIndex.OpenReadOnly(path); }
    });

    private readonly Lazy<SemanticIndex> _semantic = new(() => new SemanticIndex(options.Value.SemanticIndexPath));

    public LexicalIndex Lexical => _lexical.Value;
    public SemanticIndex Semantic => _semantic.Value;

    public void Dispose()
    {
        if (_lexical.IsValueCreated)
        {
            if (!_lexical.Value.ReadOnly && _semantic.IsValueCreated) _semantic.Value.Save();
            _lexical.Value.Dispose();
        }
    }
}
