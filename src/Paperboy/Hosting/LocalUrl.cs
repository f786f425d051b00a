namespace Paperboy.Hosting;

/// <summary>
/// Where a form may send the browser back to: a path on this site, by the same rule as ASP.NET Core's
/// <c>IsLocalUrl</c> (<c>/x</c> or <c>~/x</c>, never <c>//host</c> or <c>/\host</c>), so no return URL is an open redirect.
/// </summary>
public static class LocalUrl
{
    public static bool Is(string? url) => url switch
    {
        null or "" => false,
        { Length: > 2000 } => false,
        // Browsers drop tabs and line breaks from an address, so "/\t/evil.example" would be "//evil.example".
        _ when url.Any(char.IsControl) => false,
        ['/'] => true,
        ['/', var c, ..] => c != '/' && c != '\\',
        ['~', '/'] => true,
        ['~', '/', var c, ..] => c != '/' && c != '\\',
        _ => false,
    };

    /// <summary><paramref name="url"/> when it is local, else <paramref name="fallback"/>.</summary>
    public static string Or(string? url, string fallback) => Is(url) ? url! : fallback;
}
