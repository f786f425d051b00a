using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using Paperboy.Mail;

namespace Paperboy.Tests.Support;

/// <summary>
/// A real SMTP server for the tests: Debian's aiosmtpd (package python3-aiosmtpd, installed by test.sh) as a child process
/// on a free 127.0.0.1 port, storing what it receives in a Maildir that <see cref="Messages"/> reads back with MimeKit.
/// aiosmtpd adds the envelope to each stored message as the headers <c>X-MailFrom</c> and <c>X-RcptTo</c>.
/// <para>
/// As an xUnit class fixture (<c>IClassFixture&lt;SmtpServer&gt;</c>) it starts in <see cref="InitializeAsync"/>; for a single test,
/// <c>await using var smtp = await SmtpServer.StartAsync();</c>. Disposing kills the process and removes its directory.
/// A custom handler (Python source of a module, and the class to use in it) lets a test make the server refuse things;
/// the class is built by aiosmtpd with the Maildir path as its one argument, so subclass <c>aiosmtpd.handlers.Mailbox</c>.
/// </para>
/// </summary>
public class SmtpServer : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>Debian's interpreter: the <c>python3</c> on PATH may be another one (pyenv) without aiosmtpd.</summary>
    public const string Python = "/usr/bin/python3";

    private const string HandlerModule = "paperboy_test_handler";
    private static readonly Regex MaildirCounter = new(@"Q(\d+)", RegexOptions.Compiled);

    private readonly string? _handlerSource;
    private readonly string _handlerClass;
    private readonly TempDir _dir = new();
    private readonly StringBuilder _log = new();
    private readonly Dictionary<string, MimeMessage> _parsed = new();
    private Process? _process;

    public string Host => "127.0.0.1";
    public int Port { get; private set; }

    /// <summary>The Maildir the server writes to (messages land in <c>new/</c>).</summary>
    public string MaildirPath => Path.Combine(_dir.Path, "maildir");

    /// <summary>What aiosmtpd printed so far (for failure messages).</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>The stock server: accepts every message (for <c>IClassFixture&lt;SmtpServer&gt;</c>).</summary>
    public SmtpServer() : this(null, "aiosmtpd.handlers.Mailbox") { }

    /// <param name="handlerSource">Python source of a handler module, or null for aiosmtpd's own Mailbox handler.</param>
    /// <param name="handlerClass">The handler class: a class name in <paramref name="handlerSource"/>, or a dotted path when that is null.</param>
    protected SmtpServer(string? handlerSource, string handlerClass)
    {
        _handlerSource = handlerSource;
        _handlerClass = handlerSource is null ? handlerClass : $"{HandlerModule}.{handlerClass}";
    }

    /// <summary>Starts a server and waits until it accepts connections.</summary>
    public static async Task<SmtpServer> StartAsync(string? handlerSource = null, string handlerClass = "aiosmtpd.handlers.Mailbox")
    {
        var server = new SmtpServer(handlerSource, handlerClass);
        try
        {
            await server.InitializeAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Options for a <see cref="MailKitSender"/> that talks to this server (plain SMTP, no login).</summary>
    public SmtpOptions SenderOptions(TimeSpan? timeout = null) => new()
    {
        Host = Host,
        Port = Port,
        Security = SmtpSecurity.None,
        From = "Paperboy Tests <paperboy@tests.invalid>",
        Timeout = timeout ?? TimeSpan.FromSeconds(15),
    };

    public async Task InitializeAsync()
    {
        await EnsureAiosmtpdAsync(Python);
        if (_handlerSource is not null) File.WriteAllText(Path.Combine(_dir.Path, HandlerModule + ".py"), _handlerSource);

        // A free port can be taken by someone else between asking and binding: try again with another one then.
        for (var attempt = 1; ; attempt++)
        {
            Port = ServerProcess.FreePort();
            lock (_log) _log.Clear();
            StartProcess();
            try
            {
                await WaitListeningAsync(TimeSpan.FromSeconds(30));
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && Log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await KillAsync();
            }
        }
    }

    private void StartProcess()
    {
        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir.Path,
        };
        foreach (var a in new[] { "-m", "aiosmtpd", "-n", "-l", $"{Host}:{Port}", "-c", _handlerClass, MaildirPath }) psi.ArgumentList.Add(a);
        psi.Environment["PYTHONPATH"] = _dir.Path;
        psi.Environment["PYTHONUNBUFFERED"] = "1";
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        psi.Environment.Remove("PYTHONHOME");
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Throws, saying test.sh installs it, when <paramref name="python"/> is missing or cannot import aiosmtpd.</summary>
    public static async Task EnsureAiosmtpdAsync(string python)
    {
        const string hint = "The SMTP tests need Debian's python3-aiosmtpd: test.sh installs it (apt-get install -y python3-aiosmtpd).";
        if (!File.Exists(python)) throw new InvalidOperationException($"{python} is missing. {hint}");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "import aiosmtpd.handlers" }) psi.ArgumentList.Add(a);
        psi.Environment.Remove("PYTHONPATH");
        psi.Environment.Remove("PYTHONHOME");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not run {python}. {hint}");
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{python} cannot import aiosmtpd ({(await stderr).Trim()}). {hint}");
    }

    private async Task WaitListeningAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (_process!.HasExited)
            {
                _process.WaitForExit(); // flush the output handlers
                throw new InvalidOperationException($"aiosmtpd exited with {_process.ExitCode} before it listened on {Host}:{Port}:\n{Log}");
            }
            try
            {
                using var tcp = new TcpClient();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await tcp.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
                // Read the 220 greeting so we know the SMTP side (not only the socket) is up.
                var buffer = new byte[512];
                var n = await tcp.GetStream().ReadAsync(buffer, cts.Token);
                if (n >= 3 && Encoding.ASCII.GetString(buffer, 0, 3) == "220") return;
            }
            catch (SocketException) { }
            catch (IOException) { }
            catch (OperationCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"aiosmtpd did not accept connections on {Host}:{Port} within {within}:\n{Log}");
    }

    /// <summary>The messages received so far, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages
    {
        get
        {
            var dir = Path.Combine(MaildirPath, "new");
            if (!Directory.Exists(dir)) return [];
            // aiosmtpd's Maildir names files "time.MmicrosPpidQcounter.host": the counter orders them within this one process.
            var files = Directory.GetFiles(dir)
                .Select(f => (File: f, Order: MaildirCounter.Match(Path.GetFileName(f)) is { Success: true } m ? long.Parse(m.Groups[1].Value) : long.MaxValue))
                .OrderBy(x => x.Order).ThenBy(x => x.File, StringComparer.Ordinal)
                .Select(x => x.File);
            lock (_parsed)
            {
                var list = new List<MimeMessage>();
                foreach (var f in files)
                {
                    if (!_parsed.TryGetValue(f, out var m)) _parsed[f] = m = MimeMessage.Load(f);
                    list.Add(m);
                }
                return list;
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived; all of them, oldest first.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        var within = timeout ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var got = Messages;
            if (got.Count >= count) return got;
            if (clock.Elapsed >= within)
                throw new TimeoutException($"expected {count} message(s) at {Host}:{Port} within {within}, got {got.Count}:\n{Log}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the first message that matches (for a fixture shared by several tests: match the Message-Id).</summary>
    public async Task<MimeMessage> WaitForMessageAsync(Func<MimeMessage, bool> match, TimeSpan? timeout = null)
    {
        var within = timeout ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var got = Messages;
            if (got.FirstOrDefault(match) is { } m) return m;
            if (clock.Elapsed >= within)
                throw new TimeoutException($"no matching message at {Host}:{Port} within {within} ({got.Count} other(s)):\n{Log}");
            await Task.Delay(50);
        }
    }

    private async Task KillAsync()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await _process.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { }
            }
        }
        catch (InvalidOperationException) { } // never started
        _process.Dispose();
        _process = null;
    }

    public async Task DisposeAsync()
    {
        await KillAsync();
        _dir.Dispose();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
