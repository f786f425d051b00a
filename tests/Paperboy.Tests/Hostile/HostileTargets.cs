using Lucene.Net.Search;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Search.Lexical;

namespace Paperboy.Tests.Hostile;

/// <summary>
/// What hostile input is fed to, and what it may do there: the same definitions for the property tests and for the
/// coverage-guided fuzzer (bench/fuzz compiles this file), so a crash either finds is the same kind of defect.
/// An importer may only refuse its input with an <see cref="ImportException"/> naming a line of it; the query parser
/// may not fail at all, and the Lucene query it leads to must be one Lucene runs.
/// </summary>
public static class HostileTargets
{
    /// <summary>The readers, by <c>--format</c> name, plus <c>arxiv-oai</c> (the harvester's OAI-PMH page reader).</summary>
    public static readonly string[] Importers = [ImportFormat.HfPage, ImportFormat.ArxivAtom, ImportFormat.HfDaily, ImportFormat.Jsonl, ImportFormat.ArxivSnapshot, OaiFormat];
    public const string OaiFormat = "arxiv-oai";
    public const string Query = "query";

    /// <summary>The day year-less seed-page dates are read against: fixed, so a failure reproduces.</summary>
    public static readonly DateOnly Today = new(2024, 6, 30);

    /// <summary>Reads <paramref name="bytes"/> as <paramref name="format"/>; returns the papers read or the refusal, throws anything else.</summary>
    public static (int Papers, ImportException? Refusal) Import(string format, byte[] bytes)
    {
        try
        {
            var source = ImportSource.FromBytes("input", bytes);
            var papers = format == OaiFormat
                ? ArxivOaiReader.Read(source).Records.Select(r => r.Paper).OfType<Paper>().ToList()
                : ImportFormat.Read(source, format, Today);
            foreach (var p in papers)
            {
                var problem = PaperValidation.Problem(p) ?? (string.IsNullOrEmpty(p.Id) ? "no id" : null);
                if (problem is not null) throw new InvalidOperationException($"{format} accepted an invalid paper ({problem}): {p.Title}");
            }
            return (papers.Count, null);
        }
        catch (ImportException e)
        {
            var lines = 1 + bytes.Count(b => b == (byte)'\n');
            if (e.Line < 1 || e.Line > lines) throw new InvalidOperationException($"{format}: the refusal names line {e.Line} of an input of {lines} lines: {e.Message}", e);
            if (e.InputName != "input" || string.IsNullOrWhiteSpace(e.Reason)) throw new InvalidOperationException($"{format}: the refusal names no input or reason: {e.Message}", e);
            return (0, e);
        }
    }

    /// <summary>Parses <paramref name="text"/> as a search box would and runs it on <paramref name="index"/>; throws when anything fails.</summary>
    public static LexicalResult Search(LexicalIndex index, string text)
    {
        var query = SearchQuery.Parse(text);
        if (query.Text != text) throw new InvalidOperationException("the parsed query does not keep the text it came from");
        foreach (var part in query.Words.Concat(query.Phrases).Concat(query.Excluded).Concat(query.Authors))
            if (part.Length == 0 || !text.Contains(part, StringComparison.Ordinal))
                throw new InvalidOperationException($"the query part '{part}' is empty or not in the text");
        // Null when nothing positive is left after analysis (stop words, punctuation): no query, no error.
        if (index.LuceneQuery(query, new SearchFilter()) is { } lucene)
        {
            if (!HasPositiveClause(lucene)) throw new InvalidOperationException($"a query of exclusions only: {lucene}");
            if (ClauseCount(lucene) > BooleanQuery.MaxClauseCount) throw new InvalidOperationException($"more clauses than Lucene allows: {lucene}");
        }
        return index.Search(query, new SearchFilter(), 10, 0);
    }

    private static bool HasPositiveClause(Query q) => q is not BooleanQuery b || b.Clauses.Any(c => c.Occur != Occur.MUST_NOT && HasPositiveClause(c.Query));

    private static int ClauseCount(Query q) => q is BooleanQuery b ? b.Clauses.Count + b.Clauses.Sum(c => ClauseCount(c.Query)) : 0;

    /// <summary>
    /// Real inputs of a target, to start from: the fixtures of its format under tests/Paperboy.Tests/testdata (the
    /// well-formed and the broken ones), the crash inputs fuzzing found (testdata/fuzz/TARGET), and for the seed pages
    /// the head of a demo page.
    /// </summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Seeds(string repoRoot, string target)
    {
        var data = Path.Combine(repoRoot, "tests", "Paperboy.Tests", "testdata");
        IEnumerable<string> Files(string dir, string pattern) =>
            Directory.Exists(Path.Combine(data, dir)) ? Directory.GetFiles(Path.Combine(data, dir), pattern) : [];
        var files = target switch
        {
            ImportFormat.HfPage => Files(".", "*.txt"),
            ImportFormat.ArxivAtom => Files(".", "*.atom").Concat(Files("arxiv-replay", "*.atom")).Concat(Files("harvest-replay", "*.atom")),
            ImportFormat.HfDaily => Files(".", "hf_*.json").Concat(Files(".", "malformed.json")).Concat(Files("harvest-replay", "hf-*.json")),
            ImportFormat.Jsonl => Files(".", "*.jsonl"),
            ImportFormat.ArxivSnapshot => Files(".", "arxiv_snapshot.json"),
            OaiFormat => Files("harvest-replay", "oai-*.xml"),
            Query => Directory.GetFiles(Path.Combine(repoRoot, "bench", "fuzz", "seeds", "query")),
            _ => throw new ArgumentException($"unknown target '{target}'", nameof(target)),
        };
        var seeds = files.Concat(Files(Path.Combine("fuzz", target), "*")).Order(StringComparer.Ordinal)
            .Select(f => (Name: Path.GetFileName(f), Bytes: File.ReadAllBytes(f))).Where(s => s.Bytes.Length > 0).ToList();
        if (target == ImportFormat.HfPage)
            seeds.Add(("demo-head.txt", File.ReadAllBytes(Directory.GetFiles(Path.Combine(repoRoot, "data", "demo"), "*.txt").Order(StringComparer.Ordinal).First())[..6000]));
        if (target == ImportFormat.ArxivSnapshot)
            seeds.Add(("snapshot-line.json", seeds[0].Bytes[..(Array.IndexOf(seeds[0].Bytes, (byte)'\n') + 1)]));
        return seeds;
    }

    /// <summary>A small lexical index of the demo corpus, to run queries on.</summary>
    public static LexicalIndex DemoIndex(string repoRoot, string directory)
    {
        var index = LexicalIndex.Open(directory);
        var papers = Directory.GetFiles(Path.Combine(repoRoot, "data", "demo"), "*.txt").Order(StringComparer.Ordinal)
            .SelectMany(f => HfPageReader.Read(ImportSource.FromFile(f), Today))
            .DistinctBy(p => p.Id).ToList();
        index.Apply(papers, [], 1);
        return index;
    }
}
