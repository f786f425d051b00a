using Microsoft.Extensions.Options;
using MimeKit;
using Paperboy.Hosting;

namespace Paperboy.Subscriptions;

/// <summary>
/// The links in subscription mails, and the RFC 2369 / RFC 8058 headers that let mail readers offer one-click unsubscribe.
/// Links are absolute: <c>baseUrl</c> is the site's address (scheme, host and path base), normally <see cref="SiteUrl"/>.
/// </summary>
public sealed class SubscriptionLinks(SubscriptionTokens tokens, IOptions<PaperboyOptions> options)
{
    public const string OneClickBody = "List-Unsubscribe=One-Click";

    /// <summary>The site's configured public address (<see cref="PaperboyOptions.PublicUrl"/>), without a trailing slash.</summary>
    public string SiteUrl => options.Value.PublicUrl.TrimEnd('/');

    public string Confirm(string baseUrl, long id) => Link(baseUrl, "/subscribe/confirm", id, SubscriptionTokens.Confirm);
    public string Unsubscribe(string baseUrl, long id) => Link(baseUrl, "/subscribe/unsubscribe", id, SubscriptionTokens.Unsubscribe);
    public string Preferences(string baseUrl, long id) => Link(baseUrl, "/subscribe/preferences", id, SubscriptionTokens.Preferences);

    /// <summary>Adds <c>List-Unsubscribe</c> and <c>List-Unsubscribe-Post</c> (one-click) for subscription <paramref name="id"/>.</summary>
    public string AddUnsubscribeHeaders(MimeMessage message, string baseUrl, long id)
    {
        var link = Unsubscribe(baseUrl, id);
        message.Headers.Replace("List-Unsubscribe", $"<{link}>");
        message.Headers.Replace("List-Unsubscribe-Post", OneClickBody);
        return link;
    }

    private string Link(string baseUrl, string path, long id, string purpose) =>
        $"{baseUrl.TrimEnd('/')}{path}?token={Uri.EscapeDataString(tokens.Create(id, purpose))}";
}
