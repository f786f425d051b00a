namespace Paperboy.Mail;

/// <summary>How the connection to the SMTP server is secured (maps onto MailKit's <c>SecureSocketOptions</c>).</summary>
public enum SmtpSecurity
{
    /// <summary>Plain SMTP, never TLS, even if the server offers STARTTLS.</summary>
    None,
    /// <summary>Plain connect, then STARTTLS; fails if the server does not offer it.</summary>
    StartTls,
    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    SslOnConnect,
    /// <summary>TLS on connect for port 465, otherwise STARTTLS when the server offers it.</summary>
    Auto,
}

/// <summary>The outgoing mail server, from the configuration section <c>Smtp</c> (<c>PAPERBOY_Smtp__Host=mail.example.org</c>).</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    /// <summary>Log in with this user name; no authentication when empty.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, address and display name: <c>Paperboy &lt;paperboy@localhost&gt;</c>.</summary>
    public string From { get; set; } = "Paperboy <paperboy@localhost>";

    /// <summary>For each network operation (connect, each command), not the whole send.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
