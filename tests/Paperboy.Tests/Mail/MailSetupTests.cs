using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using Paperboy.Mail;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Mail;

/// <summary>AddPaperboyMail: the "Smtp" configuration section, defaults, validation, and the registered sender really sending.</summary>
public sealed class MailSetupTests(SmtpServer smtp) : IClassFixture<SmtpServer>
{
    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddPaperboyMail(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    [Fact]
    public void Defaults_without_configuration()
    {
        using var services = Services([]);
        var o = services.GetRequiredService<IOptions<SmtpOptions>>().Value;

        Assert.Equal("127.0.0.1", o.Host);
        Assert.Equal(25, o.Port);
        Assert.Equal(SmtpSecurity.Auto, o.Security);
        Assert.Null(o.UserName);
        Assert.Null(o.Password);
        Assert.Equal("Paperboy <paperboy@localhost>", o.From);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Timeout);
        Assert.IsType<MailKitSender>(services.GetRequiredService<IMailSender>());
        var from = services.GetRequiredService<MailComposer>().From;
        Assert.Equal(("Paperboy", "paperboy@localhost"), (from.Name, from.Address));
    }

    [Fact]
    public async Task The_registered_sender_and_composer_use_the_Smtp_section()
    {
        using var services = Services(new()
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.Port.ToString(),
            ["Smtp:Security"] = "None",
            ["Smtp:From"] = "Paperboy Digest <digest@paperboy.example>",
            ["Smtp:Timeout"] = "00:00:20",
        });
        var o = services.GetRequiredService<IOptions<SmtpOptions>>().Value;
        Assert.Equal(SmtpSecurity.None, o.Security);
        Assert.Equal(TimeSpan.FromSeconds(20), o.Timeout);

        var message = services.GetRequiredService<MailComposer>().Compose("reader@example.org", "Reset your password", "text", "<p>html</p>");
        await services.GetRequiredService<IMailSender>().SendAsync(message);

        var got = await smtp.WaitForMessageAsync(m => m.MessageId == message.MessageId);
        Assert.Equal("digest@paperboy.example", got.From.Mailboxes.Single().Address);
        Assert.Equal("Paperboy Digest", got.From.Mailboxes.Single().Name);
        Assert.EndsWith("@paperboy.example", got.MessageId);
        Assert.Equal("Reset your password", got.Subject);
    }

    [Theory]
    [InlineData("Smtp:From", "not an address", "Smtp:From")]
    [InlineData("Smtp:Port", "0", "Smtp:Port")]
    [InlineData("Smtp:Host", " ", "Smtp:Host")]
    public void Bad_settings_are_reported_by_name(string key, string value, string expected)
    {
        using var services = Services(new() { [key] = value });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SmtpOptions>>().Value);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_sender_registered_before_is_kept()
    {
        var mine = new RecordingSender();
        using var services = new ServiceCollection().AddSingleton<IMailSender>(mine)
            .AddPaperboyMail(new ConfigurationBuilder().Build()).BuildServiceProvider();

        Assert.Same(mine, services.GetRequiredService<IMailSender>());
    }

    [Fact]
    public void The_composer_stamps_the_date_from_the_time_provider()
    {
        var now = new DateTimeOffset(2031, 5, 17, 8, 30, 0, TimeSpan.Zero);
        var composer = new MailComposer(Options.Create(new SmtpOptions()), new FixedTime(now));

        var m = composer.Compose("a@example.org", "s", "t", "<p>h</p>");

        Assert.Equal(now, m.Date);
        Assert.NotEqual(m.MessageId, composer.Compose("a@example.org", "s", "t", "<p>h</p>").MessageId);
        Assert.Throws<ArgumentException>(() => composer.Compose(Array.Empty<MailboxAddress>(), "s", "t", "h"));
    }

    private sealed class RecordingSender : IMailSender
    {
        public Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
