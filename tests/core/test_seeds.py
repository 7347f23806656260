"""INSERT … SELECT into a table that had rows: which columns a query yields again, and when
down.sql deletes the rows by them (the round trips: tests/verify/test_seed_rows.py)."""

from __future__ import annotations

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.inverse import Risk
from prisma_down.core.read import read_statement
from tests.core.fixture_cases import load

T = 'INSERT INTO "T" ("k", "v") '


@pytest.mark.parametrize(
    ("dialect", "sql", "stable"),
    [
        ("postgres", T + 'SELECT "a", MAX("b") FROM "S" GROUP BY "a"', ("k", "v")),
        ("postgres", T + 'SELECT "a", now() FROM "S"', ("k",)),
        ("postgres", T + 'SELECT random()::int, "b" FROM "S"', ("v",)),
        ("postgres", T + 'SELECT nextval(\'s\'), "b" FROM "S"', ("v",)),
        ("postgres", T + 'SELECT gen_random_uuid(), "b" FROM "S"', ("v",)),
        ("postgres", T + 'SELECT uuid_generate_v4(), "b" FROM "S"', ("v",)),
        ("postgres", T + 'SELECT clock_timestamp(), "b" FROM "S"', ("v",)),
        ("postgres", T + 'SELECT \'now\'::timestamp, "b" FROM "S"', ("v",)),
        ("postgres", T + 'SELECT my_function("a"), upper("b") FROM "S"', ("v",)),
        ("postgres", T + 'SELECT split_part("a", \'-\', 1), "b" FROM "S"', ("k", "v")),
        # volatile anywhere but in a column of its own: no column is the same twice
        ("postgres", T + 'SELECT "a", "b" FROM "S" WHERE random() < 0.5', ()),
        ("postgres", T + "SELECT a, b FROM (SELECT gen_random_uuid() AS a, 1 AS b) x", ()),
        ("postgres", T + 'SELECT "a", "b" FROM "S" ORDER BY "a" LIMIT 3', ()),
        ("postgres", T + 'SELECT * FROM "S"', ()),
        ("postgres", T + 'SELECT "a", 1 FROM "S" UNION SELECT "a", random() FROM "R"', ("k",)),
        ("mysql", "INSERT INTO `T` (`k`, `v`) SELECT UUID(), `b` FROM `S`", ("v",)),
        ("mysql", "INSERT INTO `T` (`k`, `v`) SELECT RAND(), `b` FROM `S`", ("v",)),
        ("mysql", "INSERT INTO `T` (`k`, `v`) SELECT `a`, SYSDATE() FROM `S`", ("k",)),
        ("sqlite", T + 'SELECT datetime(\'now\'), "b" FROM "S"', ("v",)),
        ("sqlite", T + 'SELECT randomblob(4), "b" FROM "S"', ("v",)),
    ],
)
def test_stable_columns(dialect: str, sql: str, stable: tuple[str, ...]) -> None:
    (change,) = read_statement(sql, dialect).changes
    assert isinstance(change, ch.InsertRows) and change.query
    assert change.stable == stable


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("postgres", T + 'SELECT "a", "b" FROM "S" ON CONFLICT DO NOTHING'),
        ("postgres", T + 'SELECT "a", "b" FROM "S" ON CONFLICT ("k") DO UPDATE SET "v" = 1'),
        ("postgres", 'WITH d AS (DELETE FROM "S" RETURNING *) ' + T + 'SELECT "a", "b" FROM d'),
        ("postgres", T + 'SELECT "k" + 1, "v" FROM "T"'),  # reads its own target
        ("postgres", 'INSERT INTO "T" SELECT "a", "b" FROM "S"'),  # no column list
        ("mysql", "INSERT IGNORE INTO `T` (`k`, `v`) SELECT `a`, `b` FROM `S`"),
        (
            "mysql",
            "INSERT INTO `T` (`k`, `v`) SELECT `a`, `b` FROM `S` ON DUPLICATE KEY UPDATE `v` = 1",
        ),
        ("sqlite", 'INSERT OR IGNORE INTO "T" ("k", "v") SELECT "a", "b" FROM "S"'),
    ],
)
def test_shapes_that_stay_unknown(dialect: str, sql: str) -> None:
    (change,) = read_statement(sql, dialect).changes
    assert isinstance(change, ch.DataChange)


def test_query_text_is_kept_as_written() -> None:
    sql = 'WITH x AS (SELECT 1 AS a) -- one\nINSERT INTO "T" ("k") SELECT a FROM x RETURNING "k"'
    (change,) = read_statement(sql, "postgres").changes
    assert isinstance(change, ch.InsertRows)
    assert change.query == "WITH x AS (SELECT 1 AS a)\nSELECT a FROM x"


@pytest.mark.parametrize(
    ("dialect", "name", "risk"),
    [
        ("postgres", "seed_counter_group_by", Risk.LOSES_DATA),
        ("postgres", "seed_pair_from_join", Risk.LOSES_DATA),
        ("postgres", "seed_cte", Risk.LOSES_DATA),
        ("postgres", "seed_volatile_id_unique_key", Risk.LOSES_DATA),
        ("postgres", "seed_fk_restrict", Risk.LOSES_DATA),
        ("postgres", "seed_volatile_key", Risk.IRREVERSIBLE),
        ("postgres", "seed_on_conflict", Risk.IRREVERSIBLE),
        ("postgres", "seed_reads_target", Risk.IRREVERSIBLE),
        ("postgres", "insert_select_irreversible", Risk.IRREVERSIBLE),  # a table it creates
        ("mysql", "seed_counter_group_by", Risk.LOSES_DATA),
        ("mysql", "seed_pair_from_join", Risk.LOSES_DATA),
        ("sqlite", "seed_counter_group_by", Risk.LOSES_DATA),
        ("sqlite", "seed_pair_from_join", Risk.LOSES_DATA),
    ],
)
def test_seed_risk(dialect: str, name: str, risk: Risk) -> None:
    case = load(name, dialect)
    (step,) = [
        s for s in case.last.steps if any(isinstance(c, ch.InsertRows | ch.DataChange)
                                          for c in s.reading.changes)
    ]  # fmt: skip
    assert step.risk is risk


def test_note_names_what_foreign_keys_do() -> None:
    assert 'rows of "Payment" point at them (RESTRICT)' in load("seed_fk_restrict").body
