using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Paperboy.Core.Import;
using Paperboy.Core.Papers;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Hostile;

/// <summary>
/// The OWASP checks on the real application: markup in every field a member or a source controls comes out encoded on
/// every page and feed; every form POST without an antiforgery token is refused; no return URL leads off-site; and no
/// member can act on, or read in private, what another member owns.
/// </summary>
public sealed class OwaspTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private TestHost Host => shared.Host;
    private const string Payload = "\"'><script>alert(7)</script><img src=x onerror=alert(8)>";

    private static void AssertInert(string url, string body)
    {
        Assert.False(body.Contains("<script>alert(7)", StringComparison.OrdinalIgnoreCase), $"{url} renders the script payload as markup");
        Assert.False(body.Contains("<img src=x onerror", StringComparison.OrdinalIgnoreCase), $"{url} renders the img payload as markup");
        Assert.False(body.Contains("'><", StringComparison.Ordinal) && body.Contains("\"'><script", StringComparison.Ordinal), $"{url} lets the payload break out of an attribute");
    }

    [Fact]
    public async Task Markup_in_every_member_and_source_field_is_encoded_on_every_page_and_feed()
    {
        // A source-controlled paper: title, abstract, authors, categories all carry the payload.
        var paper = new Paper { Title = "Xenotropic " + Payload, Abstract = "Quixotic abstract " + Payload, Authors = ["Mallory " + Payload], Categories = ["cs." + Payload], PublishedAt = new DateOnly(2023, 10, 4), Upvotes = 5 };
        await Host.Get<PaperImporter>().ImportAsync(ImportSource.FromText("x.jsonl", JsonlFormat.Write(paper)), ImportFormat.Jsonl);
        await Host.Get<Indexer>().CatchUpAsync();
        var found = await Host.Client.GetFromJsonAsync<JsonElement>("/api/search?q=xenotropic&mode=lexical");
        var id = Uri.EscapeDataString(found.GetProperty("results")[0].GetProperty("id").GetString()!);

        // Member-controlled: display name, comment Markdown, a public collection's name and description.
        var member = await Members.CreateAsync(Host, $"xss{Guid.NewGuid():N}@example.org", name: "Eve " + Payload);
        var api = await Members.TokenClientAsync(Host, member);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/papers/{id}/comments", new { markdown = "Comment " + Payload + "\n\n[link](javascript:alert(9)) <a href=\"javascript:alert(9)\">x</a>" })).StatusCode);
        var collection = await api.PostAsJsonAsync("/api/collections", new { name = "Coll " + Payload[..40], description = "Desc " + Payload, isPublic = true });
        Assert.Equal(HttpStatusCode.Created, collection.StatusCode);
        var collectionId = (await collection.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await api.PutAsync($"/api/collections/{collectionId}/papers/{id}", null)).StatusCode);

        using var browser = await Members.SignedInClientAsync(Host, member.Email!);
        var q = Uri.EscapeDataString("xenotropic " + Payload);
        foreach (var url in new[]
        {
            $"/papers/{id}", "/date/2023-10-04", "/week/2023-W40", "/month/2023-10", "/", "/trending", $"/search?q={q}",
            $"/search?q={Uri.EscapeDataString("author:\"" + Payload + "\"")}", $"/collections/{collectionId}", "/collections",
            $"/collections/{collectionId}/feed.atom", $"/feeds/search.atom?q={q}", "/feeds/trending.atom", "/topics",
            $"/account/signin?returnUrl={Uri.EscapeDataString(Payload)}", $"/trends?terms={Uri.EscapeDataString(Payload)}", $"/submit?arxiv={q}",
        })
        {
            var response = await browser.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"{url}: {(int)response.StatusCode}");
            AssertInert(url, body);
            Assert.False(System.Text.RegularExpressions.Regex.IsMatch(body, "<a[^>]*href=\"javascript:", System.Text.RegularExpressions.RegexOptions.IgnoreCase), $"{url} links to javascript:");
        }
        // The places where the payload must appear, encoded (so the checks above looked at the right pages).
        var page = await browser.GetStringAsync($"/papers/{id}");
        Assert.Contains("&lt;script&gt;alert(7)&lt;/script&gt;", page);
        Assert.Contains("Eve &quot;&#x27;&gt;&lt;script&gt;", page);
        Assert.Contains("&lt;script&gt;", await browser.GetStringAsync($"/collections/{collectionId}/feed.atom"));
    }

    // Every page model with a POST handler, where to post to it (a member's own things), and the handler names.
    private async Task<Dictionary<Type, string[]>> FormPostsAsync(string paperId, long collectionId, long commentId, long tokenId) => new()
    {
        [typeof(Paperboy.Pages.Papers.ShowModel)] = [$"/papers/{paperId}?handler=Comment", $"/papers/{paperId}?handler=EditComment&commentId={commentId}", $"/papers/{paperId}?handler=DeleteComment&commentId={commentId}"],
        [typeof(Paperboy.Pages.Admin.IndexModel)] = ["/admin?handler=Lock&id=x&locked=true"],
        [typeof(Paperboy.Pages.SubmitModel)] = ["/submit"],
        [typeof(Paperboy.Pages.Account.ForgotModel)] = ["/account/forgot"],
        [typeof(Paperboy.Pages.Account.SignUpModel)] = ["/account/signup"],
        [typeof(Paperboy.Pages.Account.ResetModel)] = ["/account/reset"],
        [typeof(Paperboy.Pages.Account.TokensModel)] = ["/account/tokens?handler=Create", $"/account/tokens?handler=Revoke&id={tokenId}"],
        [typeof(Paperboy.Pages.Account.SignInModel)] = ["/account/signin"],
        [typeof(Paperboy.Pages.Account.SignOutModel)] = ["/account/signout"],
        [typeof(Paperboy.Pages.Subscribe.SubscribeModel)] = ["/subscribe"],
        [typeof(Paperboy.Pages.Subscribe.PreferencesModel)] = ["/subscribe/preferences?token=x"],
        [typeof(Paperboy.Pages.Subscribe.ConfirmModel)] = ["/subscribe/confirm?token=x"],
        [typeof(Paperboy.Pages.Collections.IndexModel)] = ["/collections?handler=Create"],
        [typeof(Paperboy.Pages.Collections.ItemsModel)] = [$"/collections/items?handler=Add&collectionId={collectionId}&paperId={paperId}", $"/collections/items?handler=Remove&collectionId={collectionId}&paperId={paperId}"],
        [typeof(Paperboy.Pages.Collections.ShowModel)] = [$"/collections/{collectionId}?handler=Update", $"/collections/{collectionId}?handler=Delete", $"/collections/{collectionId}?handler=Remove&paperId={paperId}"],
    };

    // Pages that take POSTs without antiforgery on purpose: the error page re-renders failed requests, and one-click
    // unsubscribe (RFC 8058) is posted by mail clients and authorised by the signed token in its address.
    private static readonly Type[] NoAntiforgeryByDesign = [typeof(Paperboy.Pages.ErrorModel), typeof(Paperboy.Pages.Subscribe.UnsubscribeModel)];

    [Fact]
    public async Task Every_form_post_without_an_antiforgery_token_is_refused_and_changes_nothing()
    {
        var (member, paperId, collectionId, commentId, tokenId) = await OwnedThingsAsync(admin: true);
        var posts = await FormPostsAsync(paperId, collectionId, commentId, tokenId);
        var withPost = typeof(Paperboy.Hosting.WebApp).Assembly.GetTypes()
            .Where(t => typeof(PageModel).IsAssignableFrom(t) && t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => m.Name.StartsWith("OnPost", StringComparison.Ordinal)))
            .Except(NoAntiforgeryByDesign).ToHashSet();
        Assert.Equal(withPost.OrderBy(t => t.FullName), posts.Keys.OrderBy(t => t.FullName));

        using var browser = await Members.SignedInClientAsync(Host, member.Email!);
        var urls = posts.Values.SelectMany(u => u).Append($"/papers/{paperId}/vote");
        foreach (var url in urls)
        {
            var response = await browser.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["Markdown"] = "forged", ["Name"] = "forged", ["Form.Email"] = member.Email!, ["Form.Password"] = Members.Password }));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} without an antiforgery token");
        }
        // Nothing changed: the comment, the collection with its paper, the token and the sign-in are all still there.
        var api = await Members.TokenClientAsync(Host, member);
        var collection = await api.GetFromJsonAsync<JsonElement>($"/api/collections/{collectionId}");
        Assert.Equal(1, collection.GetProperty("papers").GetArrayLength());
        Assert.Equal("mine", collection.GetProperty("collection").GetProperty("name").GetString());
        var comments = await api.GetFromJsonAsync<JsonElement>($"/api/papers/{paperId}/comments");
        Assert.Contains(comments.GetProperty("comments").EnumerateArray(), c => c.GetProperty("id").GetInt64() == commentId && c.GetProperty("markdown").GetString() == "mine");
        Assert.Contains("Revoke", await browser.GetStringAsync("/account/tokens"));
    }

    private static int _owners;

    private async Task<(Paperboy.Storage.PaperboyUser Member, string PaperId, long CollectionId, long CommentId, long TokenId)> OwnedThingsAsync(bool admin = false)
    {
        var member = await Members.CreateAsync(Host, $"owner{Interlocked.Increment(ref _owners)}-{Guid.NewGuid():N}@example.org", admin: admin);
        var api = await Members.TokenClientAsync(Host, member);
        var paperId = Uri.EscapeDataString((await api.GetFromJsonAsync<JsonElement>("/api/search?q=graph&mode=lexical")).GetProperty("results")[0].GetProperty("id").GetString()!);
        var collection = await (await api.PostAsJsonAsync("/api/collections", new { name = "mine", description = "private", isPublic = false })).Content.ReadFromJsonAsync<JsonElement>();
        var collectionId = collection.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await api.PutAsync($"/api/collections/{collectionId}/papers/{paperId}", null)).StatusCode);
        var comment = await (await api.PostAsJsonAsync($"/api/papers/{paperId}/comments", new { markdown = "mine" })).Content.ReadFromJsonAsync<JsonElement>();
        var (token, _) = await Host.Get<Paperboy.Storage.ApiTokenStore>().CreateAsync(member.Id, "mine");
        return (member, paperId, collectionId, comment.GetProperty("id").GetInt64(), TokenId(token));
    }

    private static long TokenId(object token) => (long)token.GetType().GetProperty("Id")!.GetValue(token)!;

    [Fact]
    public async Task Another_members_ids_are_refused_on_every_mutation_and_private_read()
    {
        var (owner, paperId, collectionId, commentId, tokenId) = await OwnedThingsAsync();
        var intruder = await Members.CreateAsync(Host, $"intruder{Guid.NewGuid():N}@example.org");
        var api = await Members.TokenClientAsync(Host, intruder);
        var requests = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"/api/collections/{collectionId}", null),
            (HttpMethod.Patch, $"/api/collections/{collectionId}", new { name = "taken" }),
            (HttpMethod.Delete, $"/api/collections/{collectionId}", null),
            (HttpMethod.Put, $"/api/collections/{collectionId}/papers/{paperId}", null),
            (HttpMethod.Delete, $"/api/collections/{collectionId}/papers/{paperId}", null),
            (HttpMethod.Put, $"/api/comments/{commentId}", new { markdown = "taken" }),
            (HttpMethod.Delete, $"/api/comments/{commentId}", null),
            (HttpMethod.Get, $"/collections/{collectionId}/feed.atom", null),
        };
        foreach (var (method, url, body) in requests)
        {
            var response = await api.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) });
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{method} {url}: {(int)response.StatusCode}");
        }
        // The forms, signed in as the intruder with valid antiforgery tokens.
        using var browser = await Members.SignedInClientAsync(Host, intruder.Email!);
        foreach (var (url, formPage) in new[]
        {
            ($"/account/tokens?handler=Revoke&id={tokenId}", "/account/tokens"),
            ($"/collections/{collectionId}?handler=Update", "/collections"),
            ($"/collections/{collectionId}?handler=Delete", "/collections"),
            ($"/collections/{collectionId}?handler=Remove&paperId={paperId}", "/collections"),
            ($"/collections/items?handler=Remove&collectionId={collectionId}&paperId={paperId}", "/collections"),
            ($"/papers/{paperId}?handler=EditComment&commentId={commentId}", $"/papers/{paperId}"),
            ($"/papers/{paperId}?handler=DeleteComment&commentId={commentId}", $"/papers/{paperId}"),
        })
        {
            var response = await Members.PostFormAsync(browser, url, new() { ["Name"] = "taken", ["CommentText"] = "taken", ["Description"] = "taken" }, formPage);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"POST {url}: {(int)response.StatusCode}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/collections/{collectionId}")).StatusCode);

        // Everything is as the owner left it.
        var mine = await Members.TokenClientAsync(Host, owner);
        var collection = await mine.GetFromJsonAsync<JsonElement>($"/api/collections/{collectionId}");
        Assert.Equal("mine", collection.GetProperty("collection").GetProperty("name").GetString());
        Assert.Equal(1, collection.GetProperty("papers").GetArrayLength());
        var comments = await mine.GetFromJsonAsync<JsonElement>($"/api/papers/{paperId}/comments");
        Assert.Contains(comments.GetProperty("comments").EnumerateArray(), c => c.GetProperty("id").GetInt64() == commentId && c.GetProperty("markdown").GetString() == "mine");
        Assert.Contains(await Host.Get<Paperboy.Storage.ApiTokenStore>().ListAsync(owner.Id), t => TokenId(t) == tokenId);
    }
}

/// <summary>Sign-in, sign-out and the vote form never send the browser off-site, whatever return URL they are given.</summary>
public sealed class OpenRedirectTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    // Its own host: sign-in is rate-limited per client, and every case signs in.
    private TestHost Host => shared.Host;

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("/%2F/evil.example")]
    [InlineData("http:evil.example")]
    [InlineData("  //evil.example")]
    [InlineData("/\t/evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/\r\n/evil.example")]
    public async Task No_return_url_leads_off_site(string returnUrl)
    {
        var member = await Members.CreateAsync(Host, $"ret{Guid.NewGuid():N}@example.org");
        using var browser = Members.BrowserClient(Host);
        var signIn = await Members.PostFormAsync(browser, "/account/signin?returnUrl=" + Uri.EscapeDataString(returnUrl),
            new() { ["Form.Email"] = member.Email!, ["Form.Password"] = Members.Password, ["ReturnUrl"] = returnUrl });
        AssertOnSite(signIn);
        var paperId = Uri.EscapeDataString((await browser.GetFromJsonAsync<JsonElement>("/api/search?q=graph&mode=lexical")).GetProperty("results")[0].GetProperty("id").GetString()!);
        var vote = await Members.PostFormAsync(browser, $"/papers/{paperId}/vote", new() { ["returnUrl"] = returnUrl }, $"/papers/{paperId}");
        AssertOnSite(vote);
        var signOut = await Members.PostFormAsync(browser, "/account/signout?returnUrl=" + Uri.EscapeDataString(returnUrl), new() { ["returnUrl"] = returnUrl });
        AssertOnSite(signOut);
    }

    private static void AssertOnSite(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.True(location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) && !location.StartsWith("/\\", StringComparison.Ordinal), $"redirects to {location}");
        Assert.False(new Uri(new Uri("http://localhost/"), location).Host != "localhost", $"redirects to {location}");
    }
}
