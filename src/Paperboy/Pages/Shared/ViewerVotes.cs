using System.Security.Claims;
using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Pages;

/// <summary>Per request: which of the papers on the page the signed-in member has upvoted, loaded once before rendering.</summary>
public sealed class ViewerVotes(VoteStore votes, IHttpContextAccessor http)
{
    private HashSet<string> _voted = [];

    public bool SignedIn => http.HttpContext?.User.Identity?.IsAuthenticated == true;

    public bool Has(string paperId) => _voted.Contains(paperId);

    public async Task LoadAsync(IEnumerable<Paper> papers, CancellationToken ct)
    {
        var userId = http.HttpContext?.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return;
        _voted = await votes.VotedAsync(userId, papers.Select(p => p.Id).Distinct().ToList(), ct);
    }
}
