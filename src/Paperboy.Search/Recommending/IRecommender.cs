namespace Paperboy.Search.Recommending;

/// <summary>A paper recommended to a member, with the liked paper that it most resembles.</summary>
public sealed record Recommendation(string PaperId, double Score, string? BecauseOfPaperId);

/// <summary>Ranks candidate papers for one member from the papers they liked (upvoted or collected).</summary>
public interface IRecommender
{
    /// <summary>The best <paramref name="count"/> of <paramref name="candidatePaperIds"/>, best first; empty when the member liked too little to learn from.</summary>
    IReadOnlyList<Recommendation> Recommend(IReadOnlyCollection<string> likedPaperIds, IReadOnlyList<string> candidatePaperIds, int count);
}
