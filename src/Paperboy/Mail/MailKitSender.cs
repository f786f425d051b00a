using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Paperboy.Mail;

/// <summary>
/// Sends each message over its own SMTP connection with MailKit: connect with the configured security,
/// log in when a user name is set, send, disconnect. Safe to use from several threads at once.
/// A message without a From gets the configured <see cref="SmtpOptions.From"/>.
/// </summary>
public sealed class MailKitSender : IMailSender
{
    private readonly SmtpOptions _options;
    private readonly ILogger<MailKitSender> _log;

    public MailKitSender(IOptions<SmtpOptions> options, ILogger<MailKitSender>? log = null)
    {
        _options = options.Value;
        _log = log ?? NullLogger<MailKitSender>.Instance;
    }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.From.Count == 0) message.From.Add(MailComposer.ParseFrom(_options.From));
        var server = $"{_options.Host}:{_options.Port}";

        using var client = new SmtpClient { Timeout = TimeoutMs(_options.Timeout) };
        Socket? socket = null;
        try
        {
            socket = await ConnectAsync(cancellationToken);
            await client.ConnectAsync(socket, _options.Host, _options.Port, Secure(_options.Security), cancellationToken);
            if (!string.IsNullOrEmpty(_options.UserName))
                await client.AuthenticateAsync(_options.UserName, _options.Password ?? "", cancellationToken);
            await client.SendAsync(message, cancellationToken);
            // Accepted (250): from here nothing may report a failure, or a caller would send the message again.
            try { await client.DisconnectAsync(quit: true, cancellationToken); }
            catch (Exception e) { _log.LogDebug(e, "QUIT to {Server} failed after the message was accepted", server); }
            _log.LogInformation("Mail {MessageId} '{Subject}' handed to {Server}", message.MessageId, message.Subject, server);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (Classify(e, server) is { } failure)
        {
            _log.LogWarning(e, "Mail {MessageId} '{Subject}' not sent via {Server}: {Reason}", message.MessageId, message.Subject, server, failure.Message);
            throw failure;
        }
        finally
        {
            socket?.Dispose();
        }
    }

    /// <summary>
    /// The TCP connection, made here rather than by MailKit so that Nagle's algorithm is off: MailKit writes the end of
    /// the DATA (<c>.</c>) as a small segment of its own, which Nagle holds back until the server's delayed ACK (40 ms on
    /// Linux) — ten times the cost of the whole transaction on a local server (bench/digest).
    /// </summary>
    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (TimeoutMs(_options.Timeout) != System.Threading.Timeout.Infinite) timeout.CancelAfter(_options.Timeout);
            await socket.ConnectAsync(_options.Host, _options.Port, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static int TimeoutMs(TimeSpan t) =>
        t <= TimeSpan.Zero || t.TotalMilliseconds >= int.MaxValue ? System.Threading.Timeout.Infinite : (int)t.TotalMilliseconds;

    internal static SecureSocketOptions Secure(SmtpSecurity s) => s switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    /// <summary>Turns what MailKit and the network throw into a <see cref="MailDeliveryException"/>; null for what is not a delivery failure (bugs).</summary>
    internal static MailDeliveryException? Classify(Exception e, string server)
    {
        switch (e)
        {
            case SmtpCommandException c:
            {
                var code = (int)c.StatusCode;
                var what = c.ErrorCode switch
                {
                    SmtpErrorCode.RecipientNotAccepted => $"recipient {c.Mailbox} not accepted",
                    SmtpErrorCode.SenderNotAccepted => $"sender {c.Mailbox} not accepted",
                    SmtpErrorCode.MessageNotAccepted => "message not accepted",
                    _ => "unexpected answer",
                };
                return new MailDeliveryException($"SMTP server {server}: {what}: {code} {c.Message}", permanent: code is >= 500 and < 600, code, c);
            }
            case AuthenticationException a:
                return new MailDeliveryException($"SMTP server {server} refused the credentials: {a.Message}", permanent: true, (a.InnerException as SmtpCommandException)?.StatusCode is { } authCode ? (int)authCode : null, a);
            case NotSupportedException n: // e.g. AUTH or STARTTLS required by the configuration but not offered
                return new MailDeliveryException($"SMTP server {server}: {n.Message}", permanent: true, null, n);
            case SslHandshakeException t:
                return new MailDeliveryException($"TLS with SMTP server {server} failed: {t.Message}", permanent: false, null, t);
            case SmtpProtocolException p:
                return new MailDeliveryException($"SMTP conversation with {server} broke off: {p.Message}", permanent: false, null, p);
            case SocketException s:
                return new MailDeliveryException($"Cannot reach SMTP server {server}: {s.Message} ({s.SocketErrorCode})", permanent: false, null, s);
            case IOException io:
                return new MailDeliveryException($"Connection to SMTP server {server} failed: {io.Message}", permanent: false, null, io);
            case TimeoutException or OperationCanceledException:
                return new MailDeliveryException($"SMTP server {server} did not answer in time", permanent: false, null, e);
            case ServiceNotConnectedException or ServiceNotAuthenticatedException:
                return new MailDeliveryException($"SMTP server {server}: {e.Message}", permanent: false, null, e);
            case InvalidOperationException when e.Message.Contains("recipient", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("sender", StringComparison.OrdinalIgnoreCase):
                // MailKit: "No recipients have been specified." / "No sender has been specified."
                return new MailDeliveryException($"Message cannot be sent: {e.Message}", permanent: true, null, e);
            default:
                return null;
        }
    }
}
