using System.Text.RegularExpressions;

namespace Paperboy.Core.Papers;

/// <summary>Finds code and project links in free text (abstracts say "Our code is available at https://github.com/…").</summary>
public static partial class CodeLinks
{
    // A URL ends at white space, quotes, brackets and braces: stripped LaTeX leaves "\href{url}{text}" as "url{url}".
    [GeneratedRegex(@"https?://[^\s<>""'`\)\]\{\}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    private static readonly string[] CodeHosts = ["github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co", "sourceforge.net"];

    public static List<PaperLink> Find(string text)
    {
        var links = new List<PaperLink>();
        foreach (Match m in UrlPattern().Matches(text))
        {
            var url = m.Value.TrimEnd('.', ',', ';', ':', '!', '?');
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || !uri.Host.Contains('.')) continue;
            var host = uri.Host.ToLowerInvariant();
            if (host.StartsWith("www.")) host = host[4..];
            var kind = CodeHosts.Contains(host) ? PaperLink.Code : PaperLink.Project;
            if (!links.Exists(l => l.Url == url)) links.Add(new PaperLink(kind, url));
        }
        return links;
    }
}
