namespace Paperboy.Tests.Support;

/// <summary>
/// Tests that hold the app to a time limit the issues name (say, "searchable on node B within 2 s") run in this
/// collection, which xUnit runs after the others and alone: the limit then measures Paperboy, not the rest of the suite.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
