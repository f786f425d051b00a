using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Paperboy.Subscriptions;

/// <summary>
/// Signed, expiring tokens for the links in subscription mails (ASP.NET Core Data Protection, time-limited):
/// the payload is the purpose and the subscription id, so a token for one purpose opens nothing else.
/// </summary>
public sealed class SubscriptionTokens(IDataProtectionProvider provider, TimeProvider clock)
{
    public const string Confirm = "confirm";
    public const string Unsubscribe = "unsubscribe";
    public const string Preferences = "preferences";

    public static readonly TimeSpan ConfirmLifetime = TimeSpan.FromDays(3);
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromDays(365);

    /// <summary>Longest token accepted before any cryptography is tried.</summary>
    public const int MaxLength = 1000;

    private readonly ITimeLimitedDataProtector _protector =
        provider.CreateProtector("Paperboy.Subscription.v1").ToTimeLimitedDataProtector();

    /// <summary>A token for <paramref name="purpose"/> on subscription <paramref name="id"/>, valid for that purpose's lifetime.</summary>
    public string Create(long id, string purpose) =>
        Create(id, purpose, clock.GetUtcNow() + (purpose == Confirm ? ConfirmLifetime : LinkLifetime));

    /// <summary>A token that expires at <paramref name="expires"/> (tests make already-expired ones).</summary>
    public string Create(long id, string purpose, DateTimeOffset expires)
    {
        if (purpose is not (Confirm or Unsubscribe or Preferences)) throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "unknown purpose");
        return _protector.Protect($"{purpose}:{id.ToString(CultureInfo.InvariantCulture)}", expires);
    }

    /// <summary>The subscription id, or null when the token is missing, tampered with, expired or for another purpose.</summary>
    public long? Read(string? token, string purpose)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxLength) return null;
        string payload;
        try { payload = _protector.Unprotect(token, out _); }
        catch (CryptographicException) { return null; }
        catch (FormatException) { return null; }
        var colon = payload.IndexOf(':');
        if (colon < 0 || payload[..colon] != purpose) return null;
        return long.TryParse(payload.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}
