"""Type changes PostgreSQL has no cast back for: down.sql still runs on a table with rows.

The fixture ``alter_column_type_no_cast_back`` turns ``jsonb[]`` into ``jsonb``, a timestamp
into a boolean and an enum into ``text[]``; a plain ``::`` cast back would be rejected
(``cannot cast type jsonb to jsonb[]``). Here a row is written after the up, and down.sql
must run and bring back what can come back: the first array element as the enum label.
"""

from __future__ import annotations

from typing import Any

from prisma_down.verify.postgres import apply
from prisma_down.verify.postgres_target import reset_postgres
from tests.core.fixture_cases import load


def test_down_runs_with_rows(pg_conn: Any) -> None:
    reset_postgres(pg_conn)
    (_, init, _), (_, up, down) = load("alter_column_type_no_cast_back").migrations()
    assert apply(pg_conn, init) is None
    assert apply(pg_conn, up) is None
    pg_conn.execute(
        """INSERT INTO "Doc" ("blocks", "archivedAt", "tag")
        VALUES ('[{"a": 1}, 2]', true, ARRAY['BLUE', 'RED'])"""
    )
    assert apply(pg_conn, down) is None
    row = pg_conn.execute('SELECT "blocks", "archivedAt", "tag"::text FROM "Doc"').fetchone()
    assert row == (None, None, "BLUE")
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
