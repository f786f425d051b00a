using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>/trending: papers by upvotes with time decay, score = upvotes / (age in hours + 2)^1.5.</summary>
public sealed class TrendingModel(PaperStore store, ViewerVotes votes, Paperboy.Topics.CardTopics cardTopics) : PageModel
{
    public IReadOnlyList<(Paper Paper, double Score)> Papers { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Papers = await store.TrendingAsync(30, ct);
        await votes.LoadAsync(Papers.Select(p => p.Paper), ct);
        await cardTopics.LoadAsync(Papers.Select(p => p.Paper), ct);
    }
}
