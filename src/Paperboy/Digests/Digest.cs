using Paperboy.Core.Papers;
using Paperboy.Storage;

namespace Paperboy.Digests;

/// <summary>Why a paper is in a digest; also the order of the sections.</summary>
public enum DigestReason { SavedSearch, Recommended, Trending }

/// <summary>One paper of a digest and why it is there, in words (<c>trending</c>, <c>because you liked …</c>, <c>matches '…'</c>).</summary>
public sealed record DigestItem(Paper Paper, DigestReason Reason, string Why);

/// <summary>What one subscriber gets for one period: each paper once, with its reason.</summary>
public sealed record Digest(Subscription Subscription, DigestPeriod Period, IReadOnlyList<DigestItem> Items)
{
    public bool IsEmpty => Items.Count == 0;
}
