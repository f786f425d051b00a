using Microsoft.Data.Sqlite;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Cli;

/// <summary><c>paperboy admin create</c>: the first administrator, from the command line, without any mail.</summary>
public sealed class AdminCliTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Admin_create_makes_a_confirmed_administrator_once_and_refuses_bad_input()
    {
        using var dir = new TempDir();
        var created = await PaperboyCli.RunAsync(["admin", "create", "--data", dir.Path, "--email", "root@example.org", "--password-stdin"], Limit, "a long admin passphrase\n");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Contains("root@example.org is an administrator", created.Stdout);

        // Again: still one account, still an administrator.
        var again = await PaperboyCli.RunAsync(["admin", "create", "--data", dir.Path, "--email", "root@example.org", "--password-stdin"], Limit, "");
        Assert.Equal(0, again.ExitCode);

        await using (var db = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "paperboy.db")};Pooling=False"))
        {
            await db.OpenAsync();
            var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*), MIN(u.EmailConfirmed) FROM AspNetUsers u JOIN AspNetUserRoles ur ON ur.UserId = u.Id JOIN AspNetRoles r ON r.Id = ur.RoleId WHERE r.Name = 'admin'";
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(1L, reader.GetInt64(0));
            Assert.Equal(1L, reader.GetInt64(1));
        }

        var badEmail = await PaperboyCli.RunAsync(["admin", "create", "--data", dir.Path, "--email", "not-an-email", "--password-stdin"], Limit, "a long admin passphrase\n");
        Assert.Equal(1, badEmail.ExitCode);
        var shortPassword = await PaperboyCli.RunAsync(["admin", "create", "--data", dir.Path, "--email", "other@example.org", "--password-stdin"], Limit, "short\n");
        Assert.Equal(1, shortPassword.ExitCode);
        Assert.Contains("Password", shortPassword.Stderr);
    }
}
