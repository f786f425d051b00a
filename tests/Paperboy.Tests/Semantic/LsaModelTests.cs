using Paperboy.Core.Import;
using Paperboy.Search.Embedding;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Semantic;

public sealed class LsaModelTests
{
    private static readonly Lazy<List<string>> Corpus = new(() =>
        TestData.SeedPages.SelectMany(f => HfPageReader.Read(ImportSource.FromFile(f), new DateOnly(2026, 1, 1)))
            .GroupBy(p => p.Id).Select(g => EmbedderText.Of(g.First().Title, g.First().Abstract)).ToList());

    private static readonly Lazy<LsaModel> Model = new(() => LsaModel.Train(Corpus.Value));

    [Fact]
    public void Training_twice_on_the_same_corpus_gives_the_same_model()
    {
        var again = LsaModel.Train(Corpus.Value);
        Assert.Equal(Model.Value.Identity, again.Identity);
        Assert.Equal(Model.Value.Embed("graph anomaly detection"), again.Embed("graph anomaly detection"));
    }

    [Fact]
    public void Embeddings_are_unit_vectors_of_the_model_dimension()
    {
        var v = Model.Value.Embed("diffusion models for image generation")!;
        Assert.Equal(Model.Value.Dimension, v.Length);
        Assert.InRange(Math.Sqrt(v.Sum(x => (double)x * x)), 0.999, 1.001);
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void A_small_corpus_gets_a_reduced_space_not_one_dimension_per_document()
    {
        Assert.InRange(Model.Value.Dimension, 8, Corpus.Value.Count / 2);
    }

    [Fact]
    public void Text_with_no_known_word_has_no_vector()
    {
        Assert.Null(Model.Value.Embed("zzqx wvvy"));
        Assert.Null(Model.Value.Embed("the of and"));
    }

    [Fact]
    public void Related_texts_are_closer_than_unrelated_ones()
    {
        var m = Model.Value;
        static float Dot(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();
        var anomaly = m.Embed("anomaly detection on graphs with spectral graph neural networks")!;
        var graph = m.Embed("graph neural networks for detecting anomalous graphs")!;
        var stars = m.Embed("eclipsing binary stars light curve modelling")!;
        Assert.True(Dot(anomaly, graph) > Dot(anomaly, stars) + 0.2f);
    }

    [Fact]
    public void A_saved_model_loads_back_identical_and_a_damaged_file_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("lsa.model");
        Model.Value.Save(path);
        var loaded = LsaModel.Load(path)!;
        Assert.Equal(Model.Value.Identity, loaded.Identity);
        Assert.Equal(Model.Value.Embed("quantile regression"), loaded.Embed("quantile regression"));

        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.Null(LsaModel.Load(path));

        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        Assert.Null(LsaModel.Load(path));
    }
}
