using Paperboy.Core.Papers;
using Paperboy.Tests.Import;

namespace Paperboy.Tests.Enrichment;

/// <summary>Headline sentences, dataset names and code links, on real abstracts of the demo corpus.</summary>
public sealed class EnrichmentTests
{
    private static readonly IReadOnlyList<Paper> Corpus = new[] { "000", "001", "002", "003", "004" }.SelectMany(p => Seeds.Read(p)).ToList();

    private static Paper Titled(string start) => Corpus.First(p => p.Title.StartsWith(start, StringComparison.Ordinal));

    [Fact]
    public void The_headline_is_the_sentence_with_the_main_result()
    {
        var rq = Titled("Rayleigh Quotient Graph Neural Networks");
        Assert.Equal("Extensive experiments on 10 real-world datasets show that RQGNN outperforms the best rival by 6.74% in Macro-F1 score and 1.44% in AUC, demonstrating the effectiveness of our framework.",
            HeadlineSentence.Find(rq.Abstract));
    }

    [Fact]
    public void An_abstract_without_a_quantitative_result_has_no_headline()
    {
        // Counts such as "on 10 datasets" or "order s" are not results; neither abstract states one.
        Assert.Null(HeadlineSentence.Find(Titled("Phemenological Modelling of a Group").Abstract));
        Assert.Null(HeadlineSentence.Find("We run experiments on 10 datasets and 3 tasks. Our method is better than the baselines."));
    }

    [Theory]
    [InlineData("We release a 7B model trained on 2 trillion tokens. It outperforms Llama-2 13B on 12 of 14 benchmarks.", null)]
    [InlineData("Our sampler is 3.5x faster than DDIM. Code is public.", "Our sampler is 3.5x faster than DDIM.")]
    [InlineData("FID improves from 9.1 to 7.3, e.g. a 20% gain over the baseline. We also study ablations.", "FID improves from 9.1 to 7.3, e.g. a 20% gain over the baseline.")]
    [InlineData("Results on ImageNet 64 times 64 are strong. We beat all baselines.", null)]
    public void Figures_need_a_unit_and_a_comparison(string text, string? expected) => Assert.Equal(expected, HeadlineSentence.Find(text));

    [Fact]
    public void Headlines_are_found_on_a_fifth_of_the_demo_corpus()
    {
        var found = Corpus.DistinctBy(p => p.Title).Count(p => HeadlineSentence.Find(p.Abstract) is not null);
        Assert.InRange(found, 40, 80); // 55 of 257 when written: only abstracts that state a figure against something
    }

    [Fact]
    public void Datasets_named_in_real_abstracts_are_found_once_under_their_usual_name()
    {
        Assert.Equal(["GSM8K", "MetaMathQA"], DatasetNames.Find(Corpus.First(p => p.Abstract.Contains("the MetaMathQA dataset")).Abstract));
        Assert.Equal(["UK Biobank"], DatasetNames.Find(Corpus.First(p => p.Abstract.Contains("UK Biobank MRI dataset")).Abstract));
        Assert.Contains("Long Range Arena", DatasetNames.Find(Corpus.First(p => p.Abstract.Contains("Long-Range Arena benchmark")).Abstract));
        Assert.Equal(["CIFAR-10"], DatasetNames.Find("We train on CIFAR10 and on the CIFAR-10 dataset."));
    }

    [Theory]
    [InlineData("We evaluate on the proposed dataset and on a new benchmark.")]
    [InlineData("the math of the Our Large dataset is simple")]
    [InlineData("We study the cora of the problem on a public benchmark.")]
    public void Ordinary_words_before_dataset_are_not_dataset_names(string text) => Assert.Empty(DatasetNames.Find(text));

    [Fact]
    public void Repository_links_without_a_scheme_are_code_links()
    {
        var climate = Corpus.First(p => p.Abstract.Contains("github.com/blutjens/climate-emulator", StringComparison.Ordinal));
        Assert.Contains(new PaperLink(PaperLink.Code, "https://github.com/blutjens/climate-emulator"), CodeLinks.Find(climate.Abstract));
        var geo = Corpus.First(p => p.Abstract.Contains("www.github.com/marccoru/locationencoder", StringComparison.Ordinal));
        Assert.Contains(new PaperLink(PaperLink.Code, "https://www.github.com/marccoru/locationencoder"), CodeLinks.Find(geo.Abstract));
        Assert.Equal([new PaperLink(PaperLink.Code, "https://github.com/a/b")], CodeLinks.Find("see https://github.com/a/b."));
    }

    [Fact]
    public void Every_import_path_enriches_the_papers_it_stores()
    {
        var folded = Core.Import.ImportBatch.Fold(Seeds.Read("004"));
        var rq = folded.Single(p => p.Title.StartsWith("Rayleigh Quotient Graph Neural Networks", StringComparison.Ordinal));
        Assert.Contains("6.74% in Macro-F1", rq.Headline);
    }
}
