using Paperboy.Search.Lexical;

namespace Paperboy.Tests.Search;

/// <summary>Highlighted excerpts are safe HTML with the matches in &lt;mark&gt;.</summary>
public sealed class SnippetsTests
{
    private readonly PaperAnalyzer _analyzer = new();
    private Snippets Snippets => new(_analyzer);

    private HashSet<string> Terms(string query) => [.. _analyzer.Terms(query)];

    [Fact]
    public void Matches_are_wrapped_in_mark_including_other_forms_of_the_word()
    {
        var html = Snippets.Highlight("Searching better activation functions for networks.", Terms("function"));
        Assert.Equal("Searching better activation <mark>functions</mark> for networks.", html);
    }

    [Fact]
    public void Angle_brackets_and_ampersands_are_HTML_encoded()
    {
        var html = Snippets.Highlight("when p < 0.05 & q > 0.9 the <script>alert(1)</script> test functions", Terms("functions"));
        Assert.Equal("when p &lt; 0.05 &amp; q &gt; 0.9 the &lt;script&gt;alert(1)&lt;/script&gt; test <mark>functions</mark>", html);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public void A_match_inside_encoded_text_is_itself_encoded()
    {
        var html = Snippets.Highlight("Cross-Site <script>alert(1)</script>", Terms("script"));
        Assert.Equal("Cross-Site &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;", html);
    }

    [Fact]
    public void Matches_in_LaTeX_debris_keep_their_true_offsets()
    {
        var html = Snippets.Highlight("requires widetilde Theta(d^{kq}) samples", Terms("theta samples"));
        Assert.Equal("requires widetilde <mark>Theta</mark>(d^{kq}) <mark>samples</mark>", html);
    }

    [Fact]
    public void No_terms_gives_the_encoded_text_unmarked()
    {
        Assert.Equal("a &lt; b", Snippets.Highlight("a < b", new HashSet<string>()));
    }

    [Fact]
    public void A_long_text_is_cut_to_a_window_around_the_matches()
    {
        var filler = string.Join(' ', Enumerable.Repeat("lorem ipsum dolor sit amet.", 60));
        var text = filler + " Our Rayleigh quotient analysis shows spectral energy <differences>. " + filler;
        var html = Snippets.Highlight(text, Terms("rayleigh quotient"), maxChars: 200);
        Assert.Contains("<mark>Rayleigh</mark> <mark>quotient</mark>", html);
        Assert.StartsWith("… ", html);
        Assert.EndsWith(" …", html);
        Assert.Contains("&lt;differences&gt;", html);
        Assert.True(html.Length < 400, html);
    }
}
