namespace Paperboy.Accounts;

/// <summary>The mails accounts need: confirming an address and resetting a password. Links carry Identity's signed, expiring tokens.</summary>
public interface IAccountMail
{
    Task SendConfirmationAsync(string email, string displayName, string link, CancellationToken ct);
    Task SendPasswordResetAsync(string email, string displayName, string link, CancellationToken ct);
}
