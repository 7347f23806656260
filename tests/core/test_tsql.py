"""SQL Server: fixture folders in, down.sql out; every down.sql restores the catalog and parses.

No SQL Server runs here. Each expected.down.sql was checked by hand against the SQL Server
documentation (learn.microsoft.com/sql/t-sql): ALTER TABLE (ADD … DEFAULT … FOR, ALTER
COLUMN restating type and NULL/NOT NULL, DROP CONSTRAINT / COLUMN, WITH NOCHECK), CREATE
INDEX (CLUSTERED/NONCLUSTERED, filtered WHERE), DROP INDEX … ON, sp_rename (COLUMN, INDEX,
OBJECT), sp_executesql, SET IDENTITY_INSERT, TRY…CATCH, THROW; the wrapper and the
``_prisma_new_`` redefinition are Prisma's own, as written in the corpus's migrations.
Mechanically: up then down gives back the catalog from before (``compare.differences``),
and sqlglot (``read="tsql"``) parses every statement once the wrapper is set aside.
"""

from __future__ import annotations

import logging

import pytest
import sqlglot

from prisma_down.core.analysis import replay
from prisma_down.core.compare import differences
from prisma_down.core.dialects.tsql.render import wrap
from prisma_down.core.dialects.tsql.split import split_tsql
from prisma_down.core.inverse import Risk
from tests.core.fixture_cases import (
    Case,
    assert_every_statement_fits,
    assert_expected,
    load,
    names,
)

DIALECT = "tsql"
CASES = names(DIALECT)
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    return load(request.param, DIALECT)


def test_there_are_cases() -> None:
    assert len(CASES) >= 15


def test_expected_down(case: Case) -> None:
    assert_expected(case)


def test_every_statement_fits(case: Case) -> None:
    assert_every_statement_fits(case)


def test_down_restores_the_catalog(case: Case) -> None:
    for (name, _, down), up in zip(case.migrations(), case.analyses, strict=True):
        back = replay(down, DIALECT, up.after)
        assert not [s.problems for s in back.steps if s.problems], name
        assert differences(up.before, back.after) == [], name


def statements(down: str) -> list[str]:
    """A down.sql's statements, the wrapper set aside and a redefinition taken apart."""
    out = []
    for st in split_tsql(down).statements:
        out += [x.text for x in split_tsql(st.text, group=False).statements]
    return out


def test_down_parses(case: Case) -> None:
    for down in case.downs:
        for sql in statements(down):
            sqlglot.parse_one(sql, read="tsql")  # raises on a parse error


# -- the wrapper, the idioms ---------------------------------------------------------------


def test_wrapper_is_set_aside_and_written_back() -> None:
    case = load("rename_column", DIALECT)
    assert [s.statement.text for s in case.last.steps] == [
        "EXEC sp_rename 'dbo.Post.content', 'body', 'COLUMN'"
    ]
    assert case.body.startswith("BEGIN TRY\n\nBEGIN TRAN;\n\n")
    assert case.body.endswith(wrap("").removeprefix("BEGIN TRY\n\nBEGIN TRAN;\n\n"))
    assert "EXEC SP_RENAME N'dbo.Post.body', N'content', N'COLUMN';" in case.body


def test_statements_without_semicolons() -> None:
    case = load("update_irreversible", DIALECT)
    texts = [s.statement.text.split()[0] for s in case.last.steps]
    assert texts == ["ALTER", "UPDATE", "ALTER"]
    update = case.last.steps[1]
    assert update.risk is Risk.IRREVERSIBLE
    assert all(s.risk is not Risk.IRREVERSIBLE for s in case.last.steps if s is not update)


def test_redefinition_is_one_statement_undone_by_a_redefinition() -> None:
    case = load("redefine_table", DIALECT)
    (block,) = [s for s in case.last.steps if s.statement.text.startswith("BEGIN TRANSACTION")]
    assert block.risk is Risk.EXACT
    assert "DROP TABLE [dbo].[User];" in case.body
    assert "[id] INT NOT NULL IDENTITY(1,1)," in case.body
    assert "SET IDENTITY_INSERT [dbo].[_prisma_new_User] ON;" in case.body
    assert "drop-without-rename" not in case.body


def test_defaults_come_back_as_named_constraints() -> None:
    body = load("drop_column_with_default", DIALECT).body
    add = body.index("ALTER TABLE [dbo].[Post] ADD [views] INT NOT NULL;")
    assert add < body.index("ADD CONSTRAINT [Post_views_df] DEFAULT 0 FOR [views];")
    body = load("drop_table", DIALECT).body
    assert "[role] NVARCHAR(1000) NOT NULL CONSTRAINT [User_role_df] DEFAULT 'USER'," in body


def test_added_column_goes_after_its_default() -> None:
    body = load("add_column_with_default", DIALECT).body
    drop_df = body.index("DROP CONSTRAINT [User_active_df]")
    assert drop_df < body.index("DROP COLUMN [active]")


def test_procedure_runs_through_sp_executesql_when_restored() -> None:
    case = load("procedure", DIALECT)
    assert "DROP PROCEDURE [dbo].[spTouchPosts];" in case.body
