using System.Globalization;

/// <summary>The bench harnesses' "--name value" arguments (linked into each bench project).</summary>
sealed class Args
{
    private readonly Dictionary<string, string> _values = new();
    public static Args Parse(string[] args)
    {
        var a = new Args();
        for (int i = 0; i + 1 < args.Length; i += 2) a._values[args[i].TrimStart('-')] = args[i + 1];
        return a;
    }
    public string Get(string key, string fallback) => _values.TryGetValue(key, out var v) ? v : fallback;
    public int GetInt(string key, int fallback) => int.Parse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
    public int[] GetInts(string key, string fallback) => Get(key, fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
