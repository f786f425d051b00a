// Lexical search latency without HTTP: one search at a time on an index opened read-only beside any server.
//   dotnet LexicalBench.dll INDEX_DIR DEPTH QUERY_FILE [QUERIES] [SLOWEST]
// Every query is searched once to warm up (JIT, block maxima), then timed as the mean of three runs; prints the mean,
// p50, p90 and p99 over the queries and the slowest ones. DEPTH is what hybrid mode reads (Search:Depth, 100).
// MODE=constraints: see below.
using System.Diagnostics;
using System.Globalization;
using Paperboy.Search.Lexical;

if (args.Length < 3) { Console.Error.WriteLine("usage: LexicalBench INDEX_DIR DEPTH QUERY_FILE [QUERIES=300] [SLOWEST=10]"); return 2; }
if (Environment.GetEnvironmentVariable("DECODED_MB") is { } mb) LexicalIndex.DecodedPostingsBudget = long.Parse(mb, CultureInfo.InvariantCulture) << 20;
using var index = LexicalIndex.OpenReadOnly(args[0]);
var depth = int.Parse(args[1], CultureInfo.InvariantCulture);
var count = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 300;
var slowest = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 10;
var queries = File.ReadAllLines(args[2]).Where(q => q.Length > 0).Take(count).Select(SearchQuery.Parse).ToList();
var filter = new SearchFilter();
// MODE=constraints times what a constrained hybrid search asks of the index for its semantic side instead: every paper
// satisfying the constraints up to 4,000 (Search:ExactFilterLimit), else which of 4 × DEPTH given papers satisfy them.
// Those papers stand in for the vector graph's nearest: the top 4 × DEPTH of the query's words without its constraints.
var constraints = Environment.GetEnvironmentVariable("MODE") == "constraints";
if (constraints) queries = queries.Where(q => LexicalIndex.HasConstraints(q, filter)).ToList();
var near = constraints
    ? queries.ToDictionary(q => q, q => (IReadOnlyCollection<string>)index.Search(SearchQuery.Parse(string.Join(' ', q.Words.Concat(q.Phrases))), filter, 4 * depth, 0).Hits.Select(h => h.Id).ToList())
    : [];
void Run(SearchQuery q)
{
    if (!constraints) index.Search(q, filter, depth, 0);
    else if (index.AllSatisfying(q, filter, 4_000) is null) index.Satisfying(q, filter, near[q]);
}
foreach (var q in queries) Run(q);
var times = new List<(double Ms, string Query)>();
foreach (var q in queries)
{
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < 3; i++) Run(q);
    times.Add((watch.Elapsed.TotalMilliseconds / 3, q.Text));
}
var sorted = times.Select(t => t.Ms).Order().ToArray();
double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{index.Count} papers, depth {depth}, {queries.Count} queries, decoded postings {LexicalIndex.DecodedPostingsBytes >> 20} MB: mean {times.Average(t => t.Ms):F2} ms, p50 {At(0.5):F2}, p90 {At(0.9):F2}, p99 {At(0.99):F2}"));
foreach (var (ms, text) in times.OrderByDescending(t => t.Ms).Take(slowest))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ms,8:F2} ms  {text}"));
return 0;
