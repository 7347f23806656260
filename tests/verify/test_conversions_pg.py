"""Each rule of ``core.conversions`` proved on a real PostgreSQL: ``f`` then its inverse
gives back every value, edge cases included (pre-1970 and fractional timestamps, quotes,
backslashes and non-ASCII text, enum labels, the extremes of a type)."""

from __future__ import annotations

from typing import Any

import pytest

from prisma_down.core.analysis import replay
from prisma_down.core.catalog import Catalog
from prisma_down.core.conversions import read, undo
from prisma_down.core.dialects import get

_TEXTS = ["''", "'a'", "'it''s'", "'back\\slash'", "'\"quoted\"'", "'line\nbreak'", "'tab\t'",
          "'\\u0041 not an escape'", "'héllo wörld'", "'😀'", "'{\"a\": 1}'", "'null'",
          "'  padded  '", "'[1,2]'"]  # fmt: skip
_STAMPS = ["'1970-01-01 00:00:00'", "'1969-12-31 23:59:59.999'", "'1900-01-01 00:00:00.001'",
           "'2024-02-29 12:34:56.789'", "'1677-09-22 00:12:44.001'", "'2262-04-11 23:47:16.854'",
           "'2000-01-01 00:00:00.5'", "'1969-07-20 20:17:40.12'"]  # fmt: skip
_MICROS = [*_STAMPS, "'1999-12-31 23:59:59.999999'", "'1960-06-15 08:00:00.000001'"]
_WIDE = [*_MICROS, "'0001-01-01 00:00:00'", "'9999-12-31 23:59:59.999999'", "'0044-03-15 12:00'"]
_ZONED = [s[:-1] + "+00'" for s in _STAMPS] + [
    "'2024-03-10 02:30:00-05'",
    "'2024-11-03 01:30:00-04'",
]

# name: (type of the column, type of the copy, f with {x} for the column, values)
CASES: dict[str, tuple[str, str, str, list[str]]] = {
    "copy text": ("TEXT", "TEXT", "{x}", _TEXTS),
    "enum to text": ('"Role"', "text", "{x}::text", ["'OWNER'", "'it''s'", "'Viewer é'"]),
    "int to bigint": ("INTEGER", "BIGINT", "{x}", ["0", "-2147483648", "2147483647"]),
    "varchar(5) to varchar(10)": ("VARCHAR(5)", "VARCHAR(10)", "{x}", ["''", "'abcde'", "'é'"]),
    "timestamp(3) to timestamp": ("TIMESTAMP(3)", "TIMESTAMP", "{x}", _STAMPS),
    "int to text": ("INTEGER", "TEXT", "{x}::text", ["0", "-2147483648", "2147483647"]),
    "float to text": (
        "DOUBLE PRECISION",
        "TEXT",
        "{x}::text",
        [
            "0.1",
            "1e308",
            "-2.2250738585072014e-308",
            "3.141592653589793",
            "'NaN'",
            "'-Infinity'",
            "5e-324",
        ],
    ),
    "timestamp to text": ("TIMESTAMP(3)", "TEXT", "{x}::text", _STAMPS),
    "jsonb to text": ("JSONB", "TEXT", "{x}::text", ["'{\"a\": [1, 2.50, null]}'", "'\"s\"'"]),
    "array of text": ("TEXT", "TEXT[]", "ARRAY[{x}]", _TEXTS),
    "array of enum": ('"Role"', '"Role"[]', "ARRAY[{x}]", ["'OWNER'", "'it''s'"]),
    "to_json of text into jsonb": ("TEXT", "JSONB", "to_json({x}::text)::json", _TEXTS),
    "to_jsonb of text": ("TEXT", "JSONB", "to_jsonb({x})", _TEXTS),
    "to_json of text": ("TEXT", "JSON", "to_json({x})", _TEXTS),
    "to_json of varchar": ("VARCHAR(20)", "JSONB", "to_json({x})", _TEXTS),
    "epoch ns of timestamp(3)": (
        "TIMESTAMP(3)",
        "BIGINT",
        "EXTRACT(EPOCH FROM {x}) * 1000000000",
        _STAMPS,
    ),
    "epoch ms of timestamp(3)": (
        "TIMESTAMP(3)",
        "BIGINT",
        "EXTRACT(EPOCH FROM {x}) * 1000",
        _STAMPS,
    ),
    "epoch us of timestamp": ("TIMESTAMP", "BIGINT", "1000000 * EXTRACT(EPOCH FROM {x})", _MICROS),
    "epoch s of timestamp into numeric": ("TIMESTAMP", "NUMERIC", "EXTRACT(EPOCH FROM {x})", _WIDE),
    "epoch ms of timestamptz": (
        "TIMESTAMPTZ(3)",
        "BIGINT",
        "(EXTRACT(EPOCH FROM {x}) * 1000)::bigint",
        _ZONED,
    ),
    "epoch ns of timestamptz": (
        "TIMESTAMP(3) WITH TIME ZONE",
        "INT8",
        "EXTRACT(EPOCH FROM {x}) * 1000000000",
        _ZONED,
    ),
}

# f whose inverse is not exact on every value: no rule, so the caller says the values are lost
NOT_EXACT: dict[str, tuple[str, str, str]] = {
    "narrowing cast": ("NUMERIC", "INTEGER", "{x}::integer"),
    "a function": ("TEXT", "TEXT", "lower({x})"),
    "arithmetic": ("INTEGER", "INTEGER", "{x} * 2"),
    "epoch ms of microseconds": ("TIMESTAMP", "BIGINT", "EXTRACT(EPOCH FROM {x}) * 1000"),
    "epoch into float": ("TIMESTAMP(3)", "DOUBLE PRECISION", "EXTRACT(EPOCH FROM {x}) * 1000"),
    "epoch not a power of ten": ("TIMESTAMP(3)", "BIGINT", "EXTRACT(EPOCH FROM {x}) * 3600"),
    "to_json of an integer": ("INTEGER", "JSONB", "to_json({x})"),
    "array into another element type": ("INTEGER", "TEXT[]", "ARRAY[{x}]"),
    "text into varchar(n)": ("TEXT", "VARCHAR(3)", "{x}::varchar(3)"),
    "varchar(9) into varchar(3)": ("VARCHAR(9)", "VARCHAR(3)", "{x}"),
    "timestamp into timestamp(3)": ("TIMESTAMP", "TIMESTAMP(3)", "{x}"),
    "bigint into integer": ("BIGINT", "INTEGER", "{x}::int4"),
}

_ENUM = """CREATE TYPE "Role" AS ENUM ('OWNER', 'it''s', 'Viewer é')"""


def _catalog() -> Catalog:
    return replay(_ENUM, "postgres", Catalog(dialect=get("postgres"))).after


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_f_then_its_inverse_gives_every_value_back(pg_conn: Any, name: str, zone: str) -> None:
    previous, target, f, values = CASES[name]
    conv = read(f.format(x='"x"'))
    assert conv is not None and conv.source == "x", f
    back = undo(conv, "y", target, previous, _catalog())
    assert back is not None, f"no inverse for {f}"
    pg_conn.execute(f"SET TimeZone = '{zone}'")
    pg_conn.execute(_ENUM)
    pg_conn.execute(f'CREATE TABLE "T" ("id" serial, "x" {previous} NOT NULL, "y" {target})')
    for v in values:
        pg_conn.execute(f'INSERT INTO "T" ("x") VALUES ({v})')
    pg_conn.execute(f'UPDATE "T" SET "y" = {f.format(x=chr(34) + "x" + chr(34))}')
    pg_conn.execute(f'ALTER TABLE "T" ADD COLUMN "z" {previous}')
    pg_conn.execute(f'UPDATE "T" SET "z" = {back}')
    wrong = pg_conn.execute(
        """SELECT "x"::text, "y"::text, "z"::text FROM "T" WHERE "z" IS DISTINCT FROM "x" """
    ).fetchall()
    assert wrong == [], f"{back}: {wrong}"
    (n,) = pg_conn.execute('SELECT count(*) FROM "T"').fetchone()
    assert n == len(values)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_inverse_keeps_a_column_that_was_never_converted(pg_conn: Any, name: str) -> None:
    """Where the migration stopped before its copy, down.sql renames the column itself to
    the copy's name: the inverse must plan on its old type and give each value back."""
    previous, target, f, values = CASES[name]
    conv = read(f.format(x='"x"'))
    assert conv is not None
    back = undo(conv, "y", target, previous, _catalog())
    assert back is not None
    pg_conn.execute(_ENUM)
    pg_conn.execute(f'CREATE TABLE "T" ("id" serial, "x" {previous} NOT NULL, "y" {previous})')
    for v in values:
        pg_conn.execute(f'INSERT INTO "T" ("x", "y") VALUES ({v}, {v})')
    wrong = pg_conn.execute(
        f'SELECT "x"::text FROM "T" WHERE ({back})::{previous} IS DISTINCT FROM "x"'
    ).fetchall()
    assert wrong == [], f"{back}: {wrong}"


@pytest.mark.parametrize("name", sorted(NOT_EXACT))
def test_no_inverse_where_one_would_not_be_exact(name: str) -> None:
    previous, target, f = NOT_EXACT[name]
    conv = read(f.format(x='"x"'))
    assert conv is None or undo(conv, "y", target, previous, _catalog()) is None
