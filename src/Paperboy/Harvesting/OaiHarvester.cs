using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Paperboy.Core.Import;
using Paperboy.Storage;

namespace Paperboy.Harvesting;

/// <summary>
/// arXiv's OAI-PMH interface (<c>ListRecords</c>), one run per configured set (<c>cs</c>, <c>math</c>, …): records
/// whose datestamp falls from the watermark (inclusive: the boundary day is fetched again, harmlessly) to today, page
/// by page along the <c>resumptionToken</c> chain. Each page is committed with the next token, so a run killed
/// half-way resumes at the page after the last committed one (on the next run "since last time", or for the same
/// days). An expired token (<c>badResumptionToken</c>) starts the run again from its first day; <c>noRecordsMatch</c>
/// is an empty run; deleted records remove the paper.
/// A 503 with Retry-After (arXiv builds pages lazily) is waited out and retried by <see cref="PoliteHttpHandler"/>.
/// </summary>
public sealed class OaiHarvester(HarvestHttp http, PaperStore store, IOptions<HarvestOptions> options, TimeProvider clock, ILogger<OaiHarvester> log)
    : IHarvester
{
    public string Name => "oai";
    public bool Enabled => options.Value.Oai.Enabled;

    public async Task<HarvestResult> RunAsync(HarvestRequest request, IProgress<HarvestProgress>? progress, CancellationToken ct)
    {
        var total = new HarvestCounts();
        var errors = new List<string>();
        foreach (var set in options.Value.Oai.Sets.Distinct())
        {
            var run = await HarvestRun.OpenAsync(store, clock, $"oai:{set}", ct);
            try
            {
                await HarvestSetAsync(set, run, request, progress, ct);
            }
            catch (HarvestException e)
            {
                await run.FailAsync(e, CancellationToken.None);
                errors.Add($"{run.Slice}: {e.Message}");
            }
            total = total.Plus(run.Counts);
        }
        return new HarvestResult(Name, total, errors);
    }

    private async Task HarvestSetAsync(string set, HarvestRun run, HarvestRequest request, IProgress<HarvestProgress>? progress, CancellationToken ct)
    {
        var o = options.Value;
        string? token;
        if (run.Continues(request))
        {
            token = run.Cursor;
            await run.ResumeAsync(ct);
            log.LogInformation("{Slice}: resuming at resumption token {Token}", run.Slice, token);
        }
        else
        {
            token = null;
            await run.StartAsync(request.From ?? run.Watermark ?? run.Today.AddDays(-o.FirstRunDays), request.Until, ct);
        }
        var restarted = false;
        while (true)
        {
            var url = token is null
                ? $"{o.Oai.BaseUrl}?verb=ListRecords&metadataPrefix={Uri.EscapeDataString(o.Oai.MetadataPrefix)}&set={Uri.EscapeDataString(set)}&from={run.RunFrom:yyyy-MM-dd}"
                  + (run.RunUntil is { } u ? $"&until={u:yyyy-MM-dd}" : "")
                : $"{o.Oai.BaseUrl}?verb=ListRecords&resumptionToken={Uri.EscapeDataString(token)}";
            // OAI-PMH errors come as XML, usually with 200, sometimes with a 4xx status.
            var page = await http.ReadAsync(url, "arXiv OAI-PMH", ArxivOaiReader.Read, ct, acceptClientErrors: true);
            // What the run reaches: its last day, or today when it is open-ended.
            var reached = run.RunUntil ?? run.Today;
            switch (page.ErrorCode)
            {
                case null:
                    break;
                case "noRecordsMatch":
                    await run.FinishAsync(reached, ct);
                    progress?.Report(new HarvestProgress(run.Slice, run.Counts));
                    return;
                case "badResumptionToken" when token is not null && !restarted:
                    log.LogWarning("{Slice}: resumption token {Token} was refused ({Message}); starting the run again from {From}",
                        run.Slice, token, page.ErrorMessage, run.RunFrom);
                    token = null;
                    restarted = true;
                    continue;
                default:
                    throw new HarvestException($"arXiv OAI-PMH error {page.ErrorCode}: {page.ErrorMessage}");
            }

            var papers = page.Records.Where(r => !r.Deleted).Select(r => r.Paper!).ToList();
            var deleted = page.Records.Where(r => r.Deleted).Select(r => r.ArxivId).ToList();
            var last = page.ResumptionToken is null;
            await run.CommitPageAsync(papers, deleted, page.ResumptionToken, null, finished: last, watermark: reached, ct);
            progress?.Report(new HarvestProgress(run.Slice, run.Counts));
            if (last) return;
            token = page.ResumptionToken;
        }
    }
}
