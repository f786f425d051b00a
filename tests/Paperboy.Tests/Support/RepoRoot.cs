namespace Paperboy.Tests.Support;

/// <summary>The checkout the tests were built from: the folder above the test binaries that holds Paperboy.slnx.</summary>
public static class RepoRoot
{
    public static string Path
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Paperboy.slnx"))) return dir.FullName;
            throw new InvalidOperationException($"No Paperboy.slnx above {AppContext.BaseDirectory}");
        }
    }
}
