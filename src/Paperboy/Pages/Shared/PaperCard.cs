using Paperboy.Core.Papers;

namespace Paperboy.Pages;

/// <summary>What a paper card shows; highlighted HTML comes pre-encoded from the search side.</summary>
public sealed record PaperCard(Paper Paper, string? TitleHtml = null, string? SnippetHtml = null)
{
    public static string Excerpt(string text, int max = 320)
    {
        if (text.Length <= max) return text;
        var cut = text.LastIndexOf(' ', max);
        return text[..(cut > max / 2 ? cut : max)] + " …";
    }

    public static string AuthorLine(Paper p) =>
        p.Authors.Count <= 3 ? string.Join(", ", p.Authors) : $"{string.Join(", ", p.Authors.Take(3))} +{p.Authors.Count - 3}";
}
