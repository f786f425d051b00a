using MimeKit;

namespace Paperboy.Mail;

/// <summary>Hands a message to the outgoing mail server.</summary>
public interface IMailSender
{
    /// <summary>
    /// Sends <paramref name="message"/> to its To/Cc/Bcc recipients.
    /// Throws <see cref="MailDeliveryException"/> when the message could not be handed over
    /// (<see cref="MailDeliveryException.Permanent"/> tells whether trying again can help);
    /// cancelling <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/>.
    /// </summary>
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default);
}

/// <summary>A message could not be delivered to the SMTP server.</summary>
public sealed class MailDeliveryException : Exception
{
    /// <summary>
    /// True when sending the same message again will fail again: the server answered with a 5xx status
    /// (550 mailbox unavailable, 553 bad address, ...), refused the credentials, or the message itself is unusable.
    /// False for what may pass later: connection refused or lost, timeouts, 4xx answers.
    /// </summary>
    public bool Permanent { get; }

    /// <summary>The SMTP status code of the answer that failed the send, when there was one (550, 451, ...).</summary>
    public int? StatusCode { get; }

    public MailDeliveryException(string message, bool permanent, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Permanent = permanent;
        StatusCode = statusCode;
    }
}
