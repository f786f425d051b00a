using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BoardsRankFromIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_papers_BoardDate_Upvotes",
                table: "papers");

            migrationBuilder.DropIndex(
                name: "IX_papers_Voted_BoardDate",
                table: "papers");

            migrationBuilder.CreateIndex(
                name: "IX_papers_Board",
                table: "papers",
                columns: new[] { "BoardDate", "Upvotes", "MemberVotes", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_papers_Voted_BoardDate",
                table: "papers",
                columns: new[] { "BoardDate", "Upvotes", "MemberVotes", "Id" },
                filter: "\"Upvotes\" + \"MemberVotes\" > 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_papers_Board",
                table: "papers");

            migrationBuilder.DropIndex(
                name: "IX_papers_Voted_BoardDate",
                table: "papers");

            migrationBuilder.CreateIndex(
                name: "IX_papers_BoardDate_Upvotes",
                table: "papers",
                columns: new[] { "BoardDate", "Upvotes" });

            migrationBuilder.CreateIndex(
                name: "IX_papers_Voted_BoardDate",
                table: "papers",
                column: "BoardDate",
                filter: "\"Upvotes\" + \"MemberVotes\" > 0");
        }
    }
}
