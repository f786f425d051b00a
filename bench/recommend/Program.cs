using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Search.Embedding;
using Paperboy.Search.Recommending;
using Paperboy.Search.Semantic;

// RecommendBench quality|speed — see bench/recommend/README.md and run.sh.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0) { Console.Error.WriteLine("usage: RecommendBench quality [--root DIR] [--repeats N] | speed --corpus FILE [--members N] [--candidates N]"); return 2; }
var opts = Args.Parse(args.Skip(1).ToArray());
switch (args[0])
{
    case "quality": await Quality.RunAsync(opts); return 0;
    case "speed": await Speed.RunAsync(opts); return 0;
    default: Console.Error.WriteLine($"unknown command {args[0]}"); return 2;
}

/// <summary>A semantic index over a corpus, built the way the server builds it (LSA trained on the corpus itself).</summary>
static class Corpus
{
    public static async Task<SemanticIndex> IndexAsync(IReadOnlyList<Paper> papers, string dir, int trainingSample)
    {
        var saved = new SemanticIndex(dir);
        if (saved.IsCurrent && saved.Count == papers.Count) return saved;   // built by an earlier run
        saved.Dispose();
        var texts = papers.Select(p => (p.Id, Text: EmbedderText.Of(p.Title, p.Abstract))).ToList();
        var rng = new Random(1);
        var sample = texts.Count <= trainingSample ? texts.Select(t => t.Text).ToList() : texts.OrderBy(_ => rng.Next()).Take(trainingSample).Select(t => t.Text).ToList();
        var lsa = LsaModel.Train(sample);
        var index = new SemanticIndex(dir);
        index.Reset(lsa, sample.Count, texts.Count);
        for (int i = 0; i < texts.Count; i += 5000)
            await index.ApplyAsync(texts.Skip(i).Take(5000).ToList(), [], i + 1);
        index.Save();
        return index;
    }
}

/// <summary>
/// Held-out evaluation on the demo corpus. A simulated member likes papers of one topic (or two): the relevant set of
/// a topical query in bench/quality/queries.tsv, judged by hand before Paperboy ranked anything. Part of the topic's
/// papers are the member's likes; the rest are held out. The candidates are the held-out papers and a random half of
/// the other papers; the other half is the "old" corpus the classifiers draw their negatives from (the recommender
/// never trains on candidates, as in a digest where the candidates are the new papers). A method is good when the
/// held-out papers come first. The held-out papers are never among the likes given to a method.
/// </summary>
static class Quality
{
    sealed record Member(string Kind, string Topic, IReadOnlyList<string> Liked, IReadOnlySet<string> HeldOut, IReadOnlyList<string> Candidates);

    sealed record System(string Name, Func<Member, IReadOnlyList<string>> Rank);

    public static async Task RunAsync(Args opts)
    {
        var root = opts.Get("root", ".");
        int repeats = opts.GetInt("repeats", 10);
        var papers = Directory.GetFiles(Path.Combine(root, "data/demo"), "*.txt").Order(StringComparer.Ordinal)
            .SelectMany(f => HfPageReader.Read(ImportSource.FromFile(f), new DateOnly(2026, 1, 1)))
            .GroupBy(p => p.Id).Select(g => g.First()).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        var byTitle = papers.GroupBy(p => p.Title).ToDictionary(g => g.Key, g => g.First().Id);
        var topics = new List<(string Name, List<string> Papers)>();
        foreach (var line in File.ReadLines(Path.Combine(root, "bench/quality/queries.tsv")))
        {
            if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line)) continue;
            var cols = line.Split('\t');
            if (cols[1] != "topical") continue;
            var ids = cols.Skip(3).Where(t => t.Trim().Length > 0).Select(t => byTitle[t.Trim()]).Distinct().ToList();
            if (ids.Count >= 2) topics.Add((cols[0], ids));
        }
        var dir = Directory.CreateTempSubdirectory("recommend-bench-");
        try
        {
            using var index = await Corpus.IndexAsync(papers, dir.FullName, int.MaxValue);
            Console.Error.WriteLine($"{papers.Count} papers, {topics.Count} topics with 2+ judged papers, {index.Dimension}-d LSA vectors");
            var upvotes = papers.ToDictionary(p => p.Id, p => p.Upvotes);
            var allIds = papers.Select(p => p.Id).ToList();

            IReadOnlyList<string> Ranked(IRecommender r, Member m) => r.Recommend(m.Liked, m.Candidates, m.Candidates.Count).Select(x => x.PaperId).ToList();
            System Recommender(string name, RecommenderSettings settings)
            {
                var r = new VectorRecommender(index, settings);
                return new System(name, m => Ranked(r, m));
            }
            System MaxCosine() => new("nearest neighbour, max cosine", m =>
            {
                var liked = m.Liked.Select(index.VectorOf).Where(v => v is not null).ToList();
                return m.Candidates.Select((id, i) => (id, i, score: liked.Max(l => TensorPrimitives.Dot<float>(l!, index.VectorOf(id)!))))
                    .OrderByDescending(x => x.score).ThenBy(x => x.i).Select(x => x.id).ToList();
            });
            var main = new List<System>
            {
                Recommender("logistic regression", new() { Method = RecommenderMethod.LogisticRegression }),
                Recommender("linear SVM", new() { Method = RecommenderMethod.LinearSvm }),
                Recommender("nearest neighbour, mean cosine", new() { Method = RecommenderMethod.NearestNeighbours }),
                MaxCosine(),
                new("popularity (upvotes)", m => m.Candidates.Select((id, i) => (id, i)).OrderByDescending(x => upvotes[x.id]).ThenBy(x => x.i).Select(x => x.id).ToList()),
                new("random", m => m.Candidates),
            };

            // Table 1: half of each topic liked, half held out; members with one topic and with two.
            var members = new List<Member>();
            for (int r = 0; r < repeats; r++)
            {
                for (int t = 0; t < topics.Count; t++)
                {
                    var rng = new Random(1_000_000 + 1000 * r + t);
                    members.Add(Split("one topic", topics[t].Name, [topics[t].Papers], rng, allIds, liked: p => Math.Max(1, p.Count / 2)));
                    var other = topics[(t + 1 + rng.Next(topics.Count - 1)) % topics.Count].Papers;
                    if (!other.Intersect(topics[t].Papers).Any())
                        members.Add(Split("two topics", topics[t].Name, [topics[t].Papers, other], rng, allIds, liked: p => Math.Max(1, p.Count / 2)));
                }
            }
            Console.WriteLine($"### Held-out likes: half of each topic liked, the rest held out ({repeats} random splits per topic)\n");
            Report(main, members, m => m.Kind);
            Console.WriteLine();
            Paired(main.Take(4).ToList(), main[2], members);

            // Table 2: how many likes a method needs. Topics with 5+ papers; 1, 2 or 4 liked, the rest held out.
            var sweep = new List<Member>();
            foreach (int likes in new[] { 1, 2, 4 })
                for (int r = 0; r < repeats; r++)
                    for (int t = 0; t < topics.Count; t++)
                        if (topics[t].Papers.Count >= 5)
                            sweep.Add(Split($"{likes} liked", topics[t].Name, [topics[t].Papers], new Random(1000 * (1000 * likes + r) + t), allIds, liked: _ => likes));
            var untrainedFallback = new List<System>
            {
                Recommender("logistic regression (trained even on 1 like)", new() { Method = RecommenderMethod.LogisticRegression, MinimumLikesToTrain = 1 }),
                Recommender("linear SVM (trained even on 1 like)", new() { Method = RecommenderMethod.LinearSvm, MinimumLikesToTrain = 1 }),
                Recommender("nearest neighbour, mean cosine", new() { Method = RecommenderMethod.NearestNeighbours }),
                MaxCosine(),
            };
            Console.WriteLine($"\n### How many likes: topics with 5+ papers, 1, 2 or 4 liked, the rest held out (nDCG@10)\n");
            ReportBy(untrainedFallback, sweep, m => m.Kind);

            // Table 3: sensitivity to the regularisation and the number of negatives (table 1's members, nDCG@10).
            var sensitivity = new List<System>();
            foreach (var lambda in new[] { 1e-4, 1e-3, 1e-2, 1e-1 })
                sensitivity.Add(Recommender($"logistic regression, λ = {lambda:0.####}", new() { Logistic = new(Lambda: lambda) }));
            foreach (var c in new[] { 0.1, 1.0, 10.0 })
                sensitivity.Add(Recommender($"linear SVM, C = {c}", new() { Method = RecommenderMethod.LinearSvm, Svm = new(C: c) }));
            foreach (var iterations in new[] { 10, 20 })
                sensitivity.Add(Recommender($"logistic regression, λ = 0.01, at most {iterations} iterations", new() { Logistic = new(Lambda: 0.01, MaxIterations: iterations) }));
            foreach (var negatives in new[] { 50, 100 })
                sensitivity.Add(Recommender($"logistic regression, {negatives} negatives", new() { Negatives = negatives }));
            Console.WriteLine($"\n### Sensitivity (table 1's members)\n");
            Report(sensitivity, members, m => m.Kind);
        }
        finally { dir.Delete(recursive: true); }
    }

    static Member Split(string kind, string topic, List<List<string>> topicPapers, Random rng, List<string> allIds, Func<List<string>, int> liked)
    {
        var likes = new List<string>();
        var held = new HashSet<string>();
        foreach (var papers in topicPapers)
        {
            var shuffled = papers.OrderBy(_ => rng.Next()).ToList();
            int k = liked(papers);
            likes.AddRange(shuffled.Take(k));
            foreach (var p in shuffled.Skip(k)) held.Add(p);
        }
        var likedSet = likes.ToHashSet();
        // The held-out papers and half of the others, in a random order so that no method profits from the corpus
        // order on ties.
        var candidates = allIds.Where(id => !likedSet.Contains(id) && (held.Contains(id) || rng.Next(2) == 0)).OrderBy(_ => rng.Next()).ToList();
        return new Member(kind, topic, likes, held, candidates);
    }

    static (double Mrr, double Ndcg, double Recall) Score(IReadOnlyList<string> ranking, IReadOnlySet<string> relevant)
    {
        double mrr = 0, dcg = 0, ideal = 0;
        int found = 0;
        for (int i = 0; i < ranking.Count; i++)
        {
            if (!relevant.Contains(ranking[i])) continue;
            if (mrr == 0) mrr = 1.0 / (i + 1);
            if (i < 10) { dcg += 1 / Math.Log2(i + 2); found++; }
        }
        for (int i = 0; i < Math.Min(10, relevant.Count); i++) ideal += 1 / Math.Log2(i + 2);
        return (mrr, dcg / ideal, (double)found / Math.Min(10, relevant.Count));
    }

    static void Report(List<System> systems, List<Member> members, Func<Member, string> group)
    {
        var groups = members.Select(group).Distinct().ToList();
        Console.WriteLine($"| method | {string.Join(" | ", groups.Select(g => $"MRR ({g}) | nDCG@10 ({g}) | Recall@10 ({g})"))} |");
        Console.WriteLine($"|---|{string.Concat(Enumerable.Repeat("---:|---:|---:|", groups.Count))}");
        foreach (var s in systems)
        {
            var cells = new List<string>();
            foreach (var g in groups)
            {
                var scores = members.Where(m => group(m) == g).Select(m => Score(s.Rank(m), m.HeldOut)).ToList();
                cells.Add($"{scores.Average(x => x.Mrr):0.000} | {scores.Average(x => x.Ndcg):0.000} | {scores.Average(x => x.Recall):0.000}");
            }
            Console.WriteLine($"| {s.Name} | {string.Join(" | ", cells)} |");
        }
        Console.WriteLine($"\n{string.Join(", ", groups.Select(g => $"{members.Count(m => group(m) == g)} members ({g})"))}.");
    }

    /// <summary>nDCG@10 of each system minus the baseline's, on the same members, with a 95% interval. Members of
    /// the same topic are not independent (repeated splits), so the standard error is over per-topic means.</summary>
    static void Paired(List<System> systems, System baseline, List<Member> members)
    {
        var baseScores = members.Select(m => Score(baseline.Rank(m), m.HeldOut).Ndcg).ToList();
        Console.WriteLine($"| method | nDCG@10 minus {baseline.Name} (all members) | 95% interval (by topic) |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var s in systems.Where(s => s != baseline))
        {
            var diffs = members.Select((m, i) => (m.Topic, D: Score(s.Rank(m), m.HeldOut).Ndcg - baseScores[i])).ToList();
            var perTopic = diffs.GroupBy(x => x.Topic).Select(g => g.Average(x => x.D)).ToList();
            double mean = perTopic.Average();
            double se = Math.Sqrt(perTopic.Sum(x => (x - mean) * (x - mean)) / (perTopic.Count - 1) / perTopic.Count);
            Console.WriteLine($"| {s.Name} | {diffs.Average(x => x.D):+0.000;-0.000} | {mean - 1.96 * se:+0.000;-0.000} … {mean + 1.96 * se:+0.000;-0.000} |");
        }
    }

    static void ReportBy(List<System> systems, List<Member> members, Func<Member, string> group)
    {
        var groups = members.Select(group).Distinct().ToList();
        Console.WriteLine($"| method | {string.Join(" | ", groups)} |");
        Console.WriteLine($"|---|{string.Concat(Enumerable.Repeat("---:|", groups.Count))}");
        foreach (var s in systems)
            Console.WriteLine($"| {s.Name} | {string.Join(" | ", groups.Select(g => $"{members.Where(m => group(m) == g).Average(m => Score(s.Rank(m), m.HeldOut).Ndcg):0.000}"))} |");
        Console.WriteLine($"\n{string.Join(", ", groups.Select(g => $"{members.Count(m => group(m) == g)} members ({g})"))}.");
    }
}

/// <summary>
/// A digest run's recommending, timed: N members on a large corpus, each with 1–40 likes (the nearest neighbours of
/// a random paper, so that likes cluster as real ones do), all ranking the same latest papers.
/// </summary>
static class Speed
{
    public static async Task RunAsync(Args opts)
    {
        var corpus = opts.Get("corpus", "");
        int members = opts.GetInt("members", 10_000), candidateCount = opts.GetInt("candidates", 300), threads = opts.GetInt("threads", Environment.ProcessorCount);
        var clock = Stopwatch.StartNew();
        var papers = JsonlFormat.Read(ImportSource.FromFile(corpus));
        var dir = new DirectoryInfo(opts.Get("index", Path.Combine(Path.GetDirectoryName(Path.GetFullPath(corpus))!, $"index-{Path.GetFileNameWithoutExtension(corpus)}")));
        {
            using var index = await Corpus.IndexAsync(papers, dir.FullName, opts.GetInt("train", 20_000));
            Console.Error.WriteLine($"{papers.Count} papers indexed ({index.Kind}, {index.Dimension}-d) in {clock.Elapsed.TotalSeconds:0} s");
            var candidates = papers.OrderByDescending(p => p.PublishedAt).ThenBy(p => p.Id, StringComparer.Ordinal).Take(candidateCount).Select(p => p.Id).ToList();
            var rng = new Random(7);
            var likes = new List<string[]>(members);
            for (int m = 0; m < members; m++)
            {
                var seed = papers[rng.Next(papers.Count)];
                int k = 1 + (int)Math.Min(39, -Math.Log(1 - rng.NextDouble()) * 10);   // mostly a few, sometimes many
                likes.Add(index.Search(index.VectorOf(seed.Id)!, k).Select(h => h.Id).ToArray());
            }
            Console.WriteLine($"| method | {members:N0} members × {candidateCount} candidates, {threads} threads (wall) | per member (core time) | likes per member (mean) |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var method in new[] { RecommenderMethod.LogisticRegression, RecommenderMethod.LinearSvm, RecommenderMethod.NearestNeighbours })
            {
                var recommender = new VectorRecommender(index, new RecommenderSettings { Method = method });
                recommender.Recommend(likes[0], candidates, 10);   // warm-up
                var time = Stopwatch.StartNew();
                int produced = 0;
                Parallel.For(0, members, new ParallelOptions { MaxDegreeOfParallelism = threads }, m =>
                {
                    if (recommender.Recommend(likes[m], candidates, 10).Count > 0) Interlocked.Increment(ref produced);
                });
                time.Stop();
                if (produced != members) throw new InvalidOperationException($"{members - produced} members got nothing");
                Console.WriteLine($"| {method} | {time.Elapsed.TotalSeconds:0.0} s | {time.Elapsed.TotalMilliseconds / members * threads:0.00} ms | {likes.Average(l => l.Length):0.0} |");
            }
            Console.WriteLine($"\npeak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20):N0} MB (includes the {papers.Count:N0}-paper corpus and index)");
        }
    }
}
