using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Paperboy.Core.Papers;

/// <summary>
/// The identity rules of architecture.md: a normalised arXiv id when known, otherwise <c>t-</c> and the first
/// 12 hex digits of the SHA-256 of the normalised title. Both sides of a merge agree through these functions only.
/// </summary>
public static partial class PaperIdentity
{
    // New style 0704.0001 / 2310.01234 (optionally v2), old style math/0601001 or math.GT/0601001. ASCII digits only:
    // \d would also take other scripts' digits, which no arXiv id has.
    [GeneratedRegex(@"^(?:arxiv:)?(?<id>[0-9]{4}\.[0-9]{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7})(?:v(?<v>[0-9]+))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ArxivIdPattern();

    [GeneratedRegex(@"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?<rest>[^\s?#]+?)(?:\.pdf)?/?(?:[?#].*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ArxivUrlPattern();

    /// <summary>Parses an arXiv id or abs/pdf URL into its normalised id and optional version.</summary>
    public static bool TryParseArxivId(string? text, out string id, out int? version)
    {
        id = ""; version = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        var url = ArxivUrlPattern().Match(s);
        if (url.Success) s = url.Groups["rest"].Value;
        var m = ArxivIdPattern().Match(s);
        if (!m.Success) return false;
        // A version is a small positive number; one that does not fit an int (v99999999999) is not an id either.
        if (m.Groups["v"].Success)
        {
            if (!int.TryParse(m.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1) return false;
            version = v;
        }
        var raw = m.Groups["id"].Value;
        // The archive part of old-style ids is lower-case; a subject class (math.GT) is dropped as arXiv does.
        var slash = raw.IndexOf('/');
        id = slash < 0 ? raw : raw[..slash].Split('.')[0].ToLowerInvariant() + raw[slash..];
        return true;
    }

    /// <summary>Lower-case, every run of non-alphanumerics collapsed to one space, trimmed.</summary>
    public static string NormaliseTitle(string title)
    {
        var sb = new StringBuilder(title.Length);
        var pendingSpace = false;
        foreach (var ch in title.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(ch))
            {
                if (pendingSpace && sb.Length > 0) sb.Append(' ');
                pendingSpace = false;
                sb.Append(char.ToLowerInvariant(ch));
            }
            else pendingSpace = true;
        }
        return sb.ToString();
    }

    /// <summary>The stable id of a paper known only by its title.</summary>
    public static string TitleId(string title)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(NormaliseTitle(title)));
        return "t-" + Convert.ToHexStringLower(hash)[..12];
    }

    /// <summary>The id a paper gets: its arXiv id when known, else its title id.</summary>
    public static string IdFor(Paper paper) => paper.ArxivId ?? TitleId(paper.Title);

    public static bool IsTitleId(string id) => id.StartsWith("t-", StringComparison.Ordinal);
}
