"""CockroachDB: fixture folders in, down.sql out; every down.sql restores the catalog and parses.

There is no CockroachDB corpus and no server here: the histories are written the way
Prisma's CockroachDB migrations look (from knowledge of prisma-engines' PostgreSQL renderer
in its CockroachDB flavour: ``INT8``/``STRING``, ``unique_rowid()``, one ALTER TABLE per
clause, ``ALTER TYPE "X"DROP VALUE``, type changes as DROP + ADD COLUMN, ``ALTER PRIMARY
KEY USING COLUMNS``), not copied from real projects. Each expected.down.sql was checked by
hand against the CockroachDB documentation (cockroachlabs.com/docs/stable: ALTER TYPE (ADD
VALUE … BEFORE, DROP VALUE), ALTER TABLE (ADD/DROP COLUMN, ALTER COLUMN SET/DROP NOT NULL
and DEFAULT, ALTER PRIMARY KEY USING COLUMNS), ALTER INDEX
RENAME, CREATE/DROP INDEX). Mechanically: up then down gives back the catalog from before,
and sqlglot (``read="postgres"``) parses every statement. ALTER PRIMARY KEY: "the old primary
key index becomes a UNIQUE secondary index" (ALTER PRIMARY KEY, Details); ALTER SEQUENCE and
CREATE SEQUENCE's defaults (INCREMENT 1, MINVALUE 1, MAXVALUE the type's maximum, START at
MINVALUE, CACHE 1, NO CYCLE), for ascending sequences.
"""

from __future__ import annotations

import logging

import pytest
import sqlglot

from prisma_down.core.analysis import Analyzer, replay
from prisma_down.core.catalog import Catalog
from prisma_down.core.compare import differences
from prisma_down.core.down import generate
from prisma_down.core.inverse import Risk
from prisma_down.core.schema import QName
from prisma_down.core.statements import split
from tests.core.fixture_cases import Case, assert_expected, body, load, names

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


def test_primary_key_change_is_one_statement_and_drops_the_kept_indexes() -> None:
    body = load("alter_primary_key", DIALECT).body
    assert 'ALTER TABLE "Membership" ALTER PRIMARY KEY USING COLUMNS ("id");' in body
    assert "CONSTRAINT" not in body
    back = body.index('ALTER PRIMARY KEY USING COLUMNS ("id")')
    # the way back keeps ("userId", "groupId") as an index; the up kept ("id")
    assert back < body.index('DROP INDEX "Membership_userId_groupId_key";')
    assert back < body.index('DROP INDEX "Membership_id_key";')


def test_primary_key_change_keeps_the_old_columns_as_a_unique_index() -> None:
    case = load("alter_primary_key", DIALECT)
    ix = case.last.after.index(QName("", "Membership_id_key"))
    assert ix is not None and ix.unique
    assert [e.column for e in ix.elements] == ["id"]
    (pk,) = [
        k for k in case.last.after.tables[QName("", "Membership")].constraints if k.kind == "p"
    ]
    assert (pk.name, pk.columns) == ("Membership_pkey", ("userId", "groupId"))


def test_no_index_is_kept_where_a_unique_one_exists() -> None:
    case = load("alter_primary_key_unique", DIALECT)
    assert "Membership_userId_groupId_key" not in case.body  # it was there before: it stays
    assert 'DROP INDEX "Membership_id_key";' in case.body


def _last(*ups: str) -> tuple[str, Catalog, Catalog, Risk]:
    analyses = Analyzer(dialect=DIALECT).analyse(list(ups))
    up = analyses[-1]
    down = generate("x", ups[-1], up, DIALECT)
    back = replay(down, DIALECT, up.after)
    return body(down), up.before, back.after, max((s.risk for s in up.steps), key=lambda r: r.rank)


def test_primary_key_of_a_rowid_table_is_irreversible() -> None:
    text, _, _, risk = _last(
        'CREATE TABLE "T" ("a" INT8 NOT NULL, "b" STRING);',
        'ALTER TABLE "T" ALTER PRIMARY KEY USING COLUMNS ("a");',
    )
    assert risk is Risk.IRREVERSIBLE
    assert "rowid" in text


def test_sequence_options_are_compared() -> None:
    analyses = Analyzer(dialect=DIALECT).analyse(
        ['CREATE SEQUENCE "s" MAXVALUE 100;', 'ALTER SEQUENCE "s" MAXVALUE 200 CACHE 5;']
    )
    up = analyses[-1]
    assert differences(up.before, up.after) == [
        'option CACHE of sequence "s" is CACHE 1 before, CACHE 5 after down.sql',
        'option MAXVALUE of sequence "s" is MAXVALUE 100 before, MAXVALUE 200 after down.sql',
    ]
    # defaults written out are the same options as defaults left unset
    same = Analyzer(dialect=DIALECT).analyse(
        ['CREATE SEQUENCE "s";', 'ALTER SEQUENCE "s" INCREMENT 1 MINVALUE 1 NO CYCLE CACHE 1;']
    )[-1]
    assert differences(same.before, same.after) == []


def test_sequence_restart_is_not_put_back() -> None:
    text, before, after, risk = _last(
        'CREATE SEQUENCE "s" INCREMENT 2;', 'ALTER SEQUENCE "s" INCREMENT 3 RESTART WITH 50;'
    )
    assert risk is Risk.LOSES_DATA
    assert 'ALTER SEQUENCE "s" INCREMENT 2;' in text
    assert differences(before, after) == []
    text, _, _, risk = _last('CREATE SEQUENCE "s";', 'ALTER SEQUENCE "s" RESTART;')
    assert risk is Risk.IRREVERSIBLE


def test_dropped_sequence_comes_back_with_its_altered_options() -> None:
    text, before, after, _ = _last(
        'CREATE SEQUENCE "s" MAXVALUE 100;',
        'ALTER SEQUENCE "s" START 10 MINVALUE 10 NO MAXVALUE;',
        'DROP SEQUENCE "s";',
    )
    assert 'CREATE SEQUENCE "s" MAXVALUE 9223372036854775807' not in text
    assert 'CREATE SEQUENCE "s" NO MAXVALUE START 10 MINVALUE 10;' in text
    assert differences(before, after) == []


def test_sequence_of_unknown_history_is_irreversible() -> None:
    _, _, _, risk = _last('ALTER SEQUENCE "elsewhere" MAXVALUE 9;')
    assert risk is Risk.IRREVERSIBLE
