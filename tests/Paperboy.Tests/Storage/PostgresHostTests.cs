using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Storage;

/// <summary>
/// The whole application on PostgreSQL (<c>Storage:Provider=postgres</c>): migrations and the demo corpus on first start,
/// search and pages, and the data-protection key ring shared through the database by two app instances.
/// </summary>
public sealed class PostgresHostTests
{
    [Fact]
    public async Task On_PostgreSQL_the_first_start_migrates_imports_the_demo_corpus_and_serves_search_and_a_paper_page()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        try
        {
            await using (var host = await TestHost.StartOnPostgresAsync(database))
            {
                var health = JsonDocument.Parse(await host.Client.GetStringAsync("/healthz")).RootElement;
                Assert.Equal(257, health.GetProperty("papers").GetInt32());
                Assert.False(File.Exists(Path.Combine(host.DataDir, "paperboy.db")));

                var search = JsonDocument.Parse(await host.Client.GetStringAsync("/api/search?q=graph%20anomaly%20detection&limit=5")).RootElement;
                var top = search.GetProperty("results")[0];
                Assert.Equal("Rayleigh Quotient Graph Neural Networks for Graph-level Anomaly Detection", top.GetProperty("title").GetString());

                var page = await host.Client.GetAsync($"/papers/{top.GetProperty("id").GetString()}");
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                Assert.Contains("Rayleigh Quotient Graph Neural Networks", await page.Content.ReadAsStringAsync());
            }

            // A second start on the same database: migrations are already applied and the corpus is not imported again.
            await using var again = await TestHost.StartOnPostgresAsync(database);
            Assert.Equal(257, await again.Get<PaperStore>().CountAsync());
            Assert.Equal(257, (await again.Get<PaperStore>().ChangesSinceAsync(0, 10_000)).Select(c => c.PaperId).Distinct().Count());
        }
        finally { await server.DropDatabaseAsync(database); }
    }

    [Fact]
    public async Task An_antiforgery_token_and_a_sign_in_cookie_made_by_one_instance_are_accepted_by_another_on_the_same_database()
    {
        var server = await PostgresServer.SharedAsync();
        var shared = await server.CreateDatabaseAsync();
        var elsewhere = await server.CreateDatabaseAsync();
        try
        {
            await using var a = await TestHost.StartOnPostgresAsync(shared, seedDemo: false);
            await using var b = await TestHost.StartOnPostgresAsync(shared, seedDemo: false);
            await using var other = await TestHost.StartOnPostgresAsync(elsewhere, seedDemo: false);
            await Members.CreateAsync(a, "ada@example.org");

            // The sign-in form and its antiforgery cookie come from A; the form is posted to B.
            var form = await a.Client.GetAsync("/account/signin");
            var antiforgeryCookie = Cookies(form);
            var token = Members.AntiforgeryToken(await form.Content.ReadAsStringAsync());
            var signIn = await PostSignInAsync(b, antiforgeryCookie, token);
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);   // 400 if B could not read A's antiforgery token
            var auth = Cookies(signIn);
            Assert.Contains("paperboy.auth=", auth);

            // The sign-in cookie made by B works on A, and not on an instance with another database (another key ring).
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(a, "/api/me/recommendations", auth)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(b, "/api/me/recommendations", auth)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(other, "/api/me/recommendations", auth)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await PostSignInAsync(other, antiforgeryCookie, token)).StatusCode);

            // The key ring is in the database, not in either data directory.
            await using var db = await a.Get<IDbContextFactory<PostgresPaperboyDb>>().CreateDbContextAsync();
            Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
            Assert.False(Directory.Exists(Path.Combine(a.DataDir, "keys")) && Directory.EnumerateFiles(Path.Combine(a.DataDir, "keys")).Any());
        }
        finally
        {
            await server.DropDatabaseAsync(shared);
            await server.DropDatabaseAsync(elsewhere);
        }
    }

    private static Task<HttpResponseMessage> PostSignInAsync(TestHost host, string cookies, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/account/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Form.Email"] = "ada@example.org", ["Form.Password"] = Members.Password, ["__RequestVerificationToken"] = token,
            }),
        };
        request.Headers.Add("Cookie", cookies);
        return host.App.GetTestServer().CreateClient().SendAsync(request);
    }

    private static Task<HttpResponseMessage> GetAsync(TestHost host, string url, string cookies)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookies);
        return host.App.GetTestServer().CreateClient().SendAsync(request);
    }

    /// <summary>The cookies a response sets, as a Cookie request header.</summary>
    private static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);
}
