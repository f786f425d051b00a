using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Paperboy.Accounts;
using Paperboy.Storage;

namespace Paperboy.Tests.Support;

/// <summary>Members for tests: created through Identity itself, signed in through the real sign-in form.</summary>
public static partial class Members
{
    public const string Password = "correct horse battery";

    public static async Task<PaperboyUser> CreateAsync(TestHost host, string email, bool confirmed = true, bool admin = false, string? name = null)
    {
        using var scope = host.App.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PaperboyUser>>();
        var user = new PaperboyUser { UserName = email, Email = email, EmailConfirmed = confirmed, DisplayName = name ?? email.Split('@')[0], CreatedAt = DateTime.UtcNow };
        var result = await users.CreateAsync(user, Password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        if (admin)
        {
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            if (!await roles.RoleExistsAsync(CommunitySetup.AdminRole)) await roles.CreateAsync(new IdentityRole(CommunitySetup.AdminRole));
            await users.AddToRoleAsync(user, CommunitySetup.AdminRole);
        }
        return user;
    }

    /// <summary>A client that authenticates with a fresh API token of this member.</summary>
    public static async Task<HttpClient> TokenClientAsync(TestHost host, PaperboyUser user)
    {
        var (_, secret) = await host.Get<ApiTokenStore>().CreateAsync(user.Id, "test");
        var client = host.App.GetTestServer().CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A client with a cookie jar, not signed in.</summary>
    public static HttpClient BrowserClient(TestHost host)
    {
        var client = new HttpClient(new CookieContainerHandler { InnerHandler = host.App.GetTestServer().CreateHandler() }, disposeHandler: true)
        {
            BaseAddress = new Uri("http://localhost"),
        };
        return client;
    }

    /// <summary>Signs in through /account/signin (antiforgery token and all) and returns the cookie-carrying client.</summary>
    public static async Task<HttpClient> SignedInClientAsync(TestHost host, string email, string password = Password)
    {
        var client = BrowserClient(host);
        var response = await PostFormAsync(client, "/account/signin", new() { ["Form.Email"] = email, ["Form.Password"] = password });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in failed: {response.StatusCode}");
        return client;
    }

    /// <summary>Signs in through the real form and returns the sign-in cookie as a Cookie header (to present to another host).</summary>
    public static async Task<string> SignInCookieAsync(TestHost host, string email, string password = Password)
    {
        var client = host.App.GetTestServer().CreateClient();
        var form = await client.GetAsync("/account/signin");
        var request = new HttpRequestMessage(HttpMethod.Post, "/account/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Form.Email"] = email, ["Form.Password"] = password, ["__RequestVerificationToken"] = AntiforgeryToken(await form.Content.ReadAsStringAsync()),
            }),
        };
        request.Headers.Add("Cookie", CookieHeader(form));
        var signIn = await client.SendAsync(request);
        Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"sign-in failed: {signIn.StatusCode}");
        return CookieHeader(signIn);
    }

    /// <summary>A GET that presents <paramref name="cookies"/> (a Cookie header).</summary>
    public static Task<HttpResponseMessage> GetWithCookieAsync(TestHost host, string url, string cookies)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookies);
        return host.App.GetTestServer().CreateClient().SendAsync(request);
    }

    /// <summary>The cookies a response sets, as a Cookie request header.</summary>
    public static string CookieHeader(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);

    /// <summary>GETs a page, takes its antiforgery token, and POSTs the form with it (as a browser would).</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string url, Dictionary<string, string> fields, string? formPage = null)
    {
        var page = await client.GetStringAsync(formPage ?? url);
        fields["__RequestVerificationToken"] = AntiforgeryToken(page);
        return await client.PostAsync(url, new FormUrlEncodedContent(fields));
    }

    public static string AntiforgeryToken(string html)
    {
        var m = TokenPattern().Match(html);
        Assert.True(m.Success, "the page has no antiforgery token");
        return WebUtility.HtmlDecode(m.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
