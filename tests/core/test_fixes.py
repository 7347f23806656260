"""core.fixes: the archive rewrite is the engine's own SQL, and reads back as what it means.

Each case is a two-migration history of its own (the first creates, the second drops);
the rewrite of every statement of the second is compared with the SQL that engine takes.
PostgreSQL's expected texts are what the language server wrote before the rewrite moved
into the core: they must not change.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlglot

from prisma_down.core import fixes
from prisma_down.core.analysis import Analyzer
from prisma_down.core.history import load_history
from prisma_down.core.lint import analyse_history
from prisma_down.core.rules.context import MigrationContext

FIXES = Path(fixes.__file__)


def context(root: Path, provider: str, init: str, drop: str) -> MigrationContext:
    migrations = root / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text(f'provider = "{provider}"\n')
    for name, text in (("1_init", init), ("2_drop", drop)):
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(text)
    history = load_history(migrations)
    return analyse_history(history, Analyzer(history.dialect))[-1]


def rewrites(ctx: MigrationContext) -> list[str | None]:
    return [fixes.archive_rewrite(ctx, s.statement) for s in ctx.up.steps]


PG_INIT = (
    'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "bio" TEXT, "nick" TEXT);\n'
    'CREATE TABLE "Tag" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
    'CREATE TABLE "Old_archived" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
)
PG_CASES = [
    (
        'ALTER TABLE "User" DROP COLUMN "bio";',
        ['ALTER TABLE "User" RENAME COLUMN "bio" TO "bio_archived"'],
    ),
    (
        'ALTER TABLE "User" DROP COLUMN "bio", ADD COLUMN "x" INTEGER, DROP COLUMN "nick";',
        [
            'ALTER TABLE "User" RENAME COLUMN "bio" TO "bio_archived";\n'
            'ALTER TABLE "User" ADD COLUMN "x" INTEGER;\n'
            'ALTER TABLE "User" RENAME COLUMN "nick" TO "nick_archived"'
        ],
    ),
    ('DROP TABLE "Tag";', ['ALTER TABLE "Tag" RENAME TO "Tag_archived"']),
    ('DROP TABLE IF EXISTS "Tag";', ['ALTER TABLE IF EXISTS "Tag" RENAME TO "Tag_archived"']),
    (
        'DROP TABLE IF EXISTS "Tag", "Old_archived" CASCADE;',
        [
            'DROP TABLE IF EXISTS "Old_archived" CASCADE;\n'
            'ALTER TABLE IF EXISTS "Tag" RENAME TO "Tag_archived"'
        ],
    ),
    ('ALTER TABLE IF EXISTS "User" DROP COLUMN "bio", ADD COLUMN "x" INT;', [None]),
    ('DROP TABLE "Old_archived";', [None]),  # already an archive: nothing to keep
]


@pytest.mark.parametrize("provider", ["postgresql", "cockroachdb"])
@pytest.mark.parametrize(("drop", "expected"), PG_CASES)
def test_postgres_rewrites_are_unchanged(
    tmp_path: Path, provider: str, drop: str, expected: list[str | None]
) -> None:
    assert rewrites(context(tmp_path, provider, PG_INIT, drop + "\n")) == expected


def test_no_rename_onto_a_name_already_taken(tmp_path: Path) -> None:
    """The rename would fail on the database ("Tag_archived" exists): not offered."""
    init = PG_INIT + 'CREATE TABLE "Tag_archived" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
    assert rewrites(context(tmp_path, "postgresql", init, 'DROP TABLE "Tag";\n')) == [None]


MY_INIT = (
    "CREATE TABLE `User` (`id` INTEGER NOT NULL, `bio` TEXT NULL, `nick` TEXT NULL, "
    "PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
    "CREATE TABLE `Tag` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\n"
)


def test_mysql_renames_with_backticks_and_its_own_statements(tmp_path: Path) -> None:
    drop = (
        "ALTER TABLE `User` DROP COLUMN `bio`, ADD COLUMN `x` INTEGER NULL;\n"
        "ALTER TABLE `User` DROP COLUMN `nick`;\n"
        "DROP TABLE `Tag`;\n"
    )
    assert rewrites(context(tmp_path, "mysql", MY_INIT, drop)) == [
        "ALTER TABLE `User` RENAME COLUMN `bio` TO `bio_archived`;\n"
        "ALTER TABLE `User` ADD COLUMN `x` INTEGER NULL",
        "ALTER TABLE `User` RENAME COLUMN `nick` TO `nick_archived`",
        "RENAME TABLE `Tag` TO `Tag_archived`",
    ]


def test_mysql_keeps_if_exists_in_a_form_mysql_runs(tmp_path: Path) -> None:
    """MySQL has no ALTER TABLE IF EXISTS (MariaDB has): the guard is the renderer's."""
    (got,) = rewrites(context(tmp_path, "mysql", MY_INIT, "DROP TABLE IF EXISTS `Tag`;\n"))
    assert got is not None and "IF EXISTS `Tag`" not in got
    assert "TABLE_NAME = 'Tag'" in got and "'RENAME TABLE `Tag` TO `Tag_archived`'" in got


TS_INIT = (
    "CREATE TABLE [dbo].[User] ([id] INT NOT NULL, [bio] NVARCHAR(1000), "
    "[nick] NVARCHAR(1000) CONSTRAINT [User_nick_df] DEFAULT 'a', "
    "CONSTRAINT [User_pkey] PRIMARY KEY CLUSTERED ([id]));\n"
    "CREATE TABLE [dbo].[Tag] ([id] INT NOT NULL);\n"
)


def test_sql_server_renames_with_sp_rename(tmp_path: Path) -> None:
    drop = (
        "ALTER TABLE [dbo].[User] DROP CONSTRAINT [User_nick_df], COLUMN [bio];\n"
        "ALTER TABLE [dbo].[User] DROP COLUMN [nick];\n"
        "DROP TABLE [dbo].[Tag];\n"
    )
    got = rewrites(context(tmp_path, "sqlserver", TS_INIT, drop))
    assert got == [
        "ALTER TABLE [dbo].[User] DROP CONSTRAINT [User_nick_df];\n"
        "EXEC SP_RENAME N'dbo.User.bio', N'bio_archived', N'COLUMN'",
        "EXEC SP_RENAME N'dbo.User.nick', N'nick_archived', N'COLUMN'",
        "EXEC SP_RENAME N'dbo.Tag', N'Tag_archived'",
    ]
    for text in got:
        assert text is not None
        for sql in text.split(";\n"):
            assert sqlglot.parse_one(sql, read="tsql") is not None


def test_sql_server_splits_a_column_list(tmp_path: Path) -> None:
    """``DROP COLUMN a, b``: the second clause is no statement of its own (it was written
    as ``ALTER TABLE [dbo].[User] [nick]``)."""
    drop = "ALTER TABLE [dbo].[User] DROP COLUMN [bio], [nick];\n"
    assert rewrites(context(tmp_path, "sqlserver", TS_INIT, drop)) == [
        "EXEC SP_RENAME N'dbo.User.bio', N'bio_archived', N'COLUMN';\n"
        "EXEC SP_RENAME N'dbo.User.nick', N'nick_archived', N'COLUMN'"
    ]


def test_sql_server_fix_is_not_offered_for_a_name_it_cannot_write(tmp_path: Path) -> None:
    """A backslash ending a line inside an N'...' literal is a line continuation."""
    init = "CREATE TABLE [dbo].[T] ([id] INT NOT NULL, [a\\\nb] INT);\n"
    ctx = context(tmp_path, "sqlserver", init, "ALTER TABLE [dbo].[T] DROP COLUMN [a\\\nb];\n")
    (step,) = ctx.up.steps
    assert fixes.archive_names(ctx, step.statement) == ["a\\\nb"]
    assert fixes.archive_rewrite(ctx, step.statement) is None


def test_sqlite_renames_without_if_exists(tmp_path: Path) -> None:
    """SQLite has no ALTER TABLE IF EXISTS: the table, there in the history, is renamed."""
    init = (
        'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "bio" TEXT);\n'
        'CREATE TABLE "Tag" ("id" INTEGER NOT NULL PRIMARY KEY);\n'
    )
    drop = 'ALTER TABLE "User" DROP COLUMN "bio";\nDROP TABLE IF EXISTS "Tag";\n'
    assert rewrites(context(tmp_path, "sqlite", init, drop)) == [
        'ALTER TABLE "User" RENAME COLUMN "bio" TO "bio_archived"',
        'ALTER TABLE "Tag" RENAME TO "Tag_archived"',
    ]


def _module_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_fixes_is_core_only_and_names_no_engine() -> None:
    assert not any(m.startswith("prisma_down.lsp") for m in _module_imports(FIXES))
    strings = {
        n.value.lower()
        for n in ast.walk(ast.parse(FIXES.read_text()))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    engines = {"postgres", "postgresql", "cockroachdb", "mysql", "sqlite", "tsql", "sqlserver"}
    assert not strings & engines
