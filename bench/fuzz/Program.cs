// Coverage-guided fuzzing entry point: `PaperboyFuzz TARGET` under afl-fuzz (see run.sh), or
// `PaperboyFuzz TARGET --replay FILE...` to run inputs once (a crash's input, a corpus) without AFL, or
// `PaperboyFuzz TARGET --seeds DIR` to write the target's starting inputs (HostileTargets.Seeds) into DIR.
// TARGET is an importer's format name (hf-page, arxiv-atom, hf-daily, jsonl, arxiv-snapshot, arxiv-oai) or `query`.
// What counts as a crash is defined once, in tests/Paperboy.Tests/Hostile/HostileTargets.cs.
using System.Text;
using Paperboy.Tests.Hostile;
using SharpFuzz;

if (args.Length == 0 || (args[0] != HostileTargets.Query && !HostileTargets.Importers.Contains(args[0])))
{
    Console.Error.WriteLine($"usage: PaperboyFuzz {HostileTargets.Query}|{string.Join('|', HostileTargets.Importers)} [--replay FILE... | --seeds DIR]");
    return 2;
}
var target = args[0];
var root = Environment.GetEnvironmentVariable("PAPERBOY_ROOT") ?? Directory.GetCurrentDirectory();
if (args.Length > 2 && args[1] == "--seeds")
{
    Directory.CreateDirectory(args[2]);
    foreach (var (name, bytes) in HostileTargets.Seeds(root, target)) File.WriteAllBytes(Path.Combine(args[2], name), bytes);
    return 0;
}
Action<byte[]> run;
if (target == HostileTargets.Query)
{
    // Built on the first input, inside the fuzzing loop: instrumented code run before AFL's shared memory is set up crashes.
    var dir = Path.Combine(Path.GetTempPath(), $"paperboy-fuzz-index-{Environment.ProcessId}");
    Paperboy.Search.Lexical.LexicalIndex? index = null;
    AppDomain.CurrentDomain.ProcessExit += (_, _) => { index?.Dispose(); if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); };
    // Invalid UTF-8 becomes U+FFFD, as it would in a query string.
    run = bytes => HostileTargets.Search(index ??= HostileTargets.DemoIndex(root, dir), Encoding.UTF8.GetString(bytes));
}
else run = bytes => HostileTargets.Import(target, bytes);

if (args.Length > 1 && args[1] == "--replay")
{
    var failed = 0;
    foreach (var file in args.Skip(2))
    {
        try { run(File.ReadAllBytes(file)); }
        catch (Exception e) { failed++; Console.WriteLine($"{file}: {e}"); }
    }
    Console.WriteLine($"{args.Length - 2} inputs, {failed} failed");
    return failed == 0 ? 0 : 1;
}

// Out of process: a stack overflow or a hang kills the child, which AFL then records as a crash or a hang, instead
// of the fuzzing session itself.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    run(buffer.ToArray());
});
return 0;
