namespace Paperboy.Search.Embedding;

/// <summary>Turns text into an L2-normalised vector. <see cref="Identity"/> changes whenever the vectors would.</summary>
public interface IEmbedder
{
    string Identity { get; }
    int Dimension { get; }

    /// <summary>The unit vector of a text, or null when the embedder knows none of its words.</summary>
    float[]? Embed(string text);
}

public static class EmbedderText
{
    /// <summary>What is embedded for a paper: the title, then the abstract.</summary>
    public static string Of(string title, string @abstract) => title + ". " + title + ". " + @abstract;
}
