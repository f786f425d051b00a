using AngleSharp.Dom;
using Ganss.Xss;
using Markdig;

namespace Paperboy.Comments;

/// <summary>
/// Turns a comment's Markdown into the HTML stored with it, once, when it is written: Markdig with raw HTML disabled
/// (so <c>&lt;script&gt;</c> stays text), then HtmlSanitizer keeping only a few basic tags. Links keep only absolute
/// http/https targets and are marked <c>rel="nofollow noopener ugc"</c>.
/// </summary>
public static class CommentMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().UseAutoLinks().Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline)).Trim();

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(["p", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote"], StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(["http", "https"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
            AllowedClasses = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        })
        {
            // A heading or an image becomes its text rather than vanishing with it.
            KeepChildNodes = true,
        };
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is not IElement { LocalName: "a" } a) return;
            var href = a.GetAttribute("href");
            // Relative and protocol-relative targets are dropped too: only absolute http(s) links survive.
            if (href is null || !Uri.TryCreate(href, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                a.RemoveAttribute("href");
            else a.SetAttribute("rel", "nofollow noopener ugc");
        };
        return sanitizer;
    }
}
