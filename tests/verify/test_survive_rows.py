"""Rows through down.sql on a real PostgreSQL: they come back, or down.sql changes nothing.

Each case is a fixture history of ``tests/core/fixtures/postgres/survive_*``: the earlier
migrations are applied, rows inserted, the last migration applied (and, for the cases
where down.sql must stop, rows it cannot take back inserted), then its generated down.sql.
Either the schema and every row are as before the migration, or down.sql fails with its
preflight's message (or the statement that failed) and the database is exactly as it was
before down.sql: schema and rows. Applied as Prisma does (the whole text as one simple
query) and with ``psql -f`` (statement by statement, not stopping at an error).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from prisma_down.verify.postgres import PostgresServer, apply, find_bin_dir
from prisma_down.verify.snapshot import Snapshot, snapshot
from prisma_down.verify.snapshot_diff import diff
from tests.core.fixture_cases import load

_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1
"""
STOPPED = "down.sql changed nothing"

# name: (rows before the migration, rows after it, what down.sql must do)
CASES: dict[str, tuple[str, str, str]] = {
    # a CASE conversion reversed by its inverse mapping; a plain cast back fails on 'open'
    "survive_case_mapping": (
        """INSERT INTO "Poll" VALUES ('a', 'live'), ('b', 'ended'), ('c', 'paused')""",
        "",
        "restored",
    ),
    # UPDATE … SET x = CASE … undone by the inverse UPDATE
    "survive_update_case": (
        """INSERT INTO "Order" VALUES (1, 'web'), (2, 'shop')""",
        "",
        "restored",
    ),
    # a label renamed by UPDATE … SET x = 'new' WHERE x = 'old' between two enum rebuilds:
    # 'new' did not exist before, so every row holding it held 'old'
    "survive_update_where_label": (
        """INSERT INTO "Link" VALUES (1, 'cites'), (2, 'embodies'), (3, 'refutes')""",
        "",
        "restored",
    ),
    # a NOT NULL column filled back from the column the migration copied it into
    "survive_copy_then_drop": (
        """INSERT INTO "Poll" VALUES ('p1', 'code-1'), ('p2', 'code-2')""",
        "",
        "restored",
    ),
    # two values became 'OPEN': rows holding it cannot be mapped back
    "survive_case_not_one_to_one": (
        """INSERT INTO "Task" VALUES (1, 'new'), (2, 'running'), (3, 'finished')""",
        "",
        STOPPED,
    ),
    # (a NOT NULL column whose values are lost: tests/verify/test_refill_rows.py)
    # rows hold the label down.sql removes
    "survive_enum_label_removed": (
        """INSERT INTO "Job" VALUES (1, 'DONE')""",
        """INSERT INTO "Job" VALUES (2, 'PAUSED')""",
        STOPPED,
    ),
    # rows point at a table down.sql re-creates empty
    "survive_fk_to_dropped_table": (
        """INSERT INTO "Team" VALUES (1); INSERT INTO "Member" VALUES (1, 1), (2, NULL)""",
        "",
        STOPPED,
    ),
    # duplicates where a unique index comes back
    "survive_unique_back": (
        """INSERT INTO "User" VALUES (1, 'a@x')""",
        """INSERT INTO "User" VALUES (2, 'a@x')""",
        STOPPED,
    ),
    # the same, where the migration dropped the index CONCURRENTLY: a failed CREATE UNIQUE
    # INDEX CONCURRENTLY would leave an invalid index behind
    "survive_unique_concurrently": (
        """INSERT INTO "User" VALUES (1, 'a@x')""",
        """INSERT INTO "User" VALUES (2, 'a@x')""",
        STOPPED,
    ),
    # NULLs where NOT NULL comes back
    "survive_not_null_back": (
        """INSERT INTO "Post" VALUES (1, 'hello')""",
        """INSERT INTO "Post" VALUES (2, NULL)""",
        STOPPED,
    ),
    # no preflight can see it ('abc' is no integer): the cast fails after a DROP COLUMN ran
    "survive_fails_halfway": (
        """INSERT INTO "Item" VALUES (1, 10)""",
        """INSERT INTO "Item" VALUES (2, 'abc')""",
        "invalid input syntax for type integer",
    ),
}

State = tuple[Snapshot, dict[str, str]]


def _rows(conn: Any) -> dict[str, str]:
    """Every row of every table, as sorted JSON (column order does not matter)."""
    out = {}
    for (table,) in conn.execute(_TABLES).fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        (rows,) = conn.execute(
            f"SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')::text "
            f"FROM {quoted} t"
        ).fetchone()
        out[table] = rows
    return out


def _state(conn: Any) -> State:
    return snapshot(conn), _rows(conn)


def _same(a: State, b: State) -> list[str]:
    out = diff(a[0], b[0])
    out += [
        f"rows of {t}: {a[1].get(t)} -> {b[1].get(t)}"
        for t in a[1] | b[1]
        if a[1].get(t) != b[1].get(t)
    ]
    return out


def _psql(server: PostgresServer, db: str, script: str, tmp_path: Path) -> str:
    """Run ``script`` with ``psql -f`` as a person would (no ON_ERROR_STOP): its stderr."""
    psql = find_bin_dir() / "psql"
    if not psql.exists():
        found = shutil.which("psql")
        if found is None:
            if os.environ.get("CI"):
                pytest.fail("psql is required in CI", pytrace=False)
            pytest.skip("psql is not installed")
        psql = Path(found)
    path = tmp_path / "down.sql"
    path.write_text(script)
    done = subprocess.run(
        [str(psql), "-X", "-q", "-h", server.socket_dir, "-p", str(server.port), "-U",
         "postgres", "-d", db, "-f", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return done.stderr


def _prepare(conn: Any, name: str) -> tuple[State, State, str]:
    """Up to the last migration, with rows: the states before and after it, its down.sql."""
    before_rows, after_rows, _ = CASES[name]
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(conn, up) is None
    conn.execute(before_rows.encode())
    before = _state(conn)
    _, up, down = migrations[-1]
    assert apply(conn, up) is None, "the migration itself must run on these rows"
    if after_rows:
        conn.execute(after_rows.encode())
    return before, _state(conn), down


@pytest.mark.parametrize("name", sorted(CASES))
def test_rows_survive_or_nothing_changes(pg_conn: Any, name: str) -> None:
    before, after, down = _prepare(pg_conn, name)
    expect = CASES[name][2]
    error = apply(pg_conn, down)
    if expect == "restored":
        assert error is None, f"down.sql failed on rows: {error}\n{down}"
        assert _same(before, _state(pg_conn)) == []
    else:
        assert error is not None and expect in error, f"{error}\n{down}"
        assert _same(after, _state(pg_conn)) == [], "down.sql left the database halfway"


@pytest.mark.parametrize(
    "name", ["survive_fails_halfway", "survive_enum_label_removed", "survive_copy_then_drop"]
)
def test_psql_applies_all_or_nothing(
    pg_server: PostgresServer, pg_db: str, name: str, tmp_path: Path
) -> None:
    with pg_server.connect(pg_db) as conn:
        before, after, down = _prepare(conn, name)
    errors = _psql(pg_server, pg_db, down, tmp_path)
    with pg_server.connect(pg_db) as conn:
        now = _state(conn)
    expect = CASES[name][2]
    if expect == "restored":
        assert "ERROR" not in errors, errors
        assert _same(before, now) == []
    else:
        assert expect in errors, errors
        assert _same(after, now) == [], "psql left the database halfway"


@pytest.mark.parametrize("name", sorted(n for n in CASES if n != "survive_fails_halfway"))
def test_after_a_failed_migration_the_preflight_lets_down_run(pg_conn: Any, name: str) -> None:
    """Nothing of the migration applied (it failed), rows there: down.sql, guarded for
    that, must run and change nothing; its preflight must not stop it."""
    before_rows, _, _ = CASES[name]
    migrations = load(name).migrations()
    for _, up, _ in migrations[:-1]:
        assert apply(pg_conn, up) is None
    pg_conn.execute(before_rows.encode())
    before = _state(pg_conn)
    error = apply(pg_conn, migrations[-1][2])
    assert error is None, error
    assert _same(before, _state(pg_conn)) == []


def test_an_enum_value_added_then_used_is_committed_first(pg_conn: Any) -> None:
    """PostgreSQL will not use a label added in the same transaction: the file commits
    right after ADD VALUE and begins again."""
    from prisma_down.core.preflight_pg import frame

    pg_conn.execute("""CREATE TYPE "S" AS ENUM ('a'); CREATE TABLE "T" ("s" "S")""")
    parts = [
        (["-- add"], ["""ALTER TYPE "S" ADD VALUE 'b'"""]),
        (["-- use"], ["""ALTER TABLE "T" ALTER COLUMN "s" SET DEFAULT 'b'"""]),
    ]
    framed, how = frame(parts, [])
    text = "\n".join(sql + ";" for _, statements in framed for sql in statements)
    assert "2 transactions" in how
    one = "BEGIN;\n" + "\n".join(sql + ";" for _, st in parts for sql in st) + "\nCOMMIT;"
    assert "unsafe use of new value" in (apply(pg_conn, one) or "")  # why it is split
    assert apply(pg_conn, text) is None, text
