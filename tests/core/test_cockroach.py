"""CockroachDB: fixture folders in, down.sql out; every down.sql restores the catalog and parses.

There is no CockroachDB corpus and no server here: the histories are written the way
Prisma's CockroachDB migrations look (from knowledge of prisma-engines' PostgreSQL renderer
in its CockroachDB flavour: ``INT8``/``STRING``, ``unique_rowid()``, one ALTER TABLE per
clause, ``ALTER TYPE "X"DROP VALUE``, type changes as DROP + ADD COLUMN, ``ALTER PRIMARY
KEY USING COLUMNS``), not copied from real projects. Each expected.down.sql was checked by
hand against the CockroachDB documentation (cockroachlabs.com/docs/stable: ALTER TYPE (ADD
VALUE … BEFORE, DROP VALUE), ALTER TABLE (ADD/DROP COLUMN, ALTER COLUMN SET/DROP NOT NULL
and DEFAULT, DROP CONSTRAINT + ADD CONSTRAINT PRIMARY KEY in one transaction), ALTER INDEX
RENAME, CREATE/DROP INDEX). Mechanically: up then down gives back the catalog from before,
and sqlglot (``read="postgres"``) parses every statement.
"""

from __future__ import annotations

import logging

import pytest
import sqlglot

from prisma_down.core.analysis import replay
from prisma_down.core.compare import differences
from prisma_down.core.inverse import Risk
from prisma_down.core.statements import split
from tests.core.fixture_cases import Case, assert_expected, load, names

DIALECT = "cockroachdb"
CASES = names(DIALECT)
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    return load(request.param, DIALECT)


def test_there_are_cases() -> None:
    assert len(CASES) >= 10


def test_expected_down(case: Case) -> None:
    assert_expected(case)


def test_every_statement_fits(case: Case) -> None:
    for migration, analysis in zip(case.history.migrations, case.analyses, strict=True):
        for step in analysis.steps:
            where = f"{migration.name}: {step.statement.text[:80]!r}"
            assert step.reading.problem is None, f"{where}: {step.reading.problem}"
            assert not step.problems, f"{where}: {step.problems}"
            assert step.risk is not Risk.IRREVERSIBLE, where


def test_down_restores_the_catalog(case: Case) -> None:
    for (name, _, down), up in zip(case.migrations(), case.analyses, strict=True):
        back = replay(down, DIALECT, up.after)
        assert not [s.problems for s in back.steps if s.problems], name
        assert differences(up.before, back.after) == [], name


def test_down_parses(case: Case) -> None:
    for down in case.downs:
        for st in split(down, DIALECT).statements:
            sqlglot.parse_one(st.text, read="postgres")  # raises on a parse error


def test_added_enum_value_is_dropped() -> None:
    body = load("enum_add_value", DIALECT).body
    assert "ALTER TYPE \"Role\" DROP VALUE 'EDITOR';" in body
    assert "Role_new" not in body


def test_dropped_enum_value_comes_back_in_place() -> None:
    body = load("enum_drop_value", DIALECT).body
    assert "ALTER TYPE \"Role\" ADD VALUE 'MODERATOR' BEFORE 'ADMIN';" in body


def test_type_change_is_drop_and_add_and_loses_data() -> None:
    case = load("alter_column_type", DIALECT)
    (step,) = case.last.steps
    assert step.risk is Risk.LOSES_DATA
    drop = case.body.index('ALTER TABLE "User" DROP COLUMN "name";')
    assert drop < case.body.index('ALTER TABLE "User" ADD COLUMN "name" STRING;')


def test_primary_key_change_is_undone() -> None:
    body = load("alter_primary_key", DIALECT).body
    assert 'ALTER TABLE "Membership" DROP CONSTRAINT "Membership_pkey";' in body
    assert 'ADD CONSTRAINT "Membership_pkey" PRIMARY KEY ("id");' in body
