using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Paperboy.Tests.Support;

/// <summary>
/// A real PostgreSQL server for the test run: Debian's <c>postgresql</c> package, <c>initdb</c> into a fresh folder under
/// /tmp owned by the <c>postgres</c> user (initdb refuses root, and the tests run as root on CI), listening on 127.0.0.1
/// on a free port. One server is shared by the whole run (<see cref="SharedAsync"/>); each test store gets a database of
/// its own (<see cref="CreateDatabaseAsync"/>). The cluster's default collation is ICU English, not byte order, so a query
/// that silently depends on the collation shows up here.
/// <para>
/// Everything is stopped and deleted when the test process exits. A run that was killed leaves its folder behind
/// (<c>/tmp/paperboy-pg-*</c>, with the owning process id in <c>owner</c>); the next run stops that server and deletes it.
/// </para>
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private const string Prefix = "paperboy-pg-";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => Task.Run(Start));

    private readonly string _root;
    private string DataDir => Path.Combine(_root, "data");
    public int Port { get; }

    private string Options => $"-h 127.0.0.1 -p {Port} -k {_root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";

    private PostgresServer(string root, int port) => (_root, Port) = (root, port);

    /// <summary>The run's server, started on first use.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>A server of the caller's own, for a test that stops and starts it (a database outage); dispose it.</summary>
    public static Task<PostgresServer> StartOwnAsync() => Task.Run(Start);

    /// <summary>Stops the server as an operator would (fast shutdown: sessions are ended, connections refused).</summary>
    public Task StopAsync() => Task.Run(() => Run(Path.Combine(BinDir(), "pg_ctl"), ["stop", "-D", DataDir, "-m", "fast", "-w", "-t", "60"]));

    /// <summary>Starts a stopped server again on the same port.</summary>
    public Task StartAgainAsync() => Task.Run(() =>
        Run(Path.Combine(BinDir(), "pg_ctl"), ["start", "-D", DataDir, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "-o", Options]));

    public void Dispose() => Stop(BinDir(), _root);

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, IncludeErrorDetail = true,
        // Idle connections of a finished test's database go away instead of piling up against max_connections.
        ConnectionIdleLifetime = 10,
    }.ToString();

    /// <summary>A new empty database (from template0); returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", admin);
        await cmd.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var c = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(c);
        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        await cmd.ExecuteNonQueryAsync();
    }

    private static PostgresServer Start()
    {
        var bin = BinDir();
        RemoveStale(bin);
        var root = Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "owner"), Environment.ProcessId.ToString());
        Run("chown", ["postgres:postgres", root], asPostgres: false);
        Run(Path.Combine(bin, "initdb"), ["-D", Path.Combine(root, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en", "--no-sync"]);

        for (var attempt = 1; ; attempt++)
        {
            var server = new PostgresServer(root, FreePort());
            try
            {
                // Durability is not under test: no fsync (Options) keeps database creation and commits fast on a shared machine.
                Run(Path.Combine(bin, "pg_ctl"), ["start", "-D", server.DataDir, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", server.Options]);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                continue;   // the port was taken between choosing it and binding it
            }
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop(bin);
            return server;
        }
    }

    /// <summary>
    /// At process exit: the test runner kills its test host soon after the last test, so the stop and the delete run in
    /// a session of their own (setsid) that outlives us, rather than racing the kill.
    /// </summary>
    private void Stop(string bin)
    {
        var stop = $"{Path.Combine(bin, "pg_ctl")} stop -D {DataDir} -m immediate -w -t 20";
        if (geteuid() == 0) stop = $"runuser -u postgres -- {stop}";
        var psi = new ProcessStartInfo("setsid", ["sh", "-c", $"{stop} >/dev/null 2>&1; rm -rf {_root}"]) { UseShellExecute = false };
        try { Process.Start(psi)?.WaitForExit(5_000); } catch (System.ComponentModel.Win32Exception) { Stop(bin, _root); }
    }

    private static void Stop(string bin, string root)
    {
        if (File.Exists(Path.Combine(root, "data", "postmaster.pid")))
            try { Run(Path.Combine(bin, "pg_ctl"), ["stop", "-D", Path.Combine(root, "data"), "-m", "immediate", "-w", "-t", "20"]); }
            catch (InvalidOperationException) { }
        try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Servers of earlier runs whose test process is gone (killed, or crashed before it could clean up).</summary>
    private static void RemoveStale(string bin)
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var ownerFile = Path.Combine(dir, "owner");
            if (File.Exists(ownerFile) && int.TryParse(File.ReadAllText(ownerFile).Trim(), out var owner) && Directory.Exists($"/proc/{owner}")) continue;
            if (!File.Exists(ownerFile) && Directory.GetCreationTimeUtc(dir) > DateTime.UtcNow.AddMinutes(-5)) continue;   // being set up right now
            Stop(bin, dir);
        }
    }

    private static string BinDir()
    {
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); ./test.sh installs Debian's postgresql package.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a PostgreSQL tool as the postgres user when we are root (runuser), as ourselves otherwise.</summary>
    private static void Run(string file, string[] args, bool asPostgres = true)
    {
        var psi = asPostgres && geteuid() == 0 ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = "/tmp";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new InvalidOperationException($"{file} timed out"); }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} exited with {p.ExitCode}: {stderr.Result}{stdout.Result}");
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
