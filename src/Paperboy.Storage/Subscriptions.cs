using Microsoft.EntityFrameworkCore;

namespace Paperboy.Storage;

public enum SubscriptionFrequency { Daily, Weekly }

/// <summary>
/// A mailing-list subscription with double opt-in: nothing is sent but the confirmation mail until
/// <see cref="ConfirmedAt"/> is set from the mailed link; <see cref="UnsubscribedAt"/> ends it. <see cref="SuspendedAt"/>
/// pauses it after repeated permanent delivery failures, until the address is confirmed again.
/// </summary>
public sealed class Subscription
{
    public const int MaxEmail = 254;
    public const int MaxSavedQuery = 200;

    public long Id { get; set; }
    /// <summary>Trimmed and lower-cased (<see cref="SubscriptionStore.Normalise"/>); unique.</summary>
    public string Email { get; set; } = "";
    public SubscriptionFrequency Frequency { get; set; } = SubscriptionFrequency.Daily;
    public bool IncludeTrending { get; set; } = true;
    /// <summary>A search to alert on: digests list the period's new papers that match it; null for none.</summary>
    public string? SavedQuery { get; set; }
    /// <summary>The member who subscribed, when signed in.</summary>
    public string? UserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
    public DateTime? UnsubscribedAt { get; set; }
    /// <summary>Set when <see cref="PermanentFailures"/> reached the configured limit; confirming again clears it.</summary>
    public DateTime? SuspendedAt { get; set; }
    /// <summary>Permanent delivery failures (5xx) in a row; a delivered digest resets it.</summary>
    public int PermanentFailures { get; set; }

    /// <summary>Confirmed, not unsubscribed and not suspended: digests may be sent.</summary>
    public bool Active => ConfirmedAt is not null && UnsubscribedAt is null && SuspendedAt is null;

    /// <summary>Why a saved query cannot be kept, or null when it can (null or blank means none).</summary>
    public static string? InvalidSavedQuery(string? query)
    {
        if (string.IsNullOrWhiteSpace(query)) return null;
        var q = query.Trim();
        if (q.Length > MaxSavedQuery) return $"The saved search can be at most {MaxSavedQuery} characters.";
        if (q.Any(char.IsControl)) return "The saved search cannot contain control characters.";
        return null;
    }

    /// <summary>A saved query as stored: trimmed, null when blank.</summary>
    public static string? NormaliseSavedQuery(string? query) => string.IsNullOrWhiteSpace(query) ? null : query.Trim();
}

/// <summary>What <see cref="SubscriptionStore.RequestAsync"/> did; the caller answers the visitor the same way in every case.</summary>
public enum SubscribeOutcome
{
    /// <summary>A new (or previously unsubscribed, or still unconfirmed) address: a confirmation mail is due.</summary>
    ConfirmationDue,
    /// <summary>Already confirmed and active: nothing changed, nothing is to be sent.</summary>
    AlreadyActive,
}

/// <summary>Subscriptions: created unconfirmed, confirmed and unsubscribed only through signed links.</summary>
public sealed class SubscriptionStore(IDbContextFactory<PaperboyDb> factory, TimeProvider clock)
{
    public static string Normalise(string email) => email.Trim().ToLowerInvariant();

    /// <summary>
    /// Records a request to subscribe. An active subscription is left exactly as it is (a stranger must not change
    /// someone else's preferences); an unconfirmed or ended one takes the new preferences and waits for confirmation again.
    /// </summary>
    public Task<(Subscription Subscription, SubscribeOutcome Outcome)> RequestAsync(
        string email, SubscriptionFrequency frequency, bool includeTrending, string? userId, CancellationToken ct = default) =>
        RequestAsync(email, frequency, includeTrending, savedQuery: null, userId, ct);

    /// <inheritdoc cref="RequestAsync(string, SubscriptionFrequency, bool, string?, CancellationToken)"/>
    public async Task<(Subscription Subscription, SubscribeOutcome Outcome)> RequestAsync(
        string email, SubscriptionFrequency frequency, bool includeTrending, string? savedQuery, string? userId, CancellationToken ct = default)
    {
        if (Subscription.InvalidSavedQuery(savedQuery) is { } problem) throw new ArgumentException(problem, nameof(savedQuery));
        var normalised = Normalise(email);
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var existing = await db.Subscriptions.FirstOrDefaultAsync(s => s.Email == normalised, ct);
            if (existing is { Active: true }) return (existing, SubscribeOutcome.AlreadyActive);
            var now = clock.GetUtcNow().UtcDateTime;
            if (existing is null)
            {
                existing = new Subscription { Email = normalised, CreatedAt = now };
                db.Subscriptions.Add(existing);
            }
            existing.Frequency = frequency;
            existing.IncludeTrending = includeTrending;
            existing.SavedQuery = Subscription.NormaliseSavedQuery(savedQuery);
            existing.UserId ??= userId;
            existing.ConfirmedAt = null;
            existing.UnsubscribedAt = null;
            try
            {
                await db.SaveChangesAsync(ct);
                return (existing, SubscribeOutcome.ConfirmationDue);
            }
            catch (DbUpdateException e) when (attempt == 0 && StorageSetup.IsUniqueViolation(e))
            {
                // The same address was inserted at the same moment: read it again.
            }
        }
    }

    public async Task<Subscription?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
    }

    public async Task<Subscription?> FindByEmailAsync(string email, CancellationToken ct = default)
    {
        var normalised = Normalise(email);
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Email == normalised, ct);
    }

    /// <summary>
    /// Confirms a pending subscription, or lifts a suspension (the owner of the address showed it works); false when it
    /// does not exist or was ended. Confirming twice is fine.
    /// </summary>
    public async Task<bool> ConfirmAsync(long id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var s = await db.Subscriptions.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (s is null || s.UnsubscribedAt is not null) return false;
        s.ConfirmedAt ??= clock.GetUtcNow().UtcDateTime;
        s.SuspendedAt = null;
        s.PermanentFailures = 0;
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Ends a subscription; false when it does not exist. Unsubscribing twice is fine.</summary>
    public async Task<bool> UnsubscribeAsync(long id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var s = await db.Subscriptions.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (s is null) return false;
        s.UnsubscribedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Changes how often and what is sent (a blank saved query removes it); false when the subscription does not exist or was ended.</summary>
    public async Task<bool> UpdatePreferencesAsync(long id, SubscriptionFrequency frequency, bool includeTrending, string? savedQuery, CancellationToken ct = default)
    {
        if (Subscription.InvalidSavedQuery(savedQuery) is { } problem) throw new ArgumentException(problem, nameof(savedQuery));
        await using var db = await factory.CreateDbContextAsync(ct);
        var s = await db.Subscriptions.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (s is null || s.UnsubscribedAt is not null) return false;
        s.Frequency = frequency;
        s.IncludeTrending = includeTrending;
        s.SavedQuery = Subscription.NormaliseSavedQuery(savedQuery);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// The active subscriptions of one frequency that have no digest for <paramref name="periodKey"/> in the outbox yet:
    /// the ones a composition run still has to do.
    /// </summary>
    public async Task<List<Subscription>> AwaitingDigestAsync(SubscriptionFrequency frequency, string periodKey, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Subscriptions.AsNoTracking()
            .Where(s => s.Frequency == frequency && s.ConfirmedAt != null && s.UnsubscribedAt == null && s.SuspendedAt == null)
            .Where(s => !db.DigestOutbox.Any(d => d.SubscriptionId == s.Id && d.PeriodKey == periodKey))
            .OrderBy(s => s.Id).ToListAsync(ct);
    }
}
