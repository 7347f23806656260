"""NOT NULL columns whose values are lost, put back on a table with rows (real PostgreSQL).

Each case is a fixture history of ``tests/core/fixtures/postgres/refill_*`` whose last
migration drops NOT NULL columns without a default. With rows in the table, down.sql must
either restore the schema exactly, keep every row and give the re-added columns the
placeholder its ``loses-data`` note names, or (a type or key no placeholder is certain to
satisfy) stop with its preflight's message and change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from prisma_down.verify.postgres import apply
from prisma_down.verify.snapshot import diff, snapshot
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
    # one placeholder in every row cannot satisfy a unique index: the preflight stops
    "refill_unique": ("""INSERT INTO "Login" VALUES (1, 'a@x'), (2, 'b@x')""", STOPPED),
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


@pytest.mark.parametrize("name", sorted(CASES))
def test_lost_not_null_column_comes_back_with_its_placeholder(pg_conn: Any, name: str) -> None:
    rows, expect = CASES[name]
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(pg_conn, up) is None
    pg_conn.execute(rows.encode())
    before = _state(pg_conn)
    columns = [] if isinstance(expect, str) else sorted(expect)
    table = _table(pg_conn, columns[0]) if columns else ""
    kept = _kept(pg_conn, table, columns) if columns else []
    _, up, down = migrations[-1]
    assert apply(pg_conn, up) is None, "the migration itself must run on these rows"
    after = _state(pg_conn)
    error = apply(pg_conn, down)
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


@pytest.mark.parametrize("name", sorted(CASES))
def test_after_a_failed_migration_nothing_changes(pg_conn: Any, name: str) -> None:
    """The migration failed before it dropped anything, rows there: down.sql must run and
    change nothing (the column is there, no placeholder is written into it)."""
    rows, _ = CASES[name]
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(pg_conn, up) is None
    pg_conn.execute(rows.encode())
    before = _state(pg_conn)
    error = apply(pg_conn, migrations[-1][2])
    assert error is None, error
    assert _same(before, _state(pg_conn)) == []
