using MimeKit;
using Microsoft.Extensions.Options;
using Paperboy.Mail;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Mail;

/// <summary>MailKitSender against a real SMTP server (aiosmtpd) that accepts everything.</summary>
public sealed class MailKitSenderTests(SmtpServer smtp) : IClassFixture<SmtpServer>
{
    private MailKitSender Sender(SmtpOptions? options = null) => new(Options.Create(options ?? smtp.SenderOptions()));
    private MailComposer Composer() => new(Options.Create(smtp.SenderOptions()));

    private async Task<MimeMessage> SendAndReceive(MimeMessage message)
    {
        await Sender().SendAsync(message);
        var id = message.MessageId;
        return await smtp.WaitForMessageAsync(m => m.MessageId == id);
    }

    [Fact]
    public async Task A_composed_message_arrives_with_sender_recipient_subject_both_parts_and_a_message_id()
    {
        var sent = Composer().Compose(new MailboxAddress("Ada Reader", "ada@example.org"), "Confirm your Paperboy account",
            "Open this link: https://paperboy.test/confirm?t=abc",
            "<p>Open <a href=\"https://paperboy.test/confirm?t=abc\">this link</a></p>");
        Assert.False(string.IsNullOrEmpty(sent.MessageId));

        var got = await SendAndReceive(sent);

        Assert.Equal("paperboy@tests.invalid", Assert.Single(got.From.Mailboxes).Address);
        Assert.Equal("Paperboy Tests", got.From.Mailboxes.Single().Name);
        var to = Assert.Single(got.To.Mailboxes);
        Assert.Equal("ada@example.org", to.Address);
        Assert.Equal("Ada Reader", to.Name);
        Assert.Equal("Confirm your Paperboy account", got.Subject);
        Assert.Equal(sent.MessageId, got.MessageId);
        Assert.EndsWith("@tests.invalid", got.MessageId);
        Assert.True(Math.Abs((got.Date - DateTimeOffset.UtcNow).TotalMinutes) < 5, $"Date {got.Date}");

        // The envelope, as the server saw it.
        Assert.Equal("paperboy@tests.invalid", got.Headers["X-MailFrom"]);
        Assert.Equal("ada@example.org", got.Headers["X-RcptTo"]);

        var alternative = Assert.IsType<MultipartAlternative>(got.Body);
        Assert.Equal(2, alternative.Count);
        var text = Assert.IsType<TextPart>(alternative[0]);
        var html = Assert.IsType<TextPart>(alternative[1]);
        Assert.True(text.IsPlain);
        Assert.True(html.IsHtml);
        Assert.Equal("Open this link: https://paperboy.test/confirm?t=abc", got.TextBody?.TrimEnd());
        Assert.Equal("<p>Open <a href=\"https://paperboy.test/confirm?t=abc\">this link</a></p>", got.HtmlBody?.TrimEnd());
    }

    [Fact]
    public async Task Non_ascii_subject_names_and_bodies_survive()
    {
        const string subject = "Schrödinger – résumé: Ωμέγα ∮ 日本語 🐈";
        const string text = "Grüße aus Zürich – déjà vu, naïve café. Ψ(x,t) ≠ 0 ✓";
        const string html = "<p>Grüße aus <b>Zürich</b> – déjà vu, naïve café. Ψ(x,t) ≠ 0 ✓</p>";
        var sent = Composer().Compose(new MailboxAddress("Erwin Schrödinger", "erwin@example.org"), subject, text, html);

        var got = await SendAndReceive(sent);

        Assert.Equal(subject, got.Subject);
        Assert.Equal("Erwin Schrödinger", got.To.Mailboxes.Single().Name);
        Assert.Equal(text, got.TextBody?.TrimEnd());
        Assert.Equal(html, got.HtmlBody?.TrimEnd());
        // Encoded on the wire (RFC 2047), not raw 8-bit in the header.
        Assert.All(got.Headers.Where(h => h.Id == HeaderId.Subject), h => Assert.All(h.RawValue, b => Assert.True(b < 0x80)));
    }

    [Fact]
    public async Task Several_messages_arrive_in_order_and_a_message_without_from_gets_the_configured_sender()
    {
        var composer = Composer();
        var first = composer.Compose("one@example.org", "first", "1", "<p>1</p>");
        var second = new MimeMessage { Subject = "second", Body = new TextPart("plain") { Text = "2" } };
        second.To.Add(MailboxAddress.Parse("two@example.org"));
        second.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("tests.invalid");
        var sender = Sender();

        await sender.SendAsync(first);
        await sender.SendAsync(second);

        var got = await smtp.WaitForMessageAsync(m => m.MessageId == second.MessageId);
        Assert.Equal("paperboy@tests.invalid", got.From.Mailboxes.Single().Address);
        var ids = smtp.Messages.Select(m => m.MessageId).ToList();
        Assert.True(ids.IndexOf(first.MessageId) < ids.IndexOf(second.MessageId), string.Join(", ", ids));
    }

    [Fact]
    public async Task Requiring_starttls_from_a_server_without_it_fails_permanently_with_a_clear_message()
    {
        var options = smtp.SenderOptions();
        options.Security = SmtpSecurity.StartTls;
        var message = Composer().Compose("ada@example.org", "never sent", "x", "<p>x</p>");

        var e = await Assert.ThrowsAsync<MailDeliveryException>(() => Sender(options).SendAsync(message));

        Assert.True(e.Permanent);
        Assert.Contains("STARTTLS", e.Message);
        Assert.Contains($"127.0.0.1:{smtp.Port}", e.Message);
    }

    [Fact]
    public async Task Auto_security_sends_in_plain_text_to_a_server_without_tls()
    {
        var options = smtp.SenderOptions();
        options.Security = SmtpSecurity.Auto;
        var sent = Composer().Compose("auto@example.org", "auto", "x", "<p>x</p>");

        await new MailKitSender(Options.Create(options)).SendAsync(sent);

        Assert.Equal("auto", (await smtp.WaitForMessageAsync(m => m.MessageId == sent.MessageId)).Subject);
    }
}
