using System.Net;
using System.Text.RegularExpressions;
using Paperboy.Core.Import;
using Paperboy.Importing;
using Paperboy.Indexing;
using Paperboy.Storage;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Web;

/// <summary>Board pages are kept between reads (<see cref="Paperboy.Pages.BoardViews"/>), yet every change shows on the next read.</summary>
public sealed class BoardFreshnessTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync(seedDemo: false);
        await Import("Quiet Paper One", "Quiet Paper Two", "Quiet Paper Three");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task Import(params string[] titles)
    {
        var page = "Daily Papers\n\nMar 6\n\n" + string.Concat(titles.Select((t, i) =>
            $"{t}\n\nAbstract of {t.ToLowerInvariant()} about wombat burrows.\n\n  • 1 authors\n·\nMar 5, 2024\n\n"));
        await _host.Get<PaperImporter>().ImportAsync(ImportSource.FromText("quiet.txt", page), ImportFormat.HfPage);
        await _host.Get<Indexer>().CatchUpAsync();
    }

    private async Task<List<string>> BoardIds(string url)
    {
        var response = await _host.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        return Regex.Matches(html, "data-paper-id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
    }

    [Theory]
    [InlineData("/date/2024-03-05")]
    [InlineData("/week/2024-W10")]
    [InlineData("/month/2024-03")]
    [InlineData("/")]
    public async Task A_vote_and_a_new_paper_show_on_the_next_read_of_a_kept_board(string url)
    {
        var before = await BoardIds(url);
        Assert.Equal(before, await BoardIds(url));   // read twice: the second from what was kept
        var last = before[^1];
        var member = await Members.CreateAsync(_host, $"voter-{Guid.NewGuid():N}@example.org");
        Assert.NotNull(await _host.Get<VoteStore>().SetAsync(member.Id, last, true));
        var afterVote = await BoardIds(url);
        Assert.Equal(last, afterVote[0]);

        await Import($"Fresh Paper {Guid.NewGuid():N}"[..20]);
        var afterImport = await BoardIds(url);
        Assert.Equal(afterVote.Count + 1, afterImport.Count);

        Assert.NotNull(await _host.Get<VoteStore>().SetAsync(member.Id, last, false));
        Assert.Equal(afterImport.Count, (await BoardIds(url)).Count);
        Assert.NotEqual(last, (await BoardIds(url))[0]);
    }
}
