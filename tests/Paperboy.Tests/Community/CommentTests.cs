using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>Comments through the API and the paper page's forms, each test written as the misuse it prevents.</summary>
public sealed partial class CommentTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private TestHost Host => shared.Host;

    private async Task<JsonElement> Comments(string paperId) =>
        await Host.Client.GetFromJsonAsync<JsonElement>($"/api/papers/{Uri.EscapeDataString(paperId)}/comments");

    private static async Task<long> PostComment(HttpClient member, string paperId, string markdown)
    {
        var response = await member.PostAsJsonAsync($"/api/papers/{Uri.EscapeDataString(paperId)}/comments", new { markdown });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    [Fact]
    public async Task A_script_in_a_comment_renders_as_text_or_is_stripped()
    {
        var paper = await CommunityPapers.NthAsync(Host, 0);
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, CommunityPapers.Unique("xss")));
        const string attack = """
            <script>alert('raw')</script> <SCRIPT SRC=//evil.example/x.js></SCRIPT>
            <img src=x onerror="alert('img')"> <a href="javascript:alert('html')" onclick="alert(1)">raw link</a>

            [md link](javascript:alert('md')) [mixed case](JaVaScRiPt:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)
            [relative](/account/signout) <javascript:alert('autolink')> ![pic](javascript:alert('img2'))

            [fine](https://example.org/paper?a=1&b=2) and **bold**, *em*, `code`

            # heading <iframe src="https://evil.example"></iframe>
            """;
        var id = await PostComment(member, paper.Id, attack);

        var page = await Host.Client.GetStringAsync($"/papers/{Uri.EscapeDataString(paper.Id)}");
        var body = CommentBody(page, id);
        Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<h1", body, StringComparison.OrdinalIgnoreCase);
        // Anywhere on the page, parsed as a browser would: no script but ours, no javascript: or data: link or source,
        // no event-handler attribute. (The attack may still be read as text: that is the point.)
        var dom = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(page);
        Assert.All(dom.Scripts, script => Assert.StartsWith("/site.js", script.Source));
        Assert.Empty(dom.QuerySelectorAll("iframe, object, embed"));
        foreach (var element in dom.All)
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"<{element.LocalName} {attribute.Name}=…>");
                Assert.False(Regex.IsMatch(attribute.Value, @"^\s*(javascript|data|vbscript):", RegexOptions.IgnoreCase), $"<{element.LocalName} {attribute.Name}=\"{attribute.Value}\">");
            }
        var commentElement = dom.GetElementById($"c{id}")!;
        Assert.Contains("alert('raw')", commentElement.TextContent);   // shown as text
        // What remains is readable: the raw HTML as text, the safe link marked as user content, the basic formatting.
        Assert.Contains("&lt;script&gt;alert(", body);
        Assert.Contains("<a href=\"https://example.org/paper?a=1&amp;b=2\" rel=\"nofollow noopener ugc\">fine</a>", body);
        Assert.Contains("<strong>bold</strong>", body);
        Assert.Contains("<em>em</em>", body);
        Assert.Contains("<code>code</code>", body);
        Assert.DoesNotContain("href=\"/account/signout\"", body);
        // Every link in the comment is an absolute http(s) one, and user content.
        foreach (Match a in Regex.Matches(body, "<a [^>]*>"))
            if (a.Value.Contains("href=")) Assert.Matches("^<a href=\"https?://[^\"]+\" rel=\"nofollow noopener ugc\">$", a.Value);

        // The API gives the same sanitised HTML, and the Markdown as written (JSON-encoded, for the author to edit).
        var json = (await Comments(paper.Id)).GetProperty("comments").EnumerateArray().Single(c => c.GetProperty("id").GetInt64() == id);
        Assert.Equal(attack, json.GetProperty("markdown").GetString());
        var fragment = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(json.GetProperty("html").GetString()!);
        Assert.Equal(["a", "code", "em", "p", "strong"], fragment.Body!.QuerySelectorAll("*").Select(e => e.LocalName).Distinct().Order());
        Assert.Equal(["https://example.org/paper?a=1&b=2"], fragment.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public async Task Another_members_edit_or_delete_of_my_comment_is_refused_and_changes_nothing()
    {
        var paper = await CommunityPapers.NthAsync(Host, 1);
        var authorUser = await Members.CreateAsync(Host, CommunityPapers.Unique("author"));
        var otherUser = await Members.CreateAsync(Host, CommunityPapers.Unique("other"));
        using var author = await Members.TokenClientAsync(Host, authorUser);
        using var other = await Members.TokenClientAsync(Host, otherUser);
        var id = await PostComment(author, paper.Id, "My *own* words.");

        Assert.Equal(HttpStatusCode.Forbidden, (await other.PutAsJsonAsync($"/api/comments/{id}", new { markdown = "Words put in my mouth." })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.DeleteAsync($"/api/comments/{id}")).StatusCode);

        // The page's forms too, with a valid antiforgery token of the other member's own session.
        using var otherBrowser = await Members.SignedInClientAsync(Host, otherUser.Email!);
        var pagePath = $"/papers/{Uri.EscapeDataString(paper.Id)}";
        var edit = await Members.PostFormAsync(otherBrowser, $"{pagePath}?handler=EditComment&commentId={id}", new() { ["CommentText"] = "Forged edit" }, formPage: pagePath);
        Assert.Equal(HttpStatusCode.Forbidden, edit.StatusCode);
        var delete = await Members.PostFormAsync(otherBrowser, $"{pagePath}?handler=DeleteComment&commentId={id}", new(), formPage: pagePath);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        // The other member is offered neither button.
        var seen = await otherBrowser.GetStringAsync($"{pagePath}?edit={id}");
        Assert.DoesNotContain($"commentId={id}", seen);
        Assert.DoesNotContain("Forged edit", seen);

        var comments = await Comments(paper.Id);
        var comment = comments.GetProperty("comments").EnumerateArray().Single(c => c.GetProperty("id").GetInt64() == id);
        Assert.Equal("My *own* words.", comment.GetProperty("markdown").GetString());
        Assert.False(comment.GetProperty("edited").GetBoolean());
        Assert.Equal(1, (await CommunityPapers.ReloadAsync(Host, paper.Id)).MemberComments);

        // The author can do both, and the page marks the edit.
        Assert.Equal(HttpStatusCode.OK, (await author.PutAsJsonAsync($"/api/comments/{id}", new { markdown = "My *better* words." })).StatusCode);
        var afterEdit = await Host.Client.GetStringAsync(pagePath);
        Assert.Contains("<em>better</em>", afterEdit);
        Assert.Contains("(edited)", CommentMeta(afterEdit, id));
        Assert.Equal(HttpStatusCode.NoContent, (await author.DeleteAsync($"/api/comments/{id}")).StatusCode);
        Assert.Equal(0, (await Comments(paper.Id)).GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await author.DeleteAsync($"/api/comments/{id}")).StatusCode);
    }

    [Fact]
    public async Task An_admin_can_delete_any_comment_but_cannot_rewrite_it()
    {
        var paper = await CommunityPapers.NthAsync(Host, 2);
        using var author = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, CommunityPapers.Unique("spammer")));
        var adminUser = await Members.CreateAsync(Host, CommunityPapers.Unique("admin"), admin: true);
        using var admin = await Members.TokenClientAsync(Host, adminUser);
        var kept = await PostComment(author, paper.Id, "A fair point.");
        var spam = await PostComment(author, paper.Id, "Buy [pills](https://spam.example/)");

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PutAsJsonAsync($"/api/comments/{spam}", new { markdown = "redacted" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/comments/{spam}")).StatusCode);

        // And through the page: the admin sees a moderation button on someone else's comment and it works.
        using var browser = await Members.SignedInClientAsync(Host, adminUser.Email!);
        var pagePath = $"/papers/{Uri.EscapeDataString(paper.Id)}";
        Assert.Contains("Delete (moderate)", await browser.GetStringAsync(pagePath));
        var deleted = await Members.PostFormAsync(browser, $"{pagePath}?handler=DeleteComment&commentId={kept}", new(), formPage: pagePath);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);

        Assert.Equal(0, (await Comments(paper.Id)).GetProperty("count").GetInt32());
        Assert.Equal(0, (await CommunityPapers.ReloadAsync(Host, paper.Id)).MemberComments);
        await using var db = await Host.Get<IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        var row = await db.Comments.AsNoTracking().SingleAsync(c => c.Id == spam);
        Assert.True(row.Deleted);
        Assert.Equal(adminUser.Id, row.DeletedBy);
        Assert.Equal("", row.Markdown);
    }

    [Fact]
    public async Task A_cookie_comment_post_without_the_antiforgery_token_is_refused()
    {
        var paper = await CommunityPapers.NthAsync(Host, 3);
        var user = await Members.CreateAsync(Host, CommunityPapers.Unique("csrf"), name: "Ada Lovelace");
        using var browser = await Members.SignedInClientAsync(Host, user.Email!);
        var pagePath = $"/papers/{Uri.EscapeDataString(paper.Id)}";

        // What a hostile page could make the browser send: the cookie, but no token.
        var api = await browser.PostAsJsonAsync($"/api/papers/{Uri.EscapeDataString(paper.Id)}/comments", new { markdown = "forged" });
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        var form = await browser.PostAsync($"{pagePath}?handler=Comment", new FormUrlEncodedContent(new Dictionary<string, string> { ["CommentText"] = "forged" }));
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.Equal(0, (await Comments(paper.Id)).GetProperty("count").GetInt32());

        // The real form on the paper page, with its token: works without JavaScript, shows the author's name.
        var posted = await Members.PostFormAsync(browser, $"{pagePath}?handler=Comment", new() { ["CommentText"] = "A *real* comment." }, formPage: pagePath);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.StartsWith($"{pagePath}#c", posted.Headers.Location?.OriginalString);
        var page = await Host.Client.GetStringAsync(pagePath);
        Assert.Contains("<em>real</em>", page);
        Assert.Contains("Ada Lovelace", page);
        Assert.Equal(1, (await Comments(paper.Id)).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task The_21st_comment_in_ten_minutes_gets_429_with_Retry_After()
    {
        var paper = await CommunityPapers.NthAsync(Host, 4);
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, CommunityPapers.Unique("flood")));
        for (var i = 1; i <= 20; i++) await PostComment(member, paper.Id, $"comment {i}");
        var flood = await member.PostAsJsonAsync($"/api/papers/{Uri.EscapeDataString(paper.Id)}/comments", new { markdown = "comment 21" });
        Assert.Equal((HttpStatusCode)429, flood.StatusCode);
        Assert.True(int.TryParse(flood.Headers.GetValues("Retry-After").Single(), out var seconds) && seconds is > 0 and <= 600, "Retry-After in seconds");
        Assert.Equal("application/problem+json", flood.Content.Headers.ContentType?.MediaType);
        // Edits count against the same limit; reading never does.
        Assert.Equal((HttpStatusCode)429, (await member.PutAsJsonAsync("/api/comments/1", new { markdown = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/api/papers/{Uri.EscapeDataString(paper.Id)}/comments")).StatusCode);
        Assert.Equal(20, (await Comments(paper.Id)).GetProperty("count").GetInt32());

        // The paper page's form is limited the same way (its own member, its own window).
        var other = await CommunityPapers.NthAsync(Host, 7);
        var user = await Members.CreateAsync(Host, CommunityPapers.Unique("form-flood"));
        using var browser = await Members.SignedInClientAsync(Host, user.Email!);
        var pagePath = $"/papers/{Uri.EscapeDataString(other.Id)}";
        var token = Members.AntiforgeryToken(await browser.GetStringAsync(pagePath));
        Task<HttpResponseMessage> Form(int i) => browser.PostAsync($"{pagePath}?handler=Comment", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["CommentText"] = $"form comment {i}", ["__RequestVerificationToken"] = token }));
        for (var i = 1; i <= 20; i++) Assert.Equal(HttpStatusCode.Redirect, (await Form(i)).StatusCode);
        var limited = await Form(21);
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.True(limited.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(pagePath)).StatusCode);
        Assert.Equal(20, (await Comments(other.Id)).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Comment_counts_on_cards_are_exact_after_concurrent_writes_and_a_delete()
    {
        var paper = await CommunityPapers.NthAsync(Host, 5);
        var clients = new List<HttpClient>();
        for (var i = 0; i < 3; i++) clients.Add(await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, CommunityPapers.Unique($"count{i}"))));
        var ids = await Task.WhenAll(clients.Select((c, i) => PostComment(c, paper.Id, $"Point {i}")));
        Assert.Equal(HttpStatusCode.NoContent, (await clients[1].DeleteAsync($"/api/comments/{ids[1]}")).StatusCode);

        var stored = await CommunityPapers.ReloadAsync(Host, paper.Id);
        Assert.Equal(2, stored.MemberComments);
        var listed = await Comments(paper.Id);
        Assert.Equal(2, listed.GetProperty("count").GetInt32());
        Assert.Equal(["Point 0", "Point 2"], listed.GetProperty("comments").EnumerateArray().Select(c => c.GetProperty("markdown").GetString()).Order());

        // A card of this paper (in a public collection) shows source comments plus members' comments.
        using var owner = clients[0];
        var created = await (await owner.PostAsJsonAsync("/api/collections", new { name = "Counted", isPublic = true })).Content.ReadFromJsonAsync<JsonElement>();
        var collection = created.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PutAsync($"/api/collections/{collection}/papers/{Uri.EscapeDataString(paper.Id)}", null)).StatusCode);
        var page = await Host.Client.GetStringAsync($"/collections/{collection}");
        var expected = paper.CommentCount + 2;
        Assert.Contains($"#comments\">{expected} comments</a>", page);

        // Each count change went to the change log as counts-only, in the same transaction as the comment.
        await using var db = await Host.Get<IDbContextFactory<PaperboyDb>>().CreateDbContextAsync();
        Assert.Equal(4, await db.Changes.CountAsync(c => c.PaperId == paper.Id && c.CountsOnly));
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task An_empty_oversized_or_anonymous_comment_is_refused()
    {
        var paper = await CommunityPapers.NthAsync(Host, 6);
        var path = $"/api/papers/{Uri.EscapeDataString(paper.Id)}/comments";
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Client.PostAsJsonAsync(path, new { markdown = "anonymous" })).StatusCode);
        using var member = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, CommunityPapers.Unique("limits")));
        Assert.Equal(HttpStatusCode.BadRequest, (await member.PostAsJsonAsync(path, new { markdown = "   " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await member.PostAsJsonAsync(path, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await member.PostAsJsonAsync(path, new { markdown = new string('a', 10_001) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await member.PostAsync(path, new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsJsonAsync("/api/papers/t-000000000000/comments", new { markdown = "ghost" })).StatusCode);
        await PostComment(member, paper.Id, new string('a', 10_000));
        Assert.Equal(1, (await Comments(paper.Id)).GetProperty("count").GetInt32());
    }

    /// <summary>The rendered body of one comment on a paper page.</summary>
    private static string CommentBody(string page, long id)
    {
        var m = Regex.Match(page, $"<li class=\"comment\" id=\"c{id}\">.*?<div class=\"comment-body\">(.*?)</div>", RegexOptions.Singleline);
        Assert.True(m.Success, $"comment {id} is not on the page");
        return m.Groups[1].Value;
    }

    private static string CommentMeta(string page, long id)
    {
        var m = Regex.Match(page, $"<li class=\"comment\" id=\"c{id}\">\\s*<p class=\"comment-meta\">(.*?)</p>", RegexOptions.Singleline);
        Assert.True(m.Success, $"comment {id} is not on the page");
        return m.Groups[1].Value;
    }
}
