"""NOT NULL columns whose values are lost, put back on a table with rows (real PostgreSQL).

Each case is a fixture history of ``tests/core/fixtures/postgres/refill_*`` whose last
migration drops NOT NULL columns without a default. With rows in the table, down.sql must
either restore the schema exactly, keep every row and give the re-added columns the
placeholder its ``loses-data`` note names (a column under a unique key: a value of its own
per row), or (a type or key no placeholder is certain to satisfy) stop with its preflight's
message and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from prisma_down.verify.postgres import apply
from prisma_down.verify.snapshot import snapshot
from prisma_down.verify.snapshot_diff import diff
from tests.core.fixture_cases import load
from tests.verify.test_survive_rows import STOPPED, _same, _state

# name: (rows before the migration, {column: an SQL value every row must hold in it after
# down.sql} or STOPPED)
CASES: dict[str, tuple[str, dict[str, str] | str]] = {
    "refill_text": (
        """INSERT INTO "Account" VALUES (1, 'ann'), (2, 'bob')""",
        {"handle": "''"},
    ),
    "refill_int": (
        """INSERT INTO "Product" VALUES (1, 5, 9.5), (2, 7, 1)""",
        {"stock": "0", "price": "0"},
    ),
    "survive_drop_not_null_column": (
        """INSERT INTO "Account" VALUES (1, 's3cret')""",
        {"secret": "''"},
    ),
    "refill_boolean": ("""INSERT INTO "User" VALUES (1, true), (2, false)""", {"isAdmin": "false"}),
    "refill_timestamp": (
        """INSERT INTO "Event" VALUES (1, now(), now(), current_date)""",
        {
            "startsAt": "'1970-01-01T00:00:00'::timestamp",
            "loggedAt": "'1970-01-01T00:00:00Z'::timestamptz",
            "day": "'1970-01-01'::date",
        },
    ),
    "refill_enum": ("""INSERT INTO "Member" VALUES (1, 'ADMIN')""", {"role": "'it''s'"}),
    "refill_jsonb": ("""INSERT INTO "Setting" VALUES (1, '{"a": 1}')""", {"data": "'{}'::jsonb"}),
    "refill_array": ("""INSERT INTO "Post" VALUES (1, '{a,b}')""", {"tags": "'{}'::text[]"}),
    # a domain may carry a CHECK no placeholder is known to pass: the preflight stops
    "refill_domain": ("""INSERT INTO "Contact" VALUES (1, 'a@x')""", STOPPED),
    # a unique key that also carries a foreign key: a made-up value would point each row at
    # an arbitrary parent, so the preflight stops
    "refill_unique_fk": (
        """INSERT INTO "User" VALUES ('u1'), ('u2');
        INSERT INTO "Profile" VALUES ('p1', 'u1'), ('p2', 'u2')""",
        f'{STOPPED}: "Profile" has rows, and down.sql puts back "Profile"."userId" NOT NULL while '
        'its values are lost, and its foreign key "Profile_userId_fkey" would point each row at '
        "an arbitrary parent",
    ),
    # a unique index on an expression over the column: distinct values need not give
    # distinct keys ('1' and '10' share substr(…, 1, 1)), so the preflight stops
    "refill_unique_expression": ("""INSERT INTO "Tag" VALUES (1, 'a'), (2, 'b')""", STOPPED),
}

# name: (rows before the migration, {column: (the values its rows must hold after down.sql, as
# text, in any order; the placeholder its note must name)}): a column under a unique key gets
# a value of its own per row, so the key comes back over the rows there are
TEXT, INT = "'1', '2', '3', …", "1, 2, 3, …"
UUID = "'00000000-0000-0000-0000-000000000001', '…-000000000002', …"


def _numbers(n: int, shown: str) -> tuple[list[str], str]:
    return [str(i) for i in range(1, n + 1)], shown


DISTINCT: dict[str, tuple[str, dict[str, tuple[list[str], str]]]] = {
    "refill_unique": (
        """INSERT INTO "Login" VALUES (1, 'a@x'), (2, 'b@x')""",
        {"email": _numbers(2, TEXT)},
    ),
    # unique together with "key", whose values repeat
    "refill_unique_composite": (
        """INSERT INTO "AuthMethod" VALUES ('a', 'k1', 'x'), ('b', 'k1', 'y'), ('c', 'k2', 'x')""",
        {"identifier": _numbers(3, TEXT)},
    ),
    # uuid, and varchar under a partial unique index, dropped with DROP COLUMN IF EXISTS
    "refill_unique_uuid": (
        """INSERT INTO "Board" VALUES (1, gen_random_uuid(), 's1'), (2, gen_random_uuid(), 's2')""",
        {
            "publicId": ([f"00000000-0000-0000-0000-00000000000{i}" for i in (1, 2)], UUID),
            "slug": _numbers(2, TEXT),
        },
    ),
    # integer under a unique constraint and bigint in a composite unique index, 1,000 rows
    "refill_unique_int": (
        """INSERT INTO "Ticket" SELECT g::text, g * 7, 5 FROM generate_series(1, 1000) g""",
        {"number": _numbers(1000, INT), "serial": _numbers(1000, INT)},
    ),
}


def _table(conn: Any, column: str) -> str:
    (name,) = conn.execute(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = %s",
        (column,),
    ).fetchone()
    return '"' + name.replace('"', '""') + '"'


def _kept(conn: Any, table: str, columns: list[str]) -> list[str]:
    """The rows of ``table`` without ``columns``, as sorted JSON texts."""
    out = conn.execute(
        f"SELECT (to_jsonb(t) - %s::text[])::text FROM {table} t ORDER BY 1", (columns,)
    ).fetchall()
    return [r[0] for r in out]


@dataclass(frozen=True)
class Trial:
    """One migration applied on rows, then its down.sql: what each step saw."""

    before: Any  # _state before the migration
    after: Any  # _state after it
    error: str | None  # down.sql's failure, None when it ran
    down: str
    table: str  # the table holding the lost columns ("" when none is named)
    kept: list[str]  # its rows without those columns, before the migration


def trial(conn: Any, name: str, rows: str, columns: list[str]) -> Trial:
    """Fixture ``name``'s earlier migrations, ``rows``, its last migration, its down.sql."""
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(conn, up) is None
    conn.execute(rows.encode())
    before = _state(conn)
    table = _table(conn, columns[0]) if columns else ""
    kept = _kept(conn, table, columns) if columns else []
    _, up, down = migrations[-1]
    assert apply(conn, up) is None, "the migration itself must run on these rows"
    after = _state(conn)
    return Trial(before, after, apply(conn, down), down, table, kept)


@pytest.mark.parametrize("name", sorted(CASES))
def test_lost_not_null_column_comes_back_with_its_placeholder(pg_conn: Any, name: str) -> None:
    rows, expect = CASES[name]
    columns = [] if isinstance(expect, str) else sorted(expect)
    t = trial(pg_conn, name, rows, columns)
    before, after, error, down, table, kept = t.before, t.after, t.error, t.down, t.table, t.kept
    if isinstance(expect, str):
        assert error is not None and expect in error, f"{error}\n{down}"
        assert _same(after, _state(pg_conn)) == [], "down.sql left the database halfway"
        return
    assert error is None, f"down.sql failed on rows: {error}\n{down}"
    assert diff(before[0], snapshot(pg_conn)) == [], "the schema is not restored"
    assert _kept(pg_conn, table, columns) == kept, "rows were lost or changed"
    for column, value in expect.items():
        quoted = '"' + column + '"'
        (wrong,) = pg_conn.execute(
            f"SELECT count(*) FROM {table} WHERE {quoted} IS DISTINCT FROM {value}"
        ).fetchone()
        assert kept and wrong == 0, f"{wrong} rows do not hold {value} in {quoted}"
        assert f'"{column}" comes back NOT NULL with the placeholder' in down, down


@pytest.mark.parametrize("name", sorted(DISTINCT))
def test_lost_unique_column_comes_back_with_a_value_per_row(pg_conn: Any, name: str) -> None:
    rows, expect = DISTINCT[name]
    columns = sorted(expect)
    t = trial(pg_conn, name, rows, columns)
    before, error, down, table, kept = t.before, t.error, t.down, t.table, t.kept
    assert error is None, f"down.sql failed on rows: {error}\n{down}"
    assert diff(before[0], snapshot(pg_conn)) == [], "the schema is not restored"
    assert _kept(pg_conn, table, columns) == kept, "rows were lost or changed"
    for column, (values, shown) in expect.items():
        quoted = '"' + column + '"'
        got = [r[0] for r in pg_conn.execute(f"SELECT {quoted}::text FROM {table}").fetchall()]
        assert sorted(got) == sorted(values), f"{quoted} holds {got[:5]}…"
        assert f'"{column}" comes back NOT NULL with the placeholder {shown} (' in down, down
    (left,) = pg_conn.execute("SELECT to_regclass('pg_temp.prisma_down_row_number')").fetchone()
    assert left is None, "down.sql left its temporary sequence behind"


@pytest.mark.parametrize("name", sorted([*CASES, *DISTINCT]))
def test_after_a_failed_migration_nothing_changes(pg_conn: Any, name: str) -> None:
    """The migration failed before it dropped anything, rows there: down.sql must run and
    change nothing (the column is there, no placeholder is written into it)."""
    rows = CASES[name][0] if name in CASES else DISTINCT[name][0]
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(pg_conn, up) is None
    pg_conn.execute(rows.encode())
    before = _state(pg_conn)
    error = apply(pg_conn, migrations[-1][2])
    assert error is None, error
    assert _same(before, _state(pg_conn)) == []
