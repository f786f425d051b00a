namespace Paperboy.Accounts;

/// <summary>The mails accounts need: confirming an address and resetting a password. Links carry Identity's signed, expiring tokens.</summary>
public interface IAccountMail
{
    Task SendConfirmationAsync(string email, string displayName, string link, CancellationToken ct);
    Task SendPasswordResetAsync(string email, string displayName, string link, CancellationToken ct);
}

/// <summary>The links account mails carry: an absolute URL to one of our pages with the user id and Identity's token.</summary>
public static class AccountLinks
{
    public static string For(HttpRequest request, string path, string userId, string token) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{path}?userId={Uri.EscapeDataString(userId)}&code=" +
        Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(token));
}
