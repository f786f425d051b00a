using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;
using Paperboy.Topics;

namespace Paperboy.Pages;

/// <summary>/map: the canvas the map script draws the points on (streamed from /api/map/points), with the topics' labels.</summary>
public sealed class MapModel(TopicCatalog catalog, TopicStore store) : PageModel
{
    public int Total { get; private set; }
    public IReadOnlyList<Topic> Topics { get; private set; } = [];
    /// <summary>The topics for the script: id, label, label position; an attribute value, so Razor encodes it.</summary>
    public string TopicsJson { get; private set; } = "[]";

    public async Task OnGetAsync(CancellationToken ct)
    {
        Topics = await catalog.AllAsync(ct);
        Total = await store.PointCountAsync(ct);
        TopicsJson = JsonSerializer.Serialize(Topics.Select(t => new { id = t.Id, label = t.Label, x = t.X, y = t.Y, size = t.Size }));
    }
}
