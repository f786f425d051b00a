using System.Net;
using Paperboy.Mail;
using Paperboy.Storage;

namespace Paperboy.Subscriptions;

/// <summary>Subscription mails through the configured SMTP server: plain text and HTML, every one with one-click unsubscribe.</summary>
public sealed class SubscriptionMail(IMailSender sender, MailComposer composer, SubscriptionLinks links)
{
    public const string ConfirmSubject = "Confirm your Paperboy subscription";

    /// <summary>The double opt-in mail. Its text never depends on whether the address was known before.</summary>
    public Task SendConfirmationAsync(Subscription subscription, string baseUrl, CancellationToken ct)
    {
        var confirm = links.Confirm(baseUrl, subscription.Id);
        var how = subscription.Frequency == SubscriptionFrequency.Weekly ? "weekly" : "daily";
        var text = $"Hello,\n\nsomeone (hopefully you) asked for a {how} mail of trending papers from Paperboy at this address.\n" +
                   $"Confirm to start receiving it:\n\n{confirm}\n\nThe link expires in 3 days. If you did not ask for it, ignore this mail: nothing will be sent.\n";
        var html = $"<p>Hello,</p><p>someone (hopefully you) asked for a {how} mail of trending papers from Paperboy at this address.</p>" +
                   $"<p><a href=\"{WebUtility.HtmlEncode(confirm)}\">Confirm my subscription</a></p>" +
                   "<p>The link expires in 3 days. If you did not ask for it, ignore this mail: nothing will be sent.</p>";
        var message = composer.Compose(subscription.Email, ConfirmSubject, text, html);
        links.AddUnsubscribeHeaders(message, baseUrl, subscription.Id);
        return sender.SendAsync(message, ct);
    }
}
