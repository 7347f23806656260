"""Type changes PostgreSQL has no cast back for: down.sql still runs on a table with rows.

The fixture ``alter_column_type_no_cast_back`` turns ``jsonb[]`` into ``jsonb``, a timestamp
into a boolean (``IS NOT NULL``) and an enum into ``text[]``; a plain ``::`` cast back would
be rejected (``cannot cast type jsonb to jsonb[]``). Here a row is written after the up, and
down.sql must run and bring back what can come back (the JSON array's elements, the one
array element as the enum label, false as the NULL it was), or stop before any change
where a value cannot (a true whose timestamp the migration did not keep). More cases:
``tests/verify/test_issue13_causes.py``.
"""

from __future__ import annotations

from typing import Any

from prisma_down.verify.postgres import apply
from prisma_down.verify.postgres_target import reset_postgres
from tests.core.fixture_cases import load


def _up(pg_conn: Any) -> str:
    reset_postgres(pg_conn)
    (_, init, _), (_, up, down) = load("alter_column_type_no_cast_back").migrations()
    assert apply(pg_conn, init) is None
    assert apply(pg_conn, up) is None
    return down


def test_down_runs_with_rows(pg_conn: Any) -> None:
    down = _up(pg_conn)
    pg_conn.execute(
        """INSERT INTO "Doc" ("blocks", "archivedAt", "tag")
        VALUES ('[{"a": 1}, 2]', false, ARRAY['BLUE'])"""
    )
    assert apply(pg_conn, down) is None
    row = pg_conn.execute(
        'SELECT to_jsonb("blocks")::text, "archivedAt", "tag"::text FROM "Doc"'
    ).fetchone()
    assert row == ('[{"a": 1}, 2]', None, "BLUE")
    types = pg_conn.execute(
        """SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
        WHERE attrelid = '"Doc"'::regclass AND attname IN ('blocks', 'archivedAt', 'tag')
        ORDER BY attname"""
    ).fetchall()
    assert types == [
        ("archivedAt", "timestamp(3) without time zone"),
        ("blocks", "jsonb[]"),
        ("tag", '"Tag"'),
    ]


def test_a_value_that_cannot_come_back_stops_down_sql(pg_conn: Any) -> None:
    down = _up(pg_conn)
    pg_conn.execute("""INSERT INTO "Doc" ("archivedAt", "tag") VALUES (true, ARRAY['RED'])""")
    error = apply(pg_conn, down)
    assert error is not None and 'hold true in "archivedAt"' in error, error
    (kind,) = pg_conn.execute(
        """SELECT format_type(atttypid, atttypmod) FROM pg_attribute
        WHERE attrelid = '"Doc"'::regclass AND attname = 'archivedAt'"""
    ).fetchone()
    assert kind == "boolean", "down.sql changed the table before it stopped"
