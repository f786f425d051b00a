using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Paperboy.Storage;

/// <summary>Lets <c>dotnet ef migrations add --context PaperboyDb</c> build the SQLite model without the host.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PaperboyDb>
{
    public PaperboyDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PaperboyDb>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresPaperboyDb</c> build the PostgreSQL model; it never connects.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPaperboyDb>
{
    public PostgresPaperboyDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresPaperboyDb>();
        options.UsePostgresStore("Host=localhost;Database=paperboy_design");
        return new(options.Options);
    }
}
