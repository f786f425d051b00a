using System.Diagnostics;
using System.Text;

namespace Paperboy.Tests.Support;

/// <summary>What one run of the CLI did.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real built CLI (<c>dotnet paperboy.dll</c>, copied into the test output because the test project references it)
/// as a child process, the way a user runs <c>./paperboy</c>.
/// </summary>
public static class PaperboyCli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "paperboy.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The child must not pick up the developer's own settings.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PAPERBOY_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(key);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        return psi;
    }

    public static async Task<CliResult> RunAsync(params string[] args) => await RunAsync(args, TimeSpan.FromSeconds(120));

    /// <param name="environment">Settings for the child as environment variables, e.g. <c>PAPERBOY_Harvest__Oai__BaseUrl</c>.</param>
    public static async Task<CliResult> RunAsync(IEnumerable<string> args, TimeSpan timeout, string? input = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = StartInfo(args);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        if (input is not null) await p.StandardInput.WriteAsync(input);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"paperboy {string.Join(' ', args)} did not finish within {timeout}");
        }
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }
}
