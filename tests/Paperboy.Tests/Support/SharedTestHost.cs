namespace Paperboy.Tests.Support;

/// <summary>One <see cref="TestHost"/> (demo corpus) shared by all tests of a class: <c>IClassFixture&lt;SharedTestHost&gt;</c>.</summary>
public sealed class SharedTestHost : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;
    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => Host = await TestHost.StartAsync();
    public async Task DisposeAsync() => await Host.DisposeAsync();
}
