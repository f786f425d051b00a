using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;

namespace Paperboy.Mail;

/// <summary>Builds the messages Paperboy sends: a text and an HTML version of the same content.</summary>
public sealed class MailComposer
{
    private readonly MailboxAddress _from;
    private readonly TimeProvider _time;

    public MailComposer(IOptions<SmtpOptions> options, TimeProvider? time = null)
    {
        _from = ParseFrom(options.Value.From);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The configured sender.</summary>
    public MailboxAddress From => _from;

    /// <summary>
    /// A multipart/alternative message to <paramref name="to"/> (text part first, HTML part last, as mail readers prefer the last one they can show),
    /// from the configured sender, with a fresh Message-Id in the sender's domain and the current Date.
    /// </summary>
    public MimeMessage Compose(MailboxAddress to, string subject, string text, string html) => Compose([to], subject, text, html);

    /// <inheritdoc cref="Compose(MailboxAddress, string, string, string)"/>
    public MimeMessage Compose(string to, string subject, string text, string html) => Compose(MailboxAddress.Parse(to), subject, text, html);

    /// <inheritdoc cref="Compose(MailboxAddress, string, string, string)"/>
    public MimeMessage Compose(IEnumerable<MailboxAddress> to, string subject, string text, string html)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(html);

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(_from.Name, _from.Address));
        message.To.AddRange(to);
        if (message.To.Count == 0) throw new ArgumentException("A message needs at least one recipient.", nameof(to));
        message.Subject = subject;
        message.Date = _time.GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(Domain(_from.Address));

        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        message.Body = body.ToMessageBody();
        return message;
    }

    internal static MailboxAddress ParseFrom(string from)
    {
        if (!MailboxAddress.TryParse(from, out var address) || string.IsNullOrWhiteSpace(address.Address) || !address.Address.Contains('@'))
            throw new InvalidOperationException($"Smtp:From is not a mail address: '{from}' (expected e.g. 'Paperboy <paperboy@example.org>').");
        return address;
    }

    private static string Domain(string address)
    {
        var at = address.LastIndexOf('@');
        return at >= 0 && at < address.Length - 1 ? address[(at + 1)..] : "localhost";
    }
}
