using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Storage;
using Paperboy.Topics;

namespace Paperboy.Pages.Topics;

/// <summary>/topics: every topic, largest first.</summary>
public sealed class IndexModel(TopicCatalog catalog) : PageModel
{
    public IReadOnlyList<Topic> Topics { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Topics = await catalog.AllAsync(ct);
}
