using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EnrichmentVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "EnrichmentVersion",
                table: "papers",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            // New rows are enriched by the version the default names; the rows already here were enriched by no known
            // version (or not at all), so they are marked 0 for EnrichmentBackfill to bring up to date.
            migrationBuilder.Sql("UPDATE papers SET \"EnrichmentVersion\" = 0;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EnrichmentVersion",
                table: "papers");
        }
    }
}
