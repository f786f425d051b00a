using Paperboy.Search.Lexical;

namespace Paperboy.Tests.Search;

/// <summary>The one analyzer for titles, abstracts and queries.</summary>
public sealed class PaperAnalyzerTests
{
    private readonly PaperAnalyzer _analyzer = new();

    [Fact]
    public void Words_are_lower_cased()
    {
        Assert.Equal(["rayleigh", "quotient", "gnn"], _analyzer.Terms("RAYLEIGH Quotient GNN"));
    }

    [Fact]
    public void Accented_letters_are_folded_to_ASCII()
    {
        Assert.Equal(["cafe", "ibanez", "naiv"], _analyzer.Terms("Café Ibáñez naïve"));
        Assert.Equal(_analyzer.Terms("Tomás"), _analyzer.Terms("tomas"));
    }

    [Fact]
    public void Words_are_stemmed()
    {
        Assert.Equal(["function"], _analyzer.Terms("functions"));
        Assert.Equal(_analyzer.Terms("activation function"), _analyzer.Terms("Activation Functions"));
        Assert.Equal(_analyzer.Terms("network"), _analyzer.Terms("networks"));
    }

    [Fact]
    public void Stop_words_are_dropped()
    {
        Assert.Equal(["learn", "hierarch", "polynomi"], _analyzer.Terms("Learning of the Hierarchical and Polynomials"));
        Assert.Empty(_analyzer.Terms("the of and a an is it"));
    }

    [Fact]
    public void Possessives_are_dropped()
    {
        Assert.Equal(_analyzer.Terms("Tweedie formula"), _analyzer.Terms("Tweedie's formula"));
    }

    [Fact]
    public void LaTeX_command_words_left_in_abstracts_are_dropped()
    {
        Assert.Equal(["o", "d", "k", "sampl"], _analyzer.Terms("mathcal{O}(d^k) samples"));
        Assert.Equal(["theta", "d", "kq"], _analyzer.Terms("widetilde Theta(d^{kq})"));
        Assert.Equal(["p", "r", "d", "r"], _analyzer.Terms("p : R^d rightarrow R"));
        Assert.DoesNotContain("mathcal", _analyzer.Terms("mathcal mathbb mathbf"));
        Assert.Empty(_analyzer.Terms("mathcal widetilde rightarrow"));
    }

    [Fact]
    public void A_LaTeX_command_glued_to_its_argument_is_unglued()
    {
        Assert.Equal(["theta", "d", "4"], _analyzer.Terms("widetildeTheta(d^4)"));
        Assert.Equal(["theta"], _analyzer.Terms("widetildeTheta"));
    }

    [Fact]
    public void LaTeX_punctuation_separates_words()
    {
        Assert.Equal(["eta", "2propto", "d", "1"], _analyzer.Terms("eta_2propto d^{-1}"));
    }

    [Fact]
    public void The_same_text_always_gives_the_same_terms()
    {
        const string text = "They study the problem of learning hierarchical polynomials over the standard Gaussian distribution.";
        Assert.Equal(_analyzer.Terms(text), _analyzer.Terms(text));
        Assert.Equal(["studi", "problem", "learn", "hierarch", "polynomi", "over", "standard", "gaussian", "distribut"], _analyzer.Terms(text));
    }
}
