using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Harvesting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Datasets",
                table: "papers",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Headline",
                table: "papers",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "UpdatedAt",
                table: "papers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "harvest_states",
                columns: table => new
                {
                    Source = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Watermark = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    RunFrom = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    RunUntil = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    Cursor = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RunNewest = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    LastRunAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastSuccessAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Pages = table.Column<int>(type: "INTEGER", nullable: false),
                    Read = table.Column<int>(type: "INTEGER", nullable: false),
                    Added = table.Column<int>(type: "INTEGER", nullable: false),
                    Merged = table.Column<int>(type: "INTEGER", nullable: false),
                    Unchanged = table.Column<int>(type: "INTEGER", nullable: false),
                    Deleted = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_harvest_states", x => x.Source);
                });

            migrationBuilder.CreateTable(
                name: "paper_bands",
                columns: table => new
                {
                    Key = table.Column<long>(type: "INTEGER", nullable: false),
                    PaperId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_paper_bands", x => new { x.Key, x.PaperId });
                });

            migrationBuilder.CreateTable(
                name: "paper_relations",
                columns: table => new
                {
                    PaperId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OtherId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Similarity = table.Column<double>(type: "REAL", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_paper_relations", x => new { x.PaperId, x.OtherId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_paper_bands_PaperId",
                table: "paper_bands",
                column: "PaperId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "harvest_states");

            migrationBuilder.DropTable(
                name: "paper_bands");

            migrationBuilder.DropTable(
                name: "paper_relations");

            migrationBuilder.DropColumn(
                name: "Datasets",
                table: "papers");

            migrationBuilder.DropColumn(
                name: "Headline",
                table: "papers");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "papers");
        }
    }
}
