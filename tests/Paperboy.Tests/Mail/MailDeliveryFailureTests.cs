using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Paperboy.Mail;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Mail;

/// <summary>What MailKitSender throws when the mail cannot be handed over: closed ports, silent servers, refusing servers.</summary>
public sealed class MailDeliveryFailureTests
{
    /// <summary>An aiosmtpd handler that refuses recipients: "reject" in the address gives 550 (permanent), "later" gives 451 (transient).</summary>
    private const string RefusingHandler = """
        from aiosmtpd.handlers import Mailbox

        class RefusingMailbox(Mailbox):
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if "reject" in address.lower():
                    return "550 5.1.1 <%s>: mailbox unavailable" % address
                if "later" in address.lower():
                    return "451 4.3.0 <%s>: try again later" % address
                envelope.rcpt_tos.append(address)
                return "250 OK"
        """;

    private static MailComposer Composer() => new(Options.Create(new SmtpOptions { From = "Paperboy <paperboy@tests.invalid>" }));

    [Fact]
    public async Task A_closed_port_gives_a_transient_failure()
    {
        var port = ServerProcess.FreePort(); // nothing listens there any more
        var sender = new MailKitSender(Options.Create(new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, Timeout = TimeSpan.FromSeconds(10) }));

        var e = await Assert.ThrowsAsync<MailDeliveryException>(() => sender.SendAsync(Composer().Compose("ada@example.org", "s", "t", "<p>h</p>")));

        Assert.False(e.Permanent);
        Assert.Null(e.StatusCode);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.IsType<SocketException>(e.InnerException);
    }

    [Fact]
    public async Task A_server_that_never_answers_gives_a_transient_failure_after_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptTcpClientAsync(); // accepts, then says nothing (no 220 greeting)
        var sender = new MailKitSender(Options.Create(new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, Timeout = TimeSpan.FromSeconds(1) }));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MailDeliveryException>(() => sender.SendAsync(Composer().Compose("ada@example.org", "s", "t", "<p>h</p>")));

        Assert.False(e.Permanent);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        (await accepted).Dispose();
    }

    [Fact]
    public async Task Cancelling_throws_operation_canceled_not_a_delivery_failure()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var sender = new MailKitSender(Options.Create(new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, Timeout = TimeSpan.FromSeconds(30) }));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.SendAsync(Composer().Compose("ada@example.org", "s", "t", "<p>h</p>"), cts.Token));
    }

    [Fact]
    public async Task A_rejected_recipient_gives_a_permanent_failure_with_the_550_and_nothing_is_delivered()
    {
        await using var smtp = await SmtpServer.StartAsync(RefusingHandler, "RefusingMailbox");
        var sender = new MailKitSender(Options.Create(smtp.SenderOptions()));

        var e = await Assert.ThrowsAsync<MailDeliveryException>(() => sender.SendAsync(Composer().Compose("please-reject@example.org", "s", "t", "<p>h</p>")));

        Assert.True(e.Permanent);
        Assert.Equal(550, e.StatusCode);
        Assert.Contains("please-reject@example.org", e.Message);
        Assert.Contains("550", e.Message);

        // The same server still takes other mail: the refusal was about the address.
        var ok = Composer().Compose("fine@example.org", "accepted", "t", "<p>h</p>");
        await sender.SendAsync(ok);
        var got = Assert.Single(await smtp.WaitForMessagesAsync(1));
        Assert.Equal(ok.MessageId, got.MessageId);
    }

    [Fact]
    public async Task A_4xx_refusal_gives_a_transient_failure()
    {
        await using var smtp = await SmtpServer.StartAsync(RefusingHandler, "RefusingMailbox");
        var sender = new MailKitSender(Options.Create(smtp.SenderOptions()));

        var e = await Assert.ThrowsAsync<MailDeliveryException>(() => sender.SendAsync(Composer().Compose("come-back-later@example.org", "s", "t", "<p>h</p>")));

        Assert.False(e.Permanent);
        Assert.Equal(451, e.StatusCode);
    }
}
