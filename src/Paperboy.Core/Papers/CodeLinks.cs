using System.Text.RegularExpressions;

namespace Paperboy.Core.Papers;

/// <summary>
/// Finds code and project links in free text (abstracts say "Our code is available at https://github.com/…").
/// Links to code hosts count as code, anything else (github.io pages, lab sites) as a project page. Abstracts also
/// name repositories without a scheme ("at github.com/owner/repo"); those are found for the code hosts only, where
/// a bare host name cannot be anything else.
/// </summary>
public static partial class CodeLinks
{
    // A URL ends at white space, quotes, brackets and braces: stripped LaTeX leaves "\href{url}{text}" as "url{url}".
    [GeneratedRegex(@"https?://[^\s<>""'`\)\]\{\}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    // "github.com/owner/repo" or "www.gitlab.com/group/project" not preceded by a scheme or another host part.
    [GeneratedRegex(@"(?<![\w./:@-])(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/[\w.-]+/[\w.-]+[^\s<>""'`\)\]\{\}]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BareRepoPattern();

    private static readonly string[] CodeHosts = ["github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co", "sourceforge.net", "anonymous.4open.science"];

    public static List<PaperLink> Find(string text)
    {
        var links = new List<PaperLink>();
        foreach (Match m in UrlPattern().Matches(text)) Add(links, m.Value);
        foreach (Match m in BareRepoPattern().Matches(text)) Add(links, "https://" + m.Value);
        return links;
    }

    private static void Add(List<PaperLink> links, string candidate)
    {
        var url = candidate.TrimEnd('.', ',', ';', ':', '!', '?');
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || !uri.Host.Contains('.')) return;
        var host = uri.Host.ToLowerInvariant();
        if (host.StartsWith("www.")) host = host[4..];
        var kind = CodeHosts.Contains(host) ? PaperLink.Code : PaperLink.Project;
        if (!links.Exists(l => l.Url == url)) links.Add(new PaperLink(kind, url));
    }
}
