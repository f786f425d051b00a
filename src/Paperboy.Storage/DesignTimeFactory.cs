using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Paperboy.Storage;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the host.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PaperboyDb>
{
    public PaperboyDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PaperboyDb>().UseSqlite("Data Source=design.db").Options);
}
