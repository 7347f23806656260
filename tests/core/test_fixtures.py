"""Fixture folders: a Prisma history in, the last migration's down.sql out.

``PRISMA_DOWN_UPDATE_FIXTURES=1 pytest tests/core/test_fixtures.py`` (re)writes every
``expected.down.sql``; review the diff before committing it. Whether each expected file is
*right* is decided on a real PostgreSQL by ``tests/verify/test_fixtures_roundtrip.py``.
"""

from __future__ import annotations

import re

import pytest

from prisma_down.core.analysis import Step
from prisma_down.core.inverse import Risk
from tests.core.fixture_cases import (
    Case,
    assert_every_statement_fits,
    assert_expected,
    load,
    names,
)

CASES = names("postgres")


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    return load(request.param)


def test_there_are_cases() -> None:
    assert len(CASES) >= 40


def test_expected_down(case: Case) -> None:
    assert_expected(case)


def test_every_statement_fits(case: Case) -> None:
    assert_every_statement_fits(case)


# -- risks ---------------------------------------------------------------------------------


def _steps(case: Case, pattern: str) -> list[Step]:
    found = [s for s in case.last.steps if re.match(pattern, s.statement.text, re.I | re.S)]
    assert found, f"{case.name}: no statement of the last migration matches {pattern!r}"
    return found


def _line(case: Case, step: Step) -> int:
    return case.last.script.lines.position(step.statement.span.start).line + 1


def test_add_column_loses_data() -> None:
    case = load("add_column")
    (step,) = _steps(case, r"ALTER TABLE .* ADD COLUMN")
    assert step.risk is Risk.LOSES_DATA
    assert [i.risk for i in step.inverses] == [Risk.LOSES_DATA] * 3
    assert case.body.count("-- loses-data:") == 3


@pytest.mark.parametrize(
    "name",
    ["rename_table", "rename_column", "rename_index", "rename_constraint", "enum_rename_value"],
)
def test_renames_are_exact(name: str) -> None:
    case = load(name)
    steps = _steps(case, r"ALTER (TABLE|INDEX|TYPE) .* RENAME ")
    assert all(s.risk is Risk.EXACT for s in steps)
    assert "loses-data" not in case.body and "irreversible" not in case.body


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("update_irreversible", r"UPDATE "),
        ("delete_irreversible", r"DELETE "),
        ("truncate_irreversible", r"TRUNCATE "),
        ("insert_select_irreversible", r"INSERT INTO .*\sSELECT\s"),
        ("do_block_add_column", r"DO "),
    ],
)
def test_data_changes_are_irreversible(name: str, pattern: str) -> None:
    case = load(name)
    (step,) = _steps(case, pattern)
    assert step.risk is Risk.IRREVERSIBLE
    assert f"-- irreversible (up statement at line {_line(case, step)}):" in case.body
    # ... and every schema statement around it is still undone
    others = [s for s in case.last.steps if s is not step]
    assert others or name == "do_block_add_column"
    for other in others:
        assert other.risk is not Risk.IRREVERSIBLE, other.statement.text
        assert f"-- Undo line {_line(case, other)}:" in case.body


def test_update_keeps_the_schema_undo() -> None:
    body = load("update_irreversible").body
    assert 'DROP INDEX IF EXISTS "Post_slug_key";' in body
    assert 'ALTER TABLE IF EXISTS "Post" DROP COLUMN IF EXISTS "slug";' in body
    assert (
        body.index('DROP INDEX IF EXISTS "Post_slug_key"')
        < body.index("irreversible")
        < body.index('DROP COLUMN IF EXISTS "slug"')
    )


def test_do_block_column_is_dropped() -> None:
    body = load("do_block_add_column").body
    assert 'ALTER TABLE IF EXISTS "User" DROP COLUMN IF EXISTS "slug";' in body


def test_literal_inserts_become_deletes() -> None:
    case = load("insert_rows")
    steps = _steps(case, r"INSERT ")
    assert all(s.risk is Risk.EXACT for s in steps)
    assert """DELETE FROM "Setting" WHERE "key" IN ('theme', 'locale');""" in case.body
    assert 'DELETE FROM "User" WHERE "id" IN (1);' in case.body


def test_noops_undo_nothing() -> None:
    case = load("if_exists_noops")
    undone = [s for s in case.last.steps if any(i.changes for i in s.inverses)]
    # the first CREATE EXTENSION IF NOT EXISTS creates it (the history never did), the second not
    assert [s.statement.text for s in undone] == [
        'ALTER TABLE "User" ADD COLUMN IF NOT EXISTS "bio" TEXT',
        'CREATE EXTENSION IF NOT EXISTS "pg_trgm"',
    ]
    assert all(s.risk is not Risk.IRREVERSIBLE for s in case.last.steps)


def test_guarded_block_undoes_only_what_ran() -> None:
    case = load("do_block_guard")
    assert 'DROP CONSTRAINT IF EXISTS "Comment_postId_fkey"' in case.body
    assert "Post_authorId_fkey" not in case.body
