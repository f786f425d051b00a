using Paperboy.Storage;

namespace Paperboy.Topics;

/// <summary>
/// The topics as pages show them (label, size, map position), read from the store and kept for a few seconds: every
/// card on every page shows its topic, and the topics change only when the indexer recomputes or places papers.
/// </summary>
public sealed class TopicCatalog(TopicStore store, TimeProvider clock)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(5);
    private (DateTimeOffset At, IReadOnlyList<Topic> Topics, IReadOnlyDictionary<int, Topic> ById)? _cached;

    public async Task<IReadOnlyList<Topic>> AllAsync(CancellationToken ct = default) => (await LoadAsync(ct)).Topics;

    public async Task<Topic?> FindAsync(int id, CancellationToken ct = default) => (await LoadAsync(ct)).ById.GetValueOrDefault(id);

    private async Task<(DateTimeOffset At, IReadOnlyList<Topic> Topics, IReadOnlyDictionary<int, Topic> ById)> LoadAsync(CancellationToken ct)
    {
        if (_cached is { } c && clock.GetUtcNow() - c.At < KeepFor) return c;
        var topics = await store.TopicsAsync(ct);
        var fresh = (clock.GetUtcNow(), (IReadOnlyList<Topic>)topics, (IReadOnlyDictionary<int, Topic>)topics.ToDictionary(t => t.Id));
        _cached = fresh;
        return fresh;
    }
}

/// <summary>Per request: the topic of each paper on the page, loaded once before rendering (like <see cref="Pages.ViewerVotes"/>).</summary>
public sealed class CardTopics(TopicStore store, TopicCatalog catalog)
{
    private Dictionary<string, Topic> _topics = new(StringComparer.Ordinal);

    public Topic? Of(string paperId) => _topics.GetValueOrDefault(paperId);

    public async Task LoadAsync(IEnumerable<Core.Papers.Paper> papers, CancellationToken ct)
    {
        var ids = papers.Select(p => p.Id).Distinct().ToList();
        if (ids.Count == 0) return;
        var of = await store.TopicOfAsync(ids, ct);
        foreach (var (paper, topic) in of)
            if (await catalog.FindAsync(topic, ct) is { } t) _topics[paper] = t;
    }
}
