using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Paperboy.Api;
using Paperboy.Core.Import;
using Paperboy.Digests;
using Paperboy.Harvesting;
using Paperboy.Hosting;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Mail;
using Paperboy.Searching;
using Paperboy.Storage;
using Paperboy.Subscriptions;

namespace Paperboy.Cli;

/// <summary>The <c>paperboy</c> command line. Exit codes: 0 success, 1 bad input, 2 usage, 130 interrupted (Ctrl-C).</summary>
public static class CliApp
{
    public const int Ok = 0, BadInput = 1, Usage = 2, StoreFailed = 3, Interrupted = 130;

    private static readonly Option<string> DataOption = new("--data")
    {
        Description = "Data directory (store, indexes, keys)",
        DefaultValueFactory = _ => "./data",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Paperboy: a self-hosted research-paper discovery service.");
        root.Options.Add(DataOption);
        root.Subcommands.Add(ServeCommand());
        root.Subcommands.Add(ImportCommand());
        root.Subcommands.Add(SearchCommand());
        root.Subcommands.Add(ExportCommand());
        root.Subcommands.Add(ReindexCommand());
        root.Subcommands.Add(HarvestCommand());
        root.Subcommands.Add(AdminCommand());
        root.Subcommands.Add(DigestCommand());
        root.Subcommands.Add(MigrateCommand());

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) Console.Error.WriteLine($"paperboy: {e.Message}");
            Console.Error.WriteLine("Try 'paperboy --help'.");
            return Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        // The store failed under the command, not the input: say what happened to it in one line, not a stack trace.
        // A transaction that fails is rolled back by SQLite and PostgreSQL alike, so what it was writing is not stored.
        catch (Exception e) when (StoreFailure(e) is { } what)
        {
            Console.Error.WriteLine($"paperboy: {what}; the transaction in progress was rolled back and nothing from it was stored ({e.GetBaseException().Message})");
            return StoreFailed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"paperboy: unexpected error: {e}");   // what System.CommandLine's own handler would print
            return BadInput;
        }
    }

    /// <summary>A full disk or an unavailable database, described for the operator; null for anything else.</summary>
    internal static string? StoreFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 } || x is IOException { HResult: 28 } || x is IOException io && io.Message.Contains("No space left", StringComparison.Ordinal))
                return "the disk holding the data directory is full: free some space and run the command again";
            if (x is Npgsql.PostgresException { SqlState: "53100" }) return "PostgreSQL's disk is full: free some space and run the command again";
            // A statement that ran past its time limit is not an unreachable database, though Npgsql calls both transient.
            if (x is TimeoutException || x is Npgsql.PostgresException { SqlState: "57014" })
                return "a database statement took longer than its time limit (the database is overloaded, or the work is larger than the limit allows): the transaction it was part of was rolled back";
        }
        return Paperboy.Storage.StorageSetup.IsUnavailable(e) ? "the store is unavailable (locked by another process, or the database cannot be reached): try again shortly" : null;
    }

    /// <summary>--data when given, else PAPERBOY_DataDir, else ./data.</summary>
    private static string DataDir(ParseResult parse) =>
        parse.GetResult(DataOption) is { Implicit: false } ? parse.GetValue(DataOption)! : Environment.GetEnvironmentVariable("PAPERBOY_DataDir") ?? "./data";

    /// <summary>A service provider for a CLI verb: the same services as the server, without the web host.</summary>
    private static ServiceProvider Services(ParseResult parse)
    {
        var config = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("PAPERBOY_")
            .AddInMemoryCollection(new Dictionary<string, string?> { [nameof(PaperboyOptions.DataDir)] = DataDir(parse) })
            .Build();
        var services = new ServiceCollection();
        // Logs go to standard error: standard output is the verb's answer (search results, an export, a digest preview).
        services.AddLogging(l => l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None)
            .AddFilter("Paperboy.Indexing.TopicMap", LogLevel.Information)   // reindex reports the topic map's steps
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error));
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        services.AddSingleton<IConfiguration>(config);
        services.AddPaperboy(config);
        Accounts.CommunitySetup.AddAccountsCore(services);
        services.AddPaperboyMail(config);
        services.AddPaperboyDataProtection(config);
        services.AddSubscriptions();
        services.AddDigests(config);
        return services.BuildServiceProvider();
    }

    private static Command ServeCommand()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var cmd = new Command("serve", "Run the web server (pages, API, feeds) with the indexer") { urls };
        cmd.SetAction(async (parse, ct) =>
        {
            var app = WebApp.Build(["--urls", parse.GetValue(urls)!, $"--DataDir={DataDir(parse)}"]);
            await WebApp.InitialiseAsync(app.Services, ct);
            await app.RunAsync();
            return Ok;
        });
        return cmd;
    }

    private static Command ImportCommand()
    {
        var files = new Argument<string[]>("files") { Description = "Files to import", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "auto, hf-page, arxiv-atom, hf-daily, jsonl or arxiv-snapshot", DefaultValueFactory = _ => ImportFormat.Auto };
        format.AcceptOnlyFromAmong(ImportFormat.All);
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "arxiv-snapshot: papers per transaction (and per checkpoint)", DefaultValueFactory = _ => SnapshotLoader.DefaultBatchSize,
        };
        var cmd = new Command("import", "Import papers from files; each file is imported whole or not at all, except an arxiv-snapshot, which loads in resumable batches")
            { files, format, batchSize };
        cmd.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(batchSize) is < 1 or > 1_000_000) { Console.Error.WriteLine("paperboy: --batch-size must be from 1 to 1,000,000"); return Usage; }
            await using var sp = Services(parse);
            await sp.GetRequiredService<PaperStore>().MigrateAsync(ct);
            var importer = sp.GetRequiredService<PaperImporter>();
            var total = ImportSummary.Empty;
            var rejected = 0;
            var paths = parse.GetValue(files)!;
            var fmt = parse.GetValue(format)!;
            // Snapshots are streamed in batches with their own progress bar; everything else is read whole.
            var snapshots = paths.Where(p => IsSnapshot(p, fmt)).ToList();
            var whole = paths.Except(snapshots).ToList();
            if (whole.Count > 0)
                await ProgressReport.RunAsync("Importing", whole.Count, async step =>
                {
                    foreach (var path in whole)
                    {
                        try
                        {
                            var s = await importer.ImportFileAsync(path, fmt, ct);
                            total = total.Plus(s);
                            step(Path.GetFileName(path), $"{s.Added} added, {s.Merged} merged, {s.Unchanged} unchanged");
                        }
                        catch (ImportException e)
                        {
                            rejected++;
                            Console.Error.WriteLine($"error: {e.Message}");
                            step(Path.GetFileName(path), "rejected");
                        }
                    }
                });
            foreach (var path in snapshots)
            {
                try
                {
                    var s = await LoadSnapshotAsync(sp.GetRequiredService<SnapshotLoader>(), sp.GetRequiredService<PaperStore>(), path, parse.GetValue(batchSize), ct);
                    total = total.Plus(s);
                }
                catch (ImportException e)
                {
                    rejected++;
                    Console.Error.WriteLine($"error: {e.Message}");
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine($"paperboy: interrupted; the batches committed so far are kept. Run the same import again to resume {path}.");
                    return Interrupted;
                }
            }
            Console.WriteLine($"{total.Added} added, {total.Merged} merged, {total.Unchanged} unchanged, {rejected} rejected ({paths.Length} files, {total.Read} entries)");
            return rejected > 0 ? BadInput : Ok;
        });
        return cmd;
    }

    private static bool IsSnapshot(string path, string format) =>
        format == ImportFormat.ArxivSnapshot || (format == ImportFormat.Auto && File.Exists(path) && ArxivSnapshotReader.IsSnapshotFile(path));

    private static async Task<ImportSummary> LoadSnapshotAsync(SnapshotLoader loader, PaperStore store, string path, int batchSize, CancellationToken ct)
    {
        var saved = File.Exists(path) ? await store.BulkCheckpointAsync(Path.GetFullPath(path), ct) : null;
        SnapshotLoad? load = null;
        await ProgressReport.RunBytesAsync($"Loading {Path.GetFileName(path)}", File.Exists(path) ? new FileInfo(path).Length : 0, saved?.Offset ?? 0, saved?.Records ?? 0, "papers",
            async advance => load = await loader.LoadAsync(path, batchSize, notice => Console.Error.WriteLine(notice), (bytes, n) => advance(bytes, n), ct));
        var s = load!.Summary;
        var resumed = load.ResumedAfterLine is { } line ? $", resumed after line {line:N0}" : "";
        Console.Error.WriteLine($"{path}: {s.Added} added, {s.Merged} merged, {s.Unchanged} unchanged ({load.Batches} batches{resumed})");
        return s;
    }

    private static Command SearchCommand()
    {
        var query = new Argument<string[]>("query") { Description = "What to search for", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON" };
        var limit = new Option<int>("--limit") { Description = "How many results", DefaultValueFactory = _ => 10 };
        var mode = new Option<string>("--mode") { Description = "hybrid, lexical or semantic", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong("hybrid", "lexical", "semantic");
        var cmd = new Command("search", "Search titles and abstracts") { query, json, limit, mode };
        cmd.SetAction(async (parse, ct) =>
        {
            var text = string.Join(' ', parse.GetValue(query)!);
            var n = parse.GetValue(limit);
            if (n is < 1 or > ApiEndpoints.MaxLimit) { Console.Error.WriteLine($"paperboy: --limit must be from 1 to {ApiEndpoints.MaxLimit}"); return Usage; }
            if (text.Length > Search.Lexical.SearchQuery.MaxLength) { Console.Error.WriteLine("paperboy: the query is too long"); return BadInput; }
            await using var sp = Services(parse);
            await sp.GetRequiredService<PaperStore>().MigrateAsync(ct);
            await sp.GetRequiredService<Indexer>().CatchUpAsync(ct);
            var results = await sp.GetRequiredService<PaperSearch>().SearchAsync(new SearchRequest(text, n, Mode: Enum.Parse<SearchMode>(parse.GetValue(mode)!, ignoreCase: true)), ct);
            if (parse.GetValue(json))
            {
                var body = new
                {
                    query = text, total = results.Total,
                    results = results.Hits.Select(h => new { id = h.Paper.Id, title = h.Paper.Title, @abstract = h.Paper.Abstract, authors = h.Paper.Authors, authorCount = h.Paper.EffectiveAuthorCount, publishedAt = h.Paper.PublishedAt, upvotes = h.Paper.TotalUpvotes, score = h.Score }),
                };
                Console.WriteLine(JsonSerializer.Serialize(body, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
            }
            else
            {
                if (results.Notice is not null) Console.WriteLine(results.Notice);
                Console.WriteLine($"{results.Total} results for '{text}'");
                var rank = 1;
                foreach (var h in results.Hits)
                    Console.WriteLine($"{rank++,3}. {h.Paper.Title}  [{h.Paper.Id}, {h.Paper.PublishedAt:yyyy-MM-dd}, {h.Paper.TotalUpvotes} upvotes]");
            }
            return Ok;
        });
        return cmd;
    }

    private static Command ExportCommand()
    {
        var output = new Option<string?>("--out") { Description = "File to write (default: standard output)" };
        var cmd = new Command("export", "Write every paper as JSON lines (the jsonl import format)") { output };
        cmd.SetAction(async (parse, ct) =>
        {
            await using var sp = Services(parse);
            var store = sp.GetRequiredService<PaperStore>();
            await store.MigrateAsync(ct);
            var path = parse.GetValue(output);
            await using var writer = path is null ? new StreamWriter(Console.OpenStandardOutput()) : new StreamWriter(path + ".tmp");
            await foreach (var p in store.AllAsync(ct)) { await writer.WriteAsync(JsonlFormat.Write(p)); await writer.WriteAsync('\n'); }
            await writer.FlushAsync(ct);
            if (path is not null) { writer.Close(); File.Move(path + ".tmp", path, overwrite: true); }
            return Ok;
        });
        return cmd;
    }

    private static Command AdminCommand()
    {
        var email = new Option<string>("--email") { Description = "The admin's email address", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name (default: the part of the email before @)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of asking" };
        var create = new Command("create", "Create an administrator (confirmed, no email needed), or make an existing member one") { email, name, passwordStdin };
        create.SetAction(async (parse, ct) =>
        {
            var address = parse.GetValue(email)!.Trim();
            if (!System.Net.Mail.MailAddress.TryCreate(address, out _)) { Console.Error.WriteLine($"paperboy: '{address}' is not an email address"); return BadInput; }
            await using var sp = Services(parse);
            await sp.GetRequiredService<PaperStore>().MigrateAsync(ct);
            using var scope = sp.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PaperboyUser>>();
            var roles = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.RoleManager<Microsoft.AspNetCore.Identity.IdentityRole>>();
            if (!await roles.RoleExistsAsync(Accounts.CommunitySetup.AdminRole))
                await roles.CreateAsync(new Microsoft.AspNetCore.Identity.IdentityRole(Accounts.CommunitySetup.AdminRole));
            var user = await users.FindByEmailAsync(address);
            if (user is null)
            {
                var password = parse.GetValue(passwordStdin) || Console.IsInputRedirected
                    ? Console.In.ReadLine() ?? ""
                    : Spectre.Console.TextPromptExtensions.Secret(new Spectre.Console.TextPrompt<string>("Password (at least 10 characters):")).Show(Spectre.Console.AnsiConsole.Console);
                user = new PaperboyUser
                {
                    UserName = address, Email = address, EmailConfirmed = true,
                    DisplayName = parse.GetValue(name) ?? address.Split('@')[0], CreatedAt = DateTime.UtcNow,
                };
                var created = await users.CreateAsync(user, password.Trim());
                if (!created.Succeeded)
                {
                    foreach (var e in created.Errors) Console.Error.WriteLine($"paperboy: {e.Description}");
                    return BadInput;
                }
            }
            if (!await users.IsInRoleAsync(user, Accounts.CommunitySetup.AdminRole)) await users.AddToRoleAsync(user, Accounts.CommunitySetup.AdminRole);
            Console.WriteLine($"{address} is an administrator.");
            return Ok;
        });
        return new Command("admin", "Administration") { create };
    }

    private static Command HarvestCommand()
    {
        var source = new Option<string>("--source") { Description = "oai, arxiv, hf or all (the enabled ones)", DefaultValueFactory = _ => HarvestRunner.All };
        source.AcceptOnlyFromAmong("oai", "arxiv", "hf", HarvestRunner.All);
        var from = new Option<string?>("--from") { Description = "First day (YYYY-MM-DD) instead of the source's watermark" };
        var until = new Option<string?>("--until") { Description = "Last day (YYYY-MM-DD); default today" };
        var cmd = new Command("harvest", "Fetch what is new from arXiv (OAI-PMH, API) and Hugging Face Daily Papers; resumes an interrupted run") { source, from, until };
        cmd.SetAction(async (parse, ct) =>
        {
            DateOnly? Day(Option<string?> o, out bool bad)
            {
                bad = false;
                var text = parse.GetValue(o);
                if (text is null) return null;
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)) return d;
                Console.Error.WriteLine($"paperboy: {o.Name} must be a day such as 2024-05-31, not '{text}'");
                bad = true;
                return null;
            }
            var first = Day(from, out var badFrom);
            var last = Day(until, out var badUntil);
            if (badFrom || badUntil) return Usage;
            if (first > last) { Console.Error.WriteLine("paperboy: --from is after --until"); return Usage; }

            await using var sp = Services(parse);
            await sp.GetRequiredService<PaperStore>().MigrateAsync(ct);
            var runner = sp.GetRequiredService<HarvestRunner>();
            // One plain line per committed page, on standard error like the other verbs' progress.
            IReadOnlyList<HarvestResult> results;
            try
            {
                var ran = await runner.RunExclusiveAsync(parse.GetValue(source)!, new HarvestRequest(first, last), new SynchronousProgress(Console.Error), ct);
                if (ran is null)
                {
                    Console.Error.WriteLine("paperboy: another harvest is running (here or on another node); try again when it is done");
                    return BadInput;
                }
                results = ran;
            }
            catch (OptionsValidationException e) { Console.Error.WriteLine($"paperboy: {e.Message}"); return BadInput; }
            foreach (var r in results)
            {
                Console.WriteLine($"{r.Source}: {r.Counts}");
                foreach (var w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
                foreach (var e in r.Errors) Console.Error.WriteLine($"error: {e}");
            }
            return results.All(r => r.Succeeded) ? Ok : BadInput;
        });
        return cmd;
    }

    /// <summary>Progress written as it happens (Progress&lt;T&gt; would post it to the thread pool, out of order with the summary).</summary>
    private sealed class SynchronousProgress(TextWriter writer) : IProgress<HarvestProgress>
    {
        public void Report(HarvestProgress p) => writer.WriteLine($"Harvesting {p.Slice}: {p.SoFar}");
    }

    private static Command ReindexCommand()
    {
        var cmd = new Command("reindex", "Enrich papers stored under older enrichment rules, then rebuild the search indexes from the store");
        cmd.SetAction(async (parse, ct) =>
        {
            await using var sp = Services(parse);
            var store = sp.GetRequiredService<PaperStore>();
            await store.MigrateAsync(ct);
            if (sp.GetRequiredService<IndexHolder>().Lexical.ReadOnly)
            {
                Console.Error.WriteLine("paperboy: the index is in use by a running server; stop it first (the server keeps its index current itself).");
                return BadInput;
            }
            // Enrichment first, so the rebuilt indexes carry the new code links (the hasCode filter) from the start.
            var backfill = sp.GetRequiredService<EnrichmentBackfill>();
            var pending = await backfill.PendingAsync(ct);
            if (pending > 0)
            {
                BackfillResult? enriched = null;
                await ProgressReport.RunAsync("Enriching", pending, async step =>
                {
                    var done = 0;
                    enriched = await backfill.RunAsync(new Progress<int>(n => { step(null, null, n - done); done = n; }), ct: ct);
                });
                Console.WriteLine($"Enriched again under version {Core.Papers.PaperEnrichment.Version}: {enriched!.Checked} checked, {enriched.Changed} changed.");
            }
            var total = await store.CountAsync(ct);
            var count = 0;
            await ProgressReport.RunAsync("Reindexing", total, async step =>
            {
                var last = 0;
                count = await sp.GetRequiredService<Indexer>().RebuildAsync(ct, new Progress<int>(n => { step(null, null, n - last); last = n; }));
            });
            Console.WriteLine($"Indexed {count} papers.");
            return Ok;
        });
        return cmd;
    }

    private static Command DigestCommand()
    {
        var periodHelp = "daily or weekly (preview: the subscription's own; send: both)";
        var dateHelp = "A day in the period (YYYY-MM-DD); default: the last whole period (yesterday, last week)";

        var email = new Option<string>("--email") { Description = "The subscriber's address", Required = true };
        var previewPeriod = new Option<string?>("--period") { Description = periodHelp };
        previewPeriod.AcceptOnlyFromAmong("daily", "weekly");
        var previewDate = new Option<string?>("--date") { Description = dateHelp };
        var preview = new Command("preview", "Print the text of the digest an address would get; nothing is sent or written") { email, previewPeriod, previewDate };
        preview.SetAction(async (parse, ct) =>
        {
            var address = parse.GetValue(email)!.Trim();
            if (!Pages.Subscribe.SubscribeModel.IsAddress(address)) { Console.Error.WriteLine($"paperboy: '{Shorten(address)}' is not a mail address"); return BadInput; }
            if (!TryDay(parse.GetValue(previewDate), out var day)) return Usage;
            await using var sp = Services(parse);
            await sp.GetRequiredService<PaperStore>().MigrateAsync(ct);
            var subscription = await sp.GetRequiredService<SubscriptionStore>().FindByEmailAsync(address, ct);
            if (subscription is null) { Console.Error.WriteLine($"paperboy: no subscription for {address}"); return BadInput; }
            if (!subscription.Active)
                Console.Error.WriteLine($"paperboy: note: {address} is {(subscription.UnsubscribedAt is not null ? "unsubscribed" : subscription.SuspendedAt is not null ? "suspended" : "not confirmed yet")}; nothing would be sent to it");
            var frequency = parse.GetValue(previewPeriod) is { } f ? Frequency(f) : subscription.Frequency;
            var period = PeriodFor(frequency, day, sp.GetRequiredService<TimeProvider>());
            var (digest, message) = await sp.GetRequiredService<DigestRun>().PreviewAsync(subscription, period, ct);
            if (digest.IsEmpty)
            {
                Console.Error.WriteLine($"paperboy: nothing for {address} in {period.Key}: no digest would be sent");
                return Ok;
            }
            Console.WriteLine($"Subject: {message.Subject}");
            Console.WriteLine($"To: {address}");
            Console.WriteLine();
            Console.Write(message.TextBody);
            return Ok;
        });

        var sendPeriod = new Option<string?>("--period") { Description = periodHelp };
        sendPeriod.AcceptOnlyFromAmong("daily", "weekly");
        var sendDate = new Option<string?>("--date") { Description = dateHelp };
        var send = new Command("send", "Compose the period's digests into the outbox and send everything due; safe to run again") { sendPeriod, sendDate };
        send.SetAction(async (parse, ct) =>
        {
            if (!TryDay(parse.GetValue(sendDate), out var day)) return Usage;
            await using var sp = Services(parse);
            await sp.GetRequiredService<PaperStore>().MigrateAsync(ct);
            var frequencies = parse.GetValue(sendPeriod) is { } f ? [Frequency(f)] : new[] { SubscriptionFrequency.Daily, SubscriptionFrequency.Weekly };
            var run = sp.GetRequiredService<DigestRun>();
            var clock = sp.GetRequiredService<TimeProvider>();
            var result = await run.RunAsync(frequencies.Select(fr => PeriodFor(fr, day, clock)).ToList(), ct);
            if (result is null)
            {
                var holder = await sp.GetRequiredService<JobLockStore>().HolderAsync(DigestRun.LockName, ct);
                Console.Error.WriteLine($"paperboy: another digest run holds the lock{(holder is null ? "" : $" ({holder.Owner}, until {holder.ExpiresAt:u})")}; try again later");
                return BadInput;
            }
            foreach (var c in result.Composed)
                Console.WriteLine($"{c.Period.Key}: {c.Added} composed, {c.Empty} empty, for {c.Subscribers} subscribers without one ({c.Took.TotalSeconds:0.0} s)");
            var d = result.Delivery;
            Console.WriteLine($"{d.Sent} sent, {d.Retrying} to retry, {d.Failed} failed, {d.Skipped} skipped{(d.Recovered > 0 ? $", {d.Recovered} interrupted earlier and sent again" : "")}{(d.Suspended > 0 ? $", {d.Suspended} subscriptions suspended" : "")} ({result.DeliveryTook.TotalSeconds:0.0} s)");
            return Ok;
        });
        return new Command("digest", "Daily and weekly digests by mail") { preview, send };
    }

    private static Command MigrateCommand()
    {
        var from = new Option<string>("--from") { Description = "The store to copy: sqlite:PATH (a data directory or its paperboy.db)", Required = true };
        var to = new Option<string>("--to") { Description = "An empty PostgreSQL database: postgres:CONNECTION-STRING (Npgsql)", Required = true };
        var force = new Option<bool>("--force") { Description = "Delete what the target database holds before copying" };
        var cmd = new Command("migrate", "Copy a SQLite store (papers, members, votes, comments, collections, subscriptions, outbox, change log, keys) into PostgreSQL and verify the copy")
            { from, to, force };
        cmd.SetAction(async (parse, ct) =>
        {
            var source = parse.GetValue(from)!;
            var target = parse.GetValue(to)!;
            if (!source.StartsWith("sqlite:", StringComparison.Ordinal) || source.Length == 7) { Console.Error.WriteLine("paperboy: --from must be sqlite:PATH"); return Usage; }
            if (!target.StartsWith("postgres:", StringComparison.Ordinal) || target.Length == 9) { Console.Error.WriteLine("paperboy: --to must be postgres:CONNECTION-STRING"); return Usage; }
            var path = Path.GetFullPath(source[7..]);
            var file = Directory.Exists(path) ? Path.Combine(path, "paperboy.db") : path;
            if (!File.Exists(file)) { Console.Error.WriteLine($"paperboy: no SQLite store at {file}"); return BadInput; }
            var sqlite = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = file, Pooling = true, DefaultTimeout = 30 }.ToString();
            string postgres;
            try { postgres = new Npgsql.NpgsqlConnectionStringBuilder(target[9..]).ToString(); }
            catch (ArgumentException e) { Console.Error.WriteLine($"paperboy: --to: {e.Message}"); return Usage; }

            await using var sources = new ServiceCollection().AddPaperboyDb(StoreProvider.Sqlite, _ => sqlite).BuildServiceProvider();
            await using var targets = new ServiceCollection().AddPaperboyDb(StoreProvider.Postgres, _ => postgres).BuildServiceProvider();
            var copy = new StoreCopy(sources.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PaperboyDb>>(),
                targets.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PostgresPaperboyDb>>());
            List<TableCopy> report;
            try { report = await copy.RunAsync(Path.Combine(Path.GetDirectoryName(file)!, "keys"), parse.GetValue(force), line => Console.Error.WriteLine(line), ct); }
            catch (StoreCopyException e) { Console.Error.WriteLine($"paperboy: {e.Message}"); return BadInput; }
            catch (Npgsql.NpgsqlException e) { Console.Error.WriteLine($"paperboy: PostgreSQL: {e.Message}"); return BadInput; }

            Console.WriteLine($"{"table",-22} {"source",10} {"target",10}  {"checksum",-16}  ");
            foreach (var t in report)
                Console.WriteLine($"{t.Table,-22} {t.SourceRows,10:N0} {t.TargetRows,10:N0}  {t.SourceChecksum,-16}  {(t.Matches ? "ok" : $"MISMATCH (target {t.TargetChecksum})")}");
            var bad = report.Where(t => !t.Matches).Select(t => t.Table).ToList();
            if (bad.Count > 0)
            {
                Console.Error.WriteLine($"paperboy: the copy does not match the source in {string.Join(", ", bad)}; do not switch to the PostgreSQL store (run again with --force)");
                return BadInput;
            }
            Console.WriteLine($"Copied and verified {report.Count} tables, {report.Sum(t => t.SourceRows):N0} rows.");
            return Ok;
        });
        return cmd;
    }

    private static SubscriptionFrequency Frequency(string f) => f == "weekly" ? SubscriptionFrequency.Weekly : SubscriptionFrequency.Daily;

    private static DigestPeriod PeriodFor(SubscriptionFrequency frequency, DateOnly? day, TimeProvider clock) =>
        day is { } d ? DigestPeriod.Containing(frequency, d) : DigestPeriod.Before(frequency, clock.GetUtcNow());

    private static bool TryDay(string? text, out DateOnly? day)
    {
        day = null;
        if (text is null) return true;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)) { day = d; return true; }
        Console.Error.WriteLine($"paperboy: --date '{Shorten(text)}' is not a date (YYYY-MM-DD)");
        return false;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
