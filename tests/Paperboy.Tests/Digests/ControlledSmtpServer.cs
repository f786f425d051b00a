using Paperboy.Tests.Support;

namespace Paperboy.Tests.Digests;

/// <summary>
/// The real aiosmtpd server with a handler the test steers through files in its working directory:
/// <see cref="Refuse"/> answers 451 (try again later) to every recipient; <see cref="Hold"/> keeps each message, after
/// its DATA, from being stored or acknowledged until released — and if the client goes away meanwhile, aiosmtpd cancels
/// the handler, so that message is never stored (as a real server discards a message whose DATA it did not acknowledge).
/// <see cref="Slow"/> makes each message take 50 ms before it is stored. Recipients whose address contains "reject"
/// always get 550 (permanent).
/// </summary>
public sealed class ControlledSmtpServer : SmtpServer
{
    private const string Handler = """
        import asyncio, os
        from aiosmtpd.handlers import Mailbox

        class ControlledMailbox(Mailbox):
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if "reject" in address.lower():
                    return "550 5.1.1 <%s>: mailbox unavailable" % address
                if os.path.exists("refuse"):
                    return "451 4.3.0 <%s>: try again later" % address
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                if os.path.exists("slow"):
                    await asyncio.sleep(0.05)
                if os.path.exists("hold"):
                    os.makedirs("holding", exist_ok=True)
                    marker = os.path.join("holding", "%d" % id(envelope))
                    open(marker, "w").close()
                    try:
                        while os.path.exists("hold"):
                            await asyncio.sleep(0.02)
                    finally:
                        os.remove(marker)
                    if server.transport is None:
                        return "421 4.3.0 client went away"
                return await super().handle_DATA(server, session, envelope)
        """;

    public ControlledSmtpServer() : base(Handler, "ControlledMailbox") { }

    public static new async Task<ControlledSmtpServer> StartAsync()
    {
        var server = new ControlledSmtpServer();
        try { await server.InitializeAsync(); return server; }
        catch { await server.DisposeAsync(); throw; }
    }

    private string WorkDir => Path.GetDirectoryName(MaildirPath)!;

    /// <summary>While on, every recipient is refused with 451.</summary>
    public void Refuse(bool on) => Toggle("refuse", on);

    /// <summary>While on, every message waits after its DATA, neither stored nor acknowledged.</summary>
    public void Hold(bool on) => Toggle("hold", on);

    /// <summary>While on, each message takes 50 ms before it is stored and acknowledged.</summary>
    public void Slow(bool on) => Toggle("slow", on);

    /// <summary>How many messages are being held right now.</summary>
    public int Holding => Directory.Exists(Path.Combine(WorkDir, "holding")) ? Directory.GetFiles(Path.Combine(WorkDir, "holding")).Length : 0;

    /// <summary>How many messages were stored so far (cheaper than parsing them all).</summary>
    public int Stored => Directory.Exists(Path.Combine(MaildirPath, "new")) ? Directory.GetFiles(Path.Combine(MaildirPath, "new")).Length : 0;

    private void Toggle(string name, bool on)
    {
        var path = Path.Combine(WorkDir, name);
        if (on) File.WriteAllText(path, "");
        else File.Delete(path);
    }
}
