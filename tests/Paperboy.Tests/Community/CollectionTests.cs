using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Community;

/// <summary>Collections through the API, the pages and the Atom feed, each test written as the misuse it prevents.</summary>
public sealed class CollectionTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    private TestHost Host => shared.Host;
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    private static async Task<long> CreateAsync(HttpClient owner, string name, bool isPublic, string? description = null)
    {
        var response = await owner.PostAsJsonAsync("/api/collections", new { name, description, isPublic });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private static async Task AddAsync(HttpClient owner, long collection, string paperId) =>
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PutAsync($"/api/collections/{collection}/papers/{Uri.EscapeDataString(paperId)}", null)).StatusCode);

    private async Task<JsonElement> AsOwnerAsync(HttpClient owner, long collection) =>
        await owner.GetFromJsonAsync<JsonElement>($"/api/collections/{collection}");

    [Fact]
    public async Task A_private_collection_is_404_to_anonymous_visitors_and_other_members_everywhere()
    {
        var paper = await CommunityPapers.NthAsync(Host, 10);
        var ownerUser = await Members.CreateAsync(Host, CommunityPapers.Unique("private-owner"));
        var otherUser = await Members.CreateAsync(Host, CommunityPapers.Unique("private-other"));
        using var owner = await Members.TokenClientAsync(Host, ownerUser);
        using var other = await Members.TokenClientAsync(Host, otherUser);
        var secret = await CreateAsync(owner, "Secret reading list", isPublic: false, description: "my thesis topic");
        await AddAsync(owner, secret, paper.Id);
        using var otherBrowser = await Members.SignedInClientAsync(Host, otherUser.Email!);
        using var anonymousBrowser = Members.BrowserClient(Host);
        var never = 999_999_999L;

        foreach (var (who, client) in new[] { ("anonymous", Host.Client), ("other member (token)", other), ("other member (cookie)", otherBrowser), ("anonymous browser", anonymousBrowser) })
        {
            foreach (var path in new[] { $"/collections/{secret}", $"/api/collections/{secret}", $"/collections/{secret}/feed.atom" })
            {
                var response = await client.GetAsync(path);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{who} GET {path}: {response.StatusCode}");
                var body = await response.Content.ReadAsStringAsync();
                Assert.DoesNotContain("Secret reading list", body);
                Assert.DoesNotContain("thesis", body);
                // Exactly what a collection that never existed answers.
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path.Replace(secret.ToString(), never.ToString()))).StatusCode);
            }
        }

        // Not in anyone else's listing, and not on anyone else's paper page.
        var theirs = await other.GetFromJsonAsync<JsonElement>("/api/me/collections");
        Assert.DoesNotContain(theirs.GetProperty("collections").EnumerateArray(), c => c.GetProperty("id").GetInt64() == secret);
        Assert.DoesNotContain("Secret reading list", await otherBrowser.GetStringAsync("/collections"));
        Assert.DoesNotContain("Secret reading list", await otherBrowser.GetStringAsync($"/papers/{Uri.EscapeDataString(paper.Id)}"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Client.GetAsync("/api/me/collections")).StatusCode);
        // Search knows papers only: searching the private description never turns up the collection.
        Assert.DoesNotContain("Secret reading list", await Host.Client.GetStringAsync("/api/search?mode=lexical&q=my+thesis+topic"));
        Assert.DoesNotContain("Secret reading list", await otherBrowser.GetStringAsync("/search?q=my+thesis+topic"));
        var anonymousList = await Host.Client.GetAsync("/collections");
        Assert.Equal(HttpStatusCode.Redirect, anonymousList.StatusCode);
        Assert.StartsWith("http://localhost/account/signin", anonymousList.Headers.Location?.ToString());

        // The owner sees it: the page, the API (cookie or token) and their listing; a private one has no feed even for them.
        Assert.Contains("Secret reading list", await (await Members.SignedInClientAsync(Host, ownerUser.Email!)).GetStringAsync($"/collections/{secret}"));
        var mine = await AsOwnerAsync(owner, secret);
        Assert.Equal(paper.Id, mine.GetProperty("papers")[0].GetProperty("paper").GetProperty("id").GetString());
        Assert.Contains((await owner.GetFromJsonAsync<JsonElement>("/api/me/collections")).GetProperty("collections").EnumerateArray(), c => c.GetProperty("id").GetInt64() == secret);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/collections/{secret}/feed.atom")).StatusCode);

        // Made public, it shows; made private again, it is gone again (feed included).
        Assert.Equal(HttpStatusCode.OK, (await owner.PatchAsJsonAsync($"/api/collections/{secret}", new { isPublic = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Host.Client.GetAsync($"/collections/{secret}/feed.atom")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.PatchAsJsonAsync($"/api/collections/{secret}", new { isPublic = false })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Client.GetAsync($"/collections/{secret}/feed.atom")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Client.GetAsync($"/collections/{secret}")).StatusCode);
    }

    [Fact]
    public async Task Another_members_rename_delete_or_paper_change_on_my_collection_is_refused_and_changes_nothing()
    {
        var paper = await CommunityPapers.NthAsync(Host, 11);
        var intruderPaper = await CommunityPapers.NthAsync(Host, 12);
        var ownerUser = await Members.CreateAsync(Host, CommunityPapers.Unique("owner"));
        var otherUser = await Members.CreateAsync(Host, CommunityPapers.Unique("intruder"));
        using var owner = await Members.TokenClientAsync(Host, ownerUser);
        using var other = await Members.TokenClientAsync(Host, otherUser);
        using var otherBrowser = await Members.SignedInClientAsync(Host, otherUser.Email!);

        foreach (var isPublic in new[] { true, false })
        {
            var id = await CreateAsync(owner, $"Mine ({(isPublic ? "public" : "private")})", isPublic, "as I left it");
            await AddAsync(owner, id, paper.Id);
            var before = await AsOwnerAsync(owner, id);
            // A public collection may be told apart (403); a private one must not be (404).
            var refused = isPublic ? new[] { HttpStatusCode.Forbidden } : [HttpStatusCode.NotFound];
            var pid = Uri.EscapeDataString(paper.Id);

            Assert.Contains((await other.PatchAsJsonAsync($"/api/collections/{id}", new { name = "Pwned", isPublic = !isPublic })).StatusCode, refused);
            Assert.Contains((await other.PutAsync($"/api/collections/{id}/papers/{Uri.EscapeDataString(intruderPaper.Id)}", null)).StatusCode, refused);
            Assert.Contains((await other.DeleteAsync($"/api/collections/{id}/papers/{pid}")).StatusCode, refused);
            Assert.Contains((await other.DeleteAsync($"/api/collections/{id}")).StatusCode, refused);

            // The page forms, with the intruder's own valid antiforgery token.
            var form = isPublic ? $"/collections/{id}" : "/collections";
            var rename = await Members.PostFormAsync(otherBrowser, $"/collections/{id}?handler=Update", new() { ["Name"] = "Pwned", ["Description"] = "x" }, formPage: form);
            Assert.Contains(rename.StatusCode, refused);
            var delete = await Members.PostFormAsync(otherBrowser, $"/collections/{id}?handler=Delete", new(), formPage: form);
            Assert.Contains(delete.StatusCode, refused);
            var remove = await Members.PostFormAsync(otherBrowser, $"/collections/{id}?handler=Remove", new() { ["paperId"] = paper.Id }, formPage: form);
            Assert.Contains(remove.StatusCode, refused);
            var add = await Members.PostFormAsync(otherBrowser, "/collections/items?handler=Add",
                new() { ["collectionId"] = id.ToString(), ["paperId"] = intruderPaper.Id, ["returnUrl"] = "/" }, formPage: "/collections");
            Assert.Contains(add.StatusCode, refused);

            var after = await AsOwnerAsync(owner, id);
            Assert.Equal(before.GetRawText(), after.GetRawText());
            Assert.Equal($"Mine ({(isPublic ? "public" : "private")})", after.GetProperty("collection").GetProperty("name").GetString());
            Assert.Equal(isPublic, after.GetProperty("collection").GetProperty("isPublic").GetBoolean());
            Assert.Equal([paper.Id], after.GetProperty("papers").EnumerateArray().Select(p => p.GetProperty("paper").GetProperty("id").GetString()));
        }
    }

    [Fact]
    public async Task The_owner_manages_a_collection_through_the_pages_with_antiforgery()
    {
        var paper = await CommunityPapers.NthAsync(Host, 13);
        var user = await Members.CreateAsync(Host, CommunityPapers.Unique("curator"));
        using var browser = await Members.SignedInClientAsync(Host, user.Email!);

        // Without the token nothing is created.
        var forged = await browser.PostAsync("/collections?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string> { ["Name"] = "Forged" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var forgedApi = await browser.PostAsJsonAsync("/api/collections", new { name = "Forged" });
        Assert.Equal(HttpStatusCode.BadRequest, forgedApi.StatusCode);
        Assert.DoesNotContain("Forged", await browser.GetStringAsync("/collections"));

        var bad = await Members.PostFormAsync(browser, "/collections?handler=Create", new() { ["Name"] = new string('n', 101) });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var created = await Members.PostFormAsync(browser, "/collections?handler=Create", new() { ["Name"] = "Graph papers", ["IsPublic"] = "true" });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var path = created.Headers.Location!.OriginalString;
        var id = long.Parse(path.Split('/')[^1]);

        var pagePath = $"/papers/{Uri.EscapeDataString(paper.Id)}";
        Assert.Contains("Add to collection", await browser.GetStringAsync(pagePath));
        var added = await Members.PostFormAsync(browser, "/collections/items?handler=Add",
            new() { ["collectionId"] = id.ToString(), ["paperId"] = paper.Id, ["returnUrl"] = "https://evil.example/" }, formPage: pagePath);
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Equal(path, added.Headers.Location!.OriginalString);   // never off-site
        Assert.Contains(paper.Title.Length > 40 ? paper.Title[..40] : paper.Title, System.Net.WebUtility.HtmlDecode(await browser.GetStringAsync(path)));
        Assert.Contains("In your collections", await browser.GetStringAsync(pagePath));

        var renamed = await Members.PostFormAsync(browser, $"{path}?handler=Update", new() { ["Name"] = "Graph papers, 2023", ["Description"] = "GNNs" });
        Assert.Equal(HttpStatusCode.Redirect, renamed.StatusCode);
        Assert.Contains("Graph papers, 2023", await browser.GetStringAsync(path));
        Assert.Contains("private", await browser.GetStringAsync(path));   // the unchecked box made it private
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Client.GetAsync(path)).StatusCode);

        var removed = await Members.PostFormAsync(browser, $"{path}?handler=Remove", new() { ["paperId"] = paper.Id });
        Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);
        var deleted = await Members.PostFormAsync(browser, $"{path}?handler=Delete", new());
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task A_public_collections_feed_is_well_formed_Atom_with_its_papers_and_hostile_text_escaped()
    {
        var papers = new[] { await CommunityPapers.NthAsync(Host, 14), await CommunityPapers.NthAsync(Host, 15) };
        using var owner = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, CommunityPapers.Unique("feed"), name: "Feed <Owner> & co"));
        const string name = "Reading </title><script>alert(1)</script> & \"more\"";
        var id = await CreateAsync(owner, name, isPublic: true, description: "]]> <![CDATA[ \u0001 bell");
        foreach (var p in papers) await AddAsync(owner, id, p.Id);

        var response = await Host.Client.GetAsync($"/collections/{id}/feed.atom");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        // Parsed strictly: well-formed, no DTDs.
        using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        var doc = XDocument.Load(reader);

        var feed = doc.Root!;
        Assert.Equal(Atom + "feed", feed.Name);
        Assert.Equal(name, feed.Element(Atom + "title")!.Value);
        Assert.EndsWith($"/collections/{id}", feed.Element(Atom + "id")!.Value);
        Assert.True(DateTimeOffset.TryParse(feed.Element(Atom + "updated")!.Value, out _));
        Assert.Equal("Feed <Owner> & co", feed.Element(Atom + "author")!.Element(Atom + "name")!.Value);
        Assert.Contains(feed.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "self" && ((string)l.Attribute("href")!).EndsWith($"/collections/{id}/feed.atom"));
        Assert.DoesNotContain("<script>", System.Text.Encoding.UTF8.GetString(bytes));

        var entries = feed.Elements(Atom + "entry").ToList();
        Assert.Equal(2, entries.Count);
        foreach (var p in papers)
        {
            var entry = entries.Single(e => e.Element(Atom + "link")!.Attribute("href")!.Value.EndsWith($"/papers/{Uri.EscapeDataString(p.Id)}"));
            Assert.Equal(p.Title, entry.Element(Atom + "title")!.Value);
            Assert.False(string.IsNullOrEmpty(entry.Element(Atom + "id")!.Value));
            Assert.True(DateTimeOffset.TryParse(entry.Element(Atom + "updated")!.Value, out _));
            var summary = entry.Element(Atom + "summary")!;
            Assert.Equal("text", (string?)summary.Attribute("type"));
            Assert.Equal(p.Abstract, summary.Value);
        }
        // Most recently added first.
        Assert.EndsWith(Uri.EscapeDataString(papers[1].Id), entries[0].Element(Atom + "link")!.Attribute("href")!.Value);

        // The page links its feed; a private collection's page has no feed to link.
        Assert.Contains($"/collections/{id}/feed.atom", await Host.Client.GetStringAsync($"/collections/{id}"));
    }

    [Fact]
    public async Task Bad_names_and_unknown_papers_are_refused_without_a_500()
    {
        using var owner = await Members.TokenClientAsync(Host, await Members.CreateAsync(Host, CommunityPapers.Unique("bad")));
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync("/api/collections", new { name = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync("/api/collections", new { name = "   " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync("/api/collections", new { name = new string('x', 101) })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync("/api/collections", new { name = new string('x', 100) })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Client.PostAsJsonAsync("/api/collections", new { name = "anon" })).StatusCode);
        var id = await CreateAsync(owner, "ok", isPublic: true);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PatchAsJsonAsync($"/api/collections/{id}", new { name = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PutAsync($"/api/collections/{id}/papers/t-000000000000", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PutAsync($"/api/collections/{id}/papers/{new string('9', 65)}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Client.GetAsync("/collections/abc")).StatusCode);
        Assert.Equal(0, (await AsOwnerAsync(owner, id)).GetProperty("collection").GetProperty("paperCount").GetInt32());
    }
}
