using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Paperboy.Core.Import;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>A store with one crowded day: 60 papers on 2024-03-05 (more than a board page of 50).</summary>
public sealed class CrowdedDay : IAsyncLifetime
{
    public const int Count = 60;
    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await TestHost.StartAsync(seedDemo: false);
        var page = new StringBuilder("Daily Papers\n\nMar 6\n\n");
        for (var i = 0; i < Count; i++)
            page.Append($"Crowded Paper Number {i:00}\n\nAbstract of crowded paper {i:00} about quokka husbandry.\n\n  • 1 authors\n·\nMar 5, 2024 {i}\n\n");
        var summary = await Host.Get<PaperImporter>().ImportAsync(ImportSource.FromText("crowded.txt", page.ToString()), ImportFormat.HfPage);
        Assert.Equal(Count, summary.Added);
        await Host.Get<Indexer>().CatchUpAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Boards and search results longer than a page continue on ?page=2.</summary>
public sealed class BoardPagingTests(CrowdedDay fixture) : IClassFixture<CrowdedDay>
{
    private static HashSet<string> Ids(string html) => Regex.Matches(html, "data-paper-id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet();

    private async Task<string> Html(string url)
    {
        var response = await fixture.Host.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("/date/2024-03-05")]
    [InlineData("/week/2024-W10")]
    [InlineData("/month/2024-03")]
    [InlineData("/")]
    public async Task The_second_page_of_a_board_holds_the_rest(string url)
    {
        var first = await Html(url);
        Assert.Equal(50, Ids(first).Count);
        Assert.Contains("href=\"?page=2\"", first);
        var second = await Html(url + "?page=2");
        Assert.Equal(CrowdedDay.Count - 50, Ids(second).Count);
        Assert.Empty(Ids(first).Intersect(Ids(second)));
        Assert.DoesNotContain("href=\"?page=3\"", second);
    }

    [Fact]
    public async Task The_second_page_of_search_results_holds_the_next_twenty()
    {
        var first = await Html("/search?q=quokka");
        var second = await Html("/search?q=quokka&page=2");
        var third = await Html("/search?q=quokka&page=3");
        Assert.Equal(20, Ids(first).Count);
        Assert.Equal(20, Ids(second).Count);
        Assert.Equal(20, Ids(third).Count);
        Assert.Equal(CrowdedDay.Count, Ids(first).Union(Ids(second)).Union(Ids(third)).Count());
        Assert.Contains("rel=\"prev\"", second);
        Assert.DoesNotContain("rel=\"next\"", third);
    }

    [Theory]
    [InlineData("/date", "Tuesday, March 5, 2024")]
    [InlineData("/week", "Week 10 of 2024")]
    [InlineData("/month", "March 2024")]
    public async Task A_board_address_without_a_period_shows_the_newest(string url, string title)
    {
        var html = await Html(url);
        Assert.Contains(title, html);
        Assert.Equal(50, Ids(html).Count);
    }

    [Fact]
    public async Task The_main_navigation_leads_to_boards_with_papers()
    {
        var html = await Html("/");
        foreach (var link in new[] { "/week", "/month" })
        {
            Assert.Contains($"href=\"{link}\"", html);
            Assert.NotEmpty(Ids(await Html(link)));
        }
    }
}
