using Spectre.Console;

namespace Paperboy.Cli;

/// <summary>Progress for long CLI work: a bar on a terminal, plain lines when output is redirected.</summary>
public static class ProgressReport
{
    /// <summary>Step callback: (item name or null, what happened or null, how many units were done).</summary>
    public delegate void Step(string? item, string? outcome, int units = 1);

    /// <summary>Metered step: how far into the input (bytes) and how many items are done in all.</summary>
    public delegate void Advance(long bytes, long items);

    private static bool Plain => Console.IsErrorRedirected || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive;

    public static async Task RunAsync(string title, int total, Func<Step, Task> work)
    {
        if (Plain)
        {
            var done = 0;
            await work((item, outcome, units) =>
            {
                done += units;
                if (item is not null) Console.Error.WriteLine($"{title}: {item}: {outcome} ({done}/{total})");
                else if (total > 0 && (done == total || done % 10_000 == 0)) Console.Error.WriteLine($"{title}: {done}/{total}");
            });
            return;
        }
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(title, maxValue: Math.Max(1, total));
                await work((item, outcome, units) =>
                {
                    task.Increment(units);
                    if (item is not null) task.Description = $"{title}: {Markup.Escape(item)}";
                });
                task.Value = task.MaxValue;
            });
    }

    /// <summary>
    /// Progress through one large input (a bulk load): the bar and the ETA follow the bytes read, the rate counts items
    /// per second. Starts at <paramref name="startBytes"/> and <paramref name="startItems"/> when the work resumes part-way.
    /// </summary>
    public static async Task RunBytesAsync(string title, long totalBytes, long startBytes, long startItems, string items, Func<Advance, Task> work)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string Status(long bytes, long done)
        {
            var seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            var rate = (done - startItems) / seconds;
            var bytesRate = (bytes - startBytes) / seconds;
            var eta = bytesRate > 0 ? TimeSpan.FromSeconds((totalBytes - bytes) / bytesRate) : (TimeSpan?)null;
            return $"{done:N0} {items}, {100.0 * bytes / Math.Max(1, totalBytes):0.0}%, {rate:N0} {items}/s, ETA {(eta is { } e ? e.ToString(@"h\:mm\:ss") : "?")}";
        }
        if (Plain)
        {
            await work((bytes, done) => Console.Error.WriteLine($"{title}: {Status(bytes, done)}"));
            return;
        }
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(title, maxValue: Math.Max(1, totalBytes));
                task.Value = startBytes;
                await work((bytes, done) =>
                {
                    task.Value = bytes;
                    task.Description = $"{title}: {Markup.Escape(Status(bytes, done))}";
                });
                task.Value = task.MaxValue;
            });
    }
}
