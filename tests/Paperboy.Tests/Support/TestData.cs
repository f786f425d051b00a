namespace Paperboy.Tests.Support;

/// <summary>Paths of the fixtures under testdata/ and of the bundled demo corpus.</summary>
public static class TestData
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "testdata");
    public static string File(string name) => Path.Combine(Dir, name);
    public static IReadOnlyList<string> SeedPages => Paperboy.Hosting.DemoCorpus.Files;
}
