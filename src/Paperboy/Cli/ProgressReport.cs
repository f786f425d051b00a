using Spectre.Console;

namespace Paperboy.Cli;

/// <summary>Progress for long CLI work: a bar on a terminal, plain lines when output is redirected.</summary>
public static class ProgressReport
{
    /// <summary>Step callback: (item name or null, what happened or null, how many units were done).</summary>
    public delegate void Step(string? item, string? outcome, int units = 1);

    public static async Task RunAsync(string title, int total, Func<Step, Task> work)
    {
        if (Console.IsErrorRedirected || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
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
}
