using System.Text.Json;
using System.Text.RegularExpressions;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Cli;

/// <summary>A data directory into which the real CLI imported the five seed pages once; the output of that first import.</summary>
public sealed class SeededDataDir : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    public string Path => _dir.Path;
    public CliResult FirstImport { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assert.Equal(5, TestData.SeedPages.Count);
        FirstImport = await PaperboyCli.RunAsync(["import", .. TestData.SeedPages, "--data", Path]);
    }

    public Task DisposeAsync() { _dir.Dispose(); return Task.CompletedTask; }
}

/// <summary>The CLI as a user runs it: <c>dotnet paperboy.dll VERB ... --data DIR</c>, exit codes 0 ok, 1 bad input, 2 usage.</summary>
public sealed class CliTests(SeededDataDir data) : IClassFixture<SeededDataDir>
{
    private const string ActivationPaper = "A Method on Searching Better Activation Functions";

    private static void AssertExit(int expected, CliResult r) => Assert.True(r.ExitCode == expected, $"expected exit {expected}; {r}");

    private async Task<CliResult> Export(string? dir = null)
    {
        var r = await PaperboyCli.RunAsync("export", "--data", dir ?? data.Path);
        AssertExit(0, r);
        return r;
    }

    [Fact]
    public void Importing_the_seed_pages_adds_257_papers()
    {
        AssertExit(0, data.FirstImport);
        var summary = data.FirstImport.StdoutLines.Last();
        Assert.Matches(@"^257 added, \d+ merged, \d+ unchanged, 0 rejected \(5 files, 284 entries\)$", summary);
    }

    [Fact]
    public async Task Importing_the_seed_pages_again_adds_nothing()
    {
        var before = await Export();
        var again = await PaperboyCli.RunAsync(["import", .. TestData.SeedPages, "--data", data.Path]);
        AssertExit(0, again);
        Assert.StartsWith("0 added, ", again.StdoutLines.Last());
        Assert.Contains("0 rejected", again.StdoutLines.Last());
        Assert.Equal(257, (await Export()).StdoutLines.Length);
        Assert.Equal(before.Stdout, (await Export()).Stdout);
    }

    [Fact]
    public async Task Export_prints_one_json_line_per_paper()
    {
        var lines = (await Export()).StdoutLines;
        Assert.Equal(257, lines.Length);
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("title").GetString()).ToList();
        Assert.Equal(257, ids.Distinct().Count());
        Assert.Contains(ActivationPaper, ids);
    }

    [Fact]
    public async Task Export_then_import_into_an_empty_store_round_trips_byte_for_byte()
    {
        using var other = new TempDir();
        var exported = await Export();
        var file = other.File("all.jsonl", exported.Stdout);
        var import = await PaperboyCli.RunAsync("import", file, "--data", System.IO.Path.Combine(other.Path, "data"));
        AssertExit(0, import);
        Assert.StartsWith("257 added, 0 merged", import.StdoutLines.Last());
        var again = await Export(System.IO.Path.Combine(other.Path, "data"));
        Assert.Equal(exported.Stdout, again.Stdout);
    }

    [Fact]
    public async Task Export_to_a_file_writes_the_same_lines()
    {
        using var other = new TempDir();
        var path = System.IO.Path.Combine(other.Path, "out.jsonl");
        var r = await PaperboyCli.RunAsync("export", "--out", path, "--data", data.Path);
        AssertExit(0, r);
        Assert.Equal((await Export()).Stdout, await File.ReadAllTextAsync(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public async Task A_truncated_entry_is_refused_with_file_and_line_and_nothing_is_stored()
    {
        using var other = new TempDir();
        var bad = other.File("truncated.txt",
            "Daily Papers\n\nOct 5\n\n" +
            "A Perfectly Fine Paper About Wombats\n\nWombats are studied here in detail.\n\n  • 2 authors\n·\nOct 4, 2023 3\n\n" +
            "A Title Whose Abstract Was Cut Off\n");
        var before = await Export();
        var r = await PaperboyCli.RunAsync("import", bad, "--data", data.Path);
        AssertExit(1, r);
        Assert.Matches(new Regex(@"truncated\.txt:13: \S.*", RegexOptions.Multiline), r.Stderr);
        Assert.Contains("truncated entry", r.Stderr);
        Assert.Contains("0 added", r.Stdout);
        Assert.Contains("1 rejected", r.Stdout);
        var after = await Export();
        Assert.Equal(before.Stdout, after.Stdout);
        Assert.DoesNotContain("Wombats", after.Stdout);
    }

    [Theory]
    [InlineData("binary.txt", new byte[] { 0x41, 0x0a, 0x00, 0x42 }, "binary.txt:2: ")]
    [InlineData("latin1.txt", new byte[] { 0x54, 0x69, 0x74, 0x6c, 0x65, 0x0a, 0xe9, 0x0a }, "latin1.txt:2: ")]
    [InlineData("bad.jsonl", new byte[] { 0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x0a }, "bad.jsonl:1: ")]
    public async Task Malformed_files_exit_1_naming_file_and_line(string name, byte[] content, string where)
    {
        using var other = new TempDir();
        var path = System.IO.Path.Combine(other.Path, name);
        await File.WriteAllBytesAsync(path, content);
        var r = await PaperboyCli.RunAsync("import", path, "--data", System.IO.Path.Combine(other.Path, "data"));
        AssertExit(1, r);
        Assert.Contains(where, r.Stderr);
        Assert.Empty((await Export(System.IO.Path.Combine(other.Path, "data"))).StdoutLines);
    }

    [Fact]
    public async Task A_missing_file_exits_1()
    {
        using var other = new TempDir();
        var r = await PaperboyCli.RunAsync("import", System.IO.Path.Combine(other.Path, "nope.txt"), "--data", System.IO.Path.Combine(other.Path, "data"));
        AssertExit(1, r);
        Assert.Contains("nope.txt:0: no such file", r.Stderr);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("export", "--bogus")]
    [InlineData("import")]
    [InlineData("import", "x.txt", "--format", "docx")]
    [InlineData("search")]
    [InlineData("search", "graph", "--limit", "abc")]
    [InlineData("search", "graph", "--limit", "0")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        using var other = new TempDir();
        var r = await PaperboyCli.RunAsync([.. args, "--data", other.Path]);
        AssertExit(2, r);
        Assert.NotEqual("", r.Stderr.Trim());
        Assert.Equal("", r.Stdout.Trim());
    }

    [Fact]
    public async Task Search_json_finds_the_activation_paper_in_the_top_3()
    {
        var r = await PaperboyCli.RunAsync("search", "activation", "function", "--json", "--data", data.Path);
        AssertExit(0, r);
        var body = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal("activation function", body.GetProperty("query").GetString());
        var titles = body.GetProperty("results").EnumerateArray().Take(3).Select(x => x.GetProperty("title").GetString());
        Assert.Contains(ActivationPaper, titles);
    }

    [Fact]
    public async Task Search_prints_a_ranked_list()
    {
        var r = await PaperboyCli.RunAsync("search", "activation function", "--limit", "3", "--data", data.Path);
        AssertExit(0, r);
        Assert.Matches(@"^\d+ results for 'activation function'", r.StdoutLines[0]);
        Assert.Equal(4, r.StdoutLines.Length);
        Assert.Contains(ActivationPaper, r.Stdout);
    }

    [Fact]
    public async Task Reindex_rebuilds_the_index_and_search_still_works()
    {
        var r = await PaperboyCli.RunAsync("reindex", "--data", data.Path);
        AssertExit(0, r);
        Assert.Contains("Indexed 257 papers.", r.Stdout);
        var s = await PaperboyCli.RunAsync("search", "activation", "function", "--json", "--data", data.Path);
        AssertExit(0, s);
        Assert.Contains(ActivationPaper, JsonDocument.Parse(s.Stdout).RootElement.GetProperty("results")
            .EnumerateArray().Take(3).Select(x => x.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task Reindex_after_losing_the_index_restores_search()
    {
        using var other = new TempDir();
        var dir = System.IO.Path.Combine(other.Path, "data");
        AssertExit(0, await PaperboyCli.RunAsync("import", TestData.SeedPages[0], "--data", dir));
        var index = System.IO.Path.Combine(dir, "index");
        if (Directory.Exists(index)) Directory.Delete(index, recursive: true);
        var r = await PaperboyCli.RunAsync("reindex", "--data", dir);
        AssertExit(0, r);
        Assert.Matches(@"Indexed \d+ papers\.", r.Stdout);
        var s = await PaperboyCli.RunAsync("search", "hierarchical", "polynomials", "--json", "--data", dir);
        AssertExit(0, s);
        Assert.Contains("Learning Hierarchical Polynomials with Three-Layer Neural Networks", s.Stdout);
    }

    [Fact]
    public void A_statement_timeout_is_named_as_such_and_not_as_an_unreachable_store()
    {
        var timeout = new Npgsql.NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt"));
        Assert.True(Paperboy.Storage.StorageSetup.IsUnavailable(timeout));   // Npgsql calls it transient...
        var said = Paperboy.Cli.CliApp.StoreFailure(new InvalidOperationException("wrapped", timeout));
        Assert.NotNull(said);
        Assert.Contains("longer than its time limit", said);                  // ...the operator is told what happened
        Assert.Contains("unavailable", Paperboy.Cli.CliApp.StoreFailure(new Npgsql.NpgsqlException("Failed to connect to 127.0.0.1:1", new System.Net.Sockets.SocketException(111))));
        Assert.Null(Paperboy.Cli.CliApp.StoreFailure(new FormatException("not a store problem")));
    }
}
