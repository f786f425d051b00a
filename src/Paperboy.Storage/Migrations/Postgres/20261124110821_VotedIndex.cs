using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Paperboy.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class VotedIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_papers_Voted_BoardDate",
                table: "papers",
                column: "BoardDate",
                filter: "\"Upvotes\" + \"MemberVotes\" > 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_papers_Voted_BoardDate",
                table: "papers");
        }
    }
}
