using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using Paperboy.Hosting;
using Paperboy.Mail;
using Paperboy.Storage;
using Paperboy.Subscriptions;

namespace Paperboy.Digests;

/// <summary>
/// Renders a digest as a mail: multipart/alternative, a plain-text part and an HTML part with the same content. The HTML
/// has no images, no remote resources and no tracking of any kind, so it reads the same in a client that blocks images;
/// every piece of paper text is HTML-encoded (abstracts carry <c>&lt;</c>, <c>&gt;</c> and LaTeX debris). Links are
/// absolute, on <see cref="PaperboyOptions.PublicUrl"/>; every digest carries the preferences and unsubscribe links and
/// the RFC 8058 one-click headers. The Message-ID is derived from (subscription, period), so a second copy of the same
/// digest is recognisable as such.
/// </summary>
public sealed class DigestMail(MailComposer composer, SubscriptionLinks links, IOptions<PaperboyOptions> site)
{
    /// <summary>Abstracts are cut to about this many characters: a digest is for skimming, the paper page has the rest.</summary>
    public const int AbstractLength = 360;

    private string SiteUrl => site.Value.PublicUrl.TrimEnd('/');

    public static string Subject(DigestPeriod period) =>
        $"Paperboy {(period.Frequency == SubscriptionFrequency.Daily ? "daily" : "weekly")} digest: {period.Title}";

    /// <summary>The Message-ID of a subscription's digest for a period: the same every time it is rendered.</summary>
    public string MessageId(long subscriptionId, DigestPeriod period)
    {
        var at = composer.From.Address.LastIndexOf('@');
        var domain = at >= 0 && at < composer.From.Address.Length - 1 ? composer.From.Address[(at + 1)..] : "localhost";
        return $"digest.{subscriptionId}.{period.Key.Replace(':', '.')}@{domain}";
    }

    public MimeMessage Render(Digest digest)
    {
        var s = digest.Subscription;
        var message = composer.Compose(s.Email, Subject(digest.Period), "", "");
        var unsubscribe = links.AddUnsubscribeHeaders(message, SiteUrl, s.Id);
        var preferences = links.Preferences(SiteUrl, s.Id);
        var body = new BodyBuilder
        {
            TextBody = Text(digest, preferences, unsubscribe),
            HtmlBody = Html(digest, preferences, unsubscribe),
        };
        message.Body = body.ToMessageBody();
        message.MessageId = MessageId(s.Id, digest.Period);
        message.Headers.Replace("Auto-Submitted", "auto-generated");
        return message;
    }

    /// <summary>The digest as it goes into the outbox.</summary>
    public ComposedDigest Compose(Digest digest)
    {
        var message = Render(digest);
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);
        return new ComposedDigest(digest.Subscription.Id, digest.Subscription.Email, message.MessageId, buffer.ToArray());
    }

    private string PaperUrl(string id) => $"{SiteUrl}/papers/{Uri.EscapeDataString(id)}";

    private static string SectionTitle(DigestReason reason, Digest digest) => reason switch
    {
        DigestReason.SavedSearch => "Your saved search",
        DigestReason.Recommended => "Recommended for you",
        _ => digest.Period.Frequency == SubscriptionFrequency.Daily ? "Trending" : "Trending this week",
    };

    private string Text(Digest digest, string preferences, string unsubscribe)
    {
        var t = new StringBuilder();
        t.Append("Paperboy: your ").Append(digest.Period.Frequency == SubscriptionFrequency.Daily ? "daily" : "weekly")
            .Append(" digest for ").Append(digest.Period.Title).Append("\n\n");
        var n = 0;
        foreach (var section in digest.Items.GroupBy(i => i.Reason).OrderBy(g => g.Key))
        {
            var title = SectionTitle(section.Key, digest);
            t.Append(title.ToUpperInvariant()).Append('\n').Append(new string('=', title.Length)).Append("\n\n");
            foreach (var item in section)
            {
                var p = item.Paper;
                t.Append(++n).Append(". ").Append(OneLine(p.Title)).Append('\n');
                t.Append("   ").Append(OneLine(item.Why)).Append(" · ").Append(Upvotes(p.TotalUpvotes));
                if (Authors(p) is { Length: > 0 } authors) t.Append(" · ").Append(authors);
                t.Append('\n');
                t.Append("   ").Append(PaperUrl(p.Id)).Append('\n');
                if (Abstract(p.Abstract) is { Length: > 0 } a) t.Append("   ").Append(a).Append('\n');
                t.Append('\n');
            }
        }
        t.Append("-- \n");
        t.Append("You get this because ").Append(digest.Subscription.Email).Append(" subscribed to Paperboy's ")
            .Append(digest.Period.Frequency == SubscriptionFrequency.Daily ? "daily" : "weekly").Append(" digest.\n");
        t.Append("Change what you get: ").Append(preferences).Append('\n');
        t.Append("Unsubscribe: ").Append(unsubscribe).Append('\n');
        return t.ToString();
    }

    private string Html(Digest digest, string preferences, string unsubscribe)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(Subject(digest.Period))).Append("</title></head>");
        h.Append("<body style=\"font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.45;color:#1a1a1a;max-width:640px;margin:0 auto;padding:16px\">");
        h.Append("<h1 style=\"font-size:20px;margin:0 0 16px\">Your ").Append(digest.Period.Frequency == SubscriptionFrequency.Daily ? "daily" : "weekly")
            .Append(" Paperboy digest<br><span style=\"font-size:15px;font-weight:normal;color:#555\">").Append(E(digest.Period.Title)).Append("</span></h1>");
        foreach (var section in digest.Items.GroupBy(i => i.Reason).OrderBy(g => g.Key))
        {
            h.Append("<h2 style=\"font-size:16px;border-bottom:1px solid #ddd;padding-bottom:4px;margin:24px 0 8px\">").Append(E(SectionTitle(section.Key, digest))).Append("</h2>");
            foreach (var item in section)
            {
                var p = item.Paper;
                h.Append("<div style=\"margin:0 0 16px\">");
                h.Append("<a href=\"").Append(E(PaperUrl(p.Id))).Append("\" style=\"font-size:15px;font-weight:bold;color:#0645ad\">").Append(E(OneLine(p.Title))).Append("</a>");
                h.Append("<div style=\"font-size:13px;color:#555\"><em>").Append(E(OneLine(item.Why))).Append("</em> · ").Append(E(Upvotes(p.TotalUpvotes)));
                if (Authors(p) is { Length: > 0 } authors) h.Append(" · ").Append(E(authors));
                h.Append("</div>");
                if (Abstract(p.Abstract) is { Length: > 0 } a) h.Append("<div style=\"font-size:14px\">").Append(E(a)).Append("</div>");
                h.Append("</div>");
            }
        }
        h.Append("<hr style=\"border:none;border-top:1px solid #ddd;margin:24px 0 8px\">");
        h.Append("<p style=\"font-size:12px;color:#555\">You get this because ").Append(E(digest.Subscription.Email)).Append(" subscribed to Paperboy's ")
            .Append(digest.Period.Frequency == SubscriptionFrequency.Daily ? "daily" : "weekly").Append(" digest. ");
        h.Append("<a href=\"").Append(E(preferences)).Append("\">Change what you get</a> · ");
        h.Append("<a href=\"").Append(E(unsubscribe)).Append("\">Unsubscribe</a></p>");
        h.Append("</body></html>");
        return h.ToString();
    }

    private static string Upvotes(int n) => n == 1 ? "1 upvote" : $"{n} upvotes";

    private static string Authors(Core.Papers.Paper p)
    {
        if (p.Authors.Count == 0) return p.AuthorCount is int c and > 0 ? (c == 1 ? "1 author" : $"{c} authors") : "";
        var shown = string.Join(", ", p.Authors.Take(3).Select(OneLine));
        return p.EffectiveAuthorCount > 3 ? $"{shown} et al." : shown;
    }

    /// <summary>The abstract on one line, cut at a word boundary near <see cref="AbstractLength"/>.</summary>
    internal static string Abstract(string text)
    {
        var a = OneLine(text);
        if (a.Length <= AbstractLength) return a;
        var cut = a.LastIndexOf(' ', AbstractLength);
        return a[..(cut > AbstractLength / 2 ? cut : AbstractLength)].TrimEnd(',', ';', ':', ' ') + " …";
    }

    /// <summary>Whitespace (newlines, tabs) collapsed to single spaces: nothing in a paper can start a line of its own in the text part.</summary>
    private static string OneLine(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
