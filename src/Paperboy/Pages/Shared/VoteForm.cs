using System.Globalization;
using Microsoft.AspNetCore.Html;
using Paperboy.Core.Papers;

namespace Paperboy.Pages;

/// <summary>
/// A paper's upvote button: a real form, so it works without JavaScript (and signs the visitor in first); site.js
/// sends it without a reload. Written once here for every card and the paper page: as a partial per card with a form
/// tag helper it was a fifth of a board page's CPU (50 cards, 100 partials).
/// </summary>
public static class VoteForm
{
    /// <param name="returnUrl">Where to come back to after signing in; encoded here.</param>
    /// <param name="antiforgery">The request's antiforgery field (<c>Html.AntiForgeryToken()</c>).</param>
    public static IHtmlContent Render(Paper p, bool voted, bool signedIn, string returnUrl, IHtmlContent antiforgery)
    {
        var html = new HtmlContentBuilder(12);
        html.AppendHtml("<form method=\"post\" action=\"/papers/").Append(Uri.EscapeDataString(p.Id)).AppendHtml("/vote\" class=\"vote-form\">");
        html.AppendHtml("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(returnUrl).AppendHtml("\">");
        html.AppendHtml(voted ? "<button type=\"submit\" class=\"votes voted\" aria-pressed=\"true\" title=\"" : "<button type=\"submit\" class=\"votes\" aria-pressed=\"false\" title=\"");
        html.Append(signedIn ? (voted ? "Withdraw your upvote" : "Upvote") : "Sign in to upvote");
        html.AppendHtml("\"><span aria-hidden=\"true\">▲</span><span class=\"count\">").Append(p.TotalUpvotes.ToString(CultureInfo.InvariantCulture))
            .AppendHtml("</span><span class=\"visually-hidden\"> upvotes</span></button>");
        html.AppendHtml(antiforgery);
        html.AppendHtml("</form>");
        return html;
    }
}
