using System.Net;
using System.Net.Sockets;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Mail;

/// <summary>The test SMTP server itself: clear failures when aiosmtpd is missing or broken, and nothing left running after dispose.</summary>
public sealed class SmtpServerFixtureTests
{
    [Fact]
    public async Task A_missing_interpreter_says_test_sh_installs_aiosmtpd()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SmtpServer.EnsureAiosmtpdAsync("/nonexistent/python3"));

        Assert.Contains("python3-aiosmtpd", e.Message);
        Assert.Contains("test.sh", e.Message);
    }

    [Fact]
    public async Task An_interpreter_without_the_module_says_test_sh_installs_aiosmtpd()
    {
        using var dir = new TempDir();
        var fake = dir.File("python3", "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'aiosmtpd'\" >&2\nexit 1\n");
#pragma warning disable CA1416 // the tests run on Linux only (Debian's aiosmtpd)
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
#pragma warning restore CA1416

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SmtpServer.EnsureAiosmtpdAsync(fake));

        Assert.Contains("No module named 'aiosmtpd'", e.Message);
        Assert.Contains("test.sh", e.Message);
    }

    [Fact]
    public async Task A_handler_that_cannot_load_fails_the_start_with_aiosmtpd_s_output()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SmtpServer.StartAsync("def broken(:\n", "Nothing"));

        Assert.Contains("aiosmtpd exited", e.Message);
        Assert.Contains("SyntaxError", e.Message);
    }

    [Fact]
    public async Task Dispose_stops_the_server()
    {
        var smtp = await SmtpServer.StartAsync();
        var port = smtp.Port;
        Assert.Empty(smtp.Messages);

        await smtp.DisposeAsync();

        using var tcp = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, port));
        Assert.False(Directory.Exists(smtp.MaildirPath));
    }
}
