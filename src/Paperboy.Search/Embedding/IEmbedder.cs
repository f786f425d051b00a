namespace Paperboy.Search.Embedding;

/// <summary>
/// Turns texts into L2-normalised vectors. <see cref="Identity"/> (kind, model and dimension) changes whenever the
/// vectors would, and the semantic index is rebuilt when it does. Implementations: <see cref="LsaModel"/> (trained on
/// our corpus, the default), an ONNX sentence-transformers model, or an OpenAI-compatible HTTP endpoint.
/// </summary>
public interface IEmbedder
{
    string Identity { get; }
    int Dimension { get; }

    /// <summary>One unit vector per text, in order; null for a text the embedder can say nothing about.</summary>
    Task<float[]?[]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct = default);
}

/// <summary>Thrown when an embedder returns something unusable (NaN, wrong dimension, wrong count); nothing is indexed from that batch.</summary>
public sealed class EmbedderException(string message, Exception? inner = null) : Exception(message, inner);

public static class EmbedderText
{
    /// <summary>What is embedded for a paper: the title (twice, as it says the most), then the abstract.</summary>
    public static string Of(string title, string @abstract) => title + ". " + title + ". " + @abstract;

    /// <summary>Checks and L2-normalises a vector from an outside model; throws <see cref="EmbedderException"/> when it is unusable.</summary>
    public static float[] Checked(float[] v, int dimension, string source)
    {
        if (v.Length != dimension) throw new EmbedderException($"{source} returned a vector of dimension {v.Length}; expected {dimension}");
        double norm = 0;
        foreach (var x in v)
        {
            if (!float.IsFinite(x)) throw new EmbedderException($"{source} returned a vector containing NaN or infinity");
            norm += (double)x * x;
        }
        if (norm <= 1e-24) throw new EmbedderException($"{source} returned a zero vector");
        var inv = (float)(1 / Math.Sqrt(norm));
        var result = new float[v.Length];
        for (var i = 0; i < v.Length; i++) result[i] = v[i] * inv;
        return result;
    }
}
