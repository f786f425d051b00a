using Cronos;

namespace Paperboy.Digests;

/// <summary>The daily and weekly digests (configuration section <c>Digests</c>, e.g. <c>PAPERBOY_Digests__Daily="0 7 * * *"</c>).</summary>
public sealed class DigestOptions
{
    public const string Section = "Digests";

    /// <summary>Whether <c>serve</c> composes and sends digests on the schedule below (the CLI's <c>digest send</c> works either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When the daily digest (of the previous UTC day) goes out: a cron expression in UTC.</summary>
    public string Daily { get; set; } = "0 6 * * *";

    /// <summary>When the weekly digest (of the previous ISO week, Monday to Sunday) goes out: a cron expression in UTC.</summary>
    public string Weekly { get; set; } = "0 6 * * MON";

    public int TrendingCount { get; set; } = 10;
    public int AlertCount { get; set; } = 10;
    public int RecommendationCount { get; set; } = 10;

    /// <summary>How often the host looks for digests whose retry is due.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Back-off after a transient failure: <see cref="BackoffBase"/> × 2^(attempt − 1), at most <see cref="BackoffMax"/>, ±20 % jitter.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Attempts (transient failures included) before a digest is given up.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Permanent failures (5xx) in a row after which a subscription is suspended.</summary>
    public int SuspendAfter { get; set; } = 3;

    /// <summary>How long the digest job lock holds without renewal (renewed every third of it while a run lasts).</summary>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many digests are handed to the mail server at once.</summary>
    public int SendConcurrency { get; set; } = 4;

    internal CronExpression DailyCron => CronExpression.Parse(Daily);
    internal CronExpression WeeklyCron => CronExpression.Parse(Weekly);

    /// <summary>What is wrong with the settings, or null.</summary>
    public string? Problem()
    {
        foreach (var (name, value) in new[] { (nameof(Daily), Daily), (nameof(Weekly), Weekly) })
        {
            try { CronExpression.Parse(value); }
            catch (CronFormatException e) { return $"Digests:{name} '{value}' is not a cron expression ({e.Message})"; }
        }
        if (TrendingCount is < 0 or > 100 || AlertCount is < 0 or > 100 || RecommendationCount is < 0 or > 100) return "Digests: counts must be from 0 to 100";
        if (RetryInterval <= TimeSpan.Zero || BackoffBase <= TimeSpan.Zero || BackoffMax < BackoffBase) return "Digests: RetryInterval and BackoffBase must be positive, BackoffMax at least BackoffBase";
        if (MaxAttempts < 1 || SuspendAfter < 1) return "Digests: MaxAttempts and SuspendAfter must be at least 1";
        if (LockLease < TimeSpan.FromSeconds(1)) return "Digests:LockLease must be at least one second";
        if (SendConcurrency is < 1 or > 64) return "Digests:SendConcurrency must be from 1 to 64";
        return null;
    }
}
