using System.Net;
using Paperboy.Mail;

namespace Paperboy.Accounts;

/// <summary>Account mails through the configured SMTP server: plain text and HTML, no images, no tracking.</summary>
public sealed class MailedAccountMail(IMailSender sender, MailComposer composer) : IAccountMail
{
    public Task SendConfirmationAsync(string email, string displayName, string link, CancellationToken ct) =>
        SendAsync(email, "Confirm your Paperboy account",
            $"Hello {displayName},\n\nconfirm your address to finish creating your Paperboy account:\n\n{link}\n\nThe link expires in a day. If you did not sign up, ignore this mail.\n",
            $"<p>Hello {WebUtility.HtmlEncode(displayName)},</p><p>confirm your address to finish creating your Paperboy account:</p><p><a href=\"{WebUtility.HtmlEncode(link)}\">Confirm my address</a></p><p>The link expires in a day. If you did not sign up, ignore this mail.</p>",
            ct);

    public Task SendPasswordResetAsync(string email, string displayName, string link, CancellationToken ct) =>
        SendAsync(email, "Reset your Paperboy password",
            $"Hello {displayName},\n\nchoose a new password here:\n\n{link}\n\nThe link expires in a day. If you did not ask for it, ignore this mail: your password stays as it is.\n",
            $"<p>Hello {WebUtility.HtmlEncode(displayName)},</p><p><a href=\"{WebUtility.HtmlEncode(link)}\">Choose a new password</a></p><p>The link expires in a day. If you did not ask for it, ignore this mail: your password stays as it is.</p>",
            ct);

    private Task SendAsync(string to, string subject, string text, string html, CancellationToken ct) =>
        sender.SendAsync(composer.Compose(to, subject, text, html), ct);
}
