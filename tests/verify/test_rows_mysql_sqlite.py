"""MySQL and SQLite down.sql files with rows in the tables, on a real MariaDB and SQLite.

Each fixture history (``tests/core/fixtures/<dialect>/<case>``) is applied up to its last
migration, a few rows go in (``ROWS`` below), the last migration runs, maybe rows that do
not fit back are written (what an application may do after the migration), then down.sql.

- rows that fit: down.sql restores the schema, and the tables keep their row counts;
- rows that do not fit: down.sql stops in its preflight, with a message saying what to fix,
  and the database (schema and row counts) is exactly as it was before down.sql.

The row helper is deliberately small: literal INSERTs per case. (verify/ gets a general
row generator of its own.)
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.mariadb import apply as mysql_apply
from prisma_down.verify.mysql_snapshot import diff as mysql_diff
from prisma_down.verify.mysql_snapshot import snapshot as mysql_snapshot
from prisma_down.verify.sqlite import apply as sqlite_apply
from prisma_down.verify.sqlite import connect
from prisma_down.verify.sqlite import diff as sqlite_diff
from prisma_down.verify.sqlite import snapshot as sqlite_snapshot
from tests.core.fixture_cases import Case, load

# rows written before the last migration, per (dialect, case)
ROWS: dict[tuple[str, str], str] = {
    ("mysql", "rows_that_may_not_fit_back"): (
        "INSERT INTO `Member` (`email`, `nick`, `status`) VALUES ('a@x.io', 'ann', 'ACTIVE'),"
        " ('b@x.io', 'bob', 'BANNED'), ('c@x.io', 'cy', DEFAULT)"
    ),
    ("mysql", "auto_increment_column_and_its_key"): (
        "INSERT INTO `User` (`email`) VALUES ('a@x.io'), ('b@x.io'), ('c@x.io')"
    ),
    ("mysql", "generated_foreign_key_names"): (
        "INSERT INTO `User` (`id`) VALUES (1), (2);"
        "INSERT INTO `Article` (`authorId`, `editorId`, `reviewerId`) "
        "VALUES (1, 2, NULL), (2, NULL, 1)"
    ),
    ("sqlite", "rows_that_may_not_fit_back"): (
        "INSERT INTO \"Member\" (\"email\", \"nick\") VALUES ('a@x.io', 'ann'), ('b@x.io', 'bob')"
    ),
    ("mysql", "drop_unique_column_with_rows"): (
        "INSERT INTO `User` (`email`, `name`) VALUES ('a@x.io', 'Ann')"
    ),
    ("sqlite", "redefine_drop_unique_column"): (
        'INSERT INTO "Member" ("code", "nick") VALUES (\'A1\', \'ann\')'
    ),
    ("sqlite", "redefinition_not_read_keeps_references"): (
        'INSERT INTO "User" ("id", "email", "name") VALUES (1, \'a@x.io\', \'Ann\'),'
        ' (2, \'b@x.io\', NULL); INSERT INTO "Post" ("authorId") VALUES (1), (2)'
    ),
}

# rows written after the migration that down.sql cannot put back: it must stop before it
# changes anything, naming the problem
MISFITS: list[tuple[str, str, str, str]] = [
    ("mysql", "rows_that_may_not_fit_back", "UPDATE `Member` SET `nick` = NULL", "holds NULL"),
    (
        "mysql",
        "rows_that_may_not_fit_back",
        "UPDATE `Member` SET `status` = 'PAUSED' WHERE `nick` = 'bob'",
        "goes away (PAUSED)",
    ),
    (
        "mysql",
        "rows_that_may_not_fit_back",
        "UPDATE `Member` SET `nick` = REPEAT('n', 40) WHERE `nick` = 'cy'",
        "longer than 20",
    ),
    (
        "mysql",
        "rows_that_may_not_fit_back",
        "UPDATE `Member` SET `email` = 'a@x.io'",
        "has duplicates",
    ),
    # a unique column that comes back without its values (one value on every row)
    (
        "mysql",
        "drop_unique_column_with_rows",
        "INSERT INTO `User` (`name`) VALUES ('Bob')",
        "User has 2+ rows",
    ),
    (
        "sqlite",
        "redefine_drop_unique_column",
        'INSERT INTO "Member" ("nick") VALUES (\'bob\')',
        "Member has 2+ rows",
    ),
    ("sqlite", "rows_that_may_not_fit_back", 'UPDATE "Member" SET "nick" = NULL', "holds NULL"),
    (
        "sqlite",
        "rows_that_may_not_fit_back",
        'UPDATE "Member" SET "email" = \'a@x.io\'',
        "has duplicates",
    ),
]


class _Engine:
    """One database of one engine: run a script, snapshot schema and row counts."""

    def __init__(self, conn: Any, apply: Callable[[Any, str], str | None], dialect: str) -> None:
        self.conn, self._apply, self.dialect = conn, apply, dialect

    def run(self, script: str) -> str | None:
        return self._apply(self.conn, script)

    def schema(self) -> Any:
        if self.dialect == "mysql":
            return mysql_snapshot(self.conn)
        return sqlite_snapshot(self.conn)

    def diff(self, a: Any, b: Any) -> list[str]:
        if self.dialect == "mysql":
            return mysql_diff(a, b)
        return sqlite_diff(a, b)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        if self.dialect == "mysql":
            with self.conn.cursor() as cur:
                cur.execute(
                    "SELECT TABLE_NAME FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
                )
                names = [r[0] for r in cur.fetchall()]
                out = {}
                for n in names:
                    cur.execute(f"SELECT COUNT(*) FROM `{n}`")
                    out[n] = cur.fetchone()[0]
                return out
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {n: self.conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for (n,) in rows}


def _up_to_last(engine: _Engine, case: Case) -> tuple[str, str]:
    """Every migration but the last applied, and the rows written: (last up, last down)."""
    items = case.migrations()
    for _, up, _ in items[:-1]:
        assert engine.run(up) is None
    assert engine.run(ROWS[(engine.dialect, case.name)]) is None
    _, up, down = items[-1]
    return up, down


def _with_engine(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if dialect == "sqlite":
        conn = connect(tmp_path / "rows.db")
        return _Engine(conn, sqlite_apply, "sqlite"), conn.close
    server: MariaDBServer = request.getfixturevalue("mariadb")
    name = f"r_{uuid.uuid4().hex[:12]}"
    server.create_database(name)
    conn = server.connect(name)

    def close() -> None:
        conn.close()
        server.drop_database(name)

    return _Engine(conn, mysql_apply, "mysql"), close


@pytest.mark.parametrize(("dialect", "name"), sorted(ROWS))
def test_rows_that_fit_come_back(
    dialect: str, name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """With rows in the tables, down.sql runs through and the schema comes back."""
    engine, close = _with_engine(dialect, request, tmp_path)
    try:
        up, down = _up_to_last(engine, load(name, dialect))
        before = engine.schema()
        rows = engine.counts()
        assert engine.run(up) is None
        assert engine.run(down) is None, engine.run(down)
        assert engine.diff(before, engine.schema()) == []
        if name == "rows_that_may_not_fit_back":  # every step of it keeps the rows
            assert engine.counts() == rows
    finally:
        close()


@pytest.mark.parametrize(("dialect", "name", "misfit", "reason"), MISFITS)
def test_rows_that_do_not_fit_stop_down_before_any_change(
    dialect: str,
    name: str,
    misfit: str,
    reason: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    """down.sql stops in its preflight, says why, and leaves the database as it found it."""
    engine, close = _with_engine(dialect, request, tmp_path)
    try:
        up, down = _up_to_last(engine, load(name, dialect))
        assert engine.run(up) is None
        assert engine.run(misfit) is None
        schema, rows = engine.schema(), engine.counts()
        error = engine.run(down)
        assert error is not None and "prisma-down preflight" in error and reason in error, error
        assert engine.diff(schema, engine.schema()) == [], "down.sql stopped halfway"
        assert engine.counts() == rows
    finally:
        close()


def test_sqlite_preflight_text_is_what_sqlite_reports(tmp_path: Path) -> None:
    """The stop is a plain statement: sqlite3 itself reports the constraint's name."""
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute('CREATE TABLE "t" ("a" TEXT)')
    conn.execute('INSERT INTO "t" VALUES (NULL)')
    from prisma_down.core import data_checks as pf
    from prisma_down.core.dialects.sqlite.render import preflight
    from prisma_down.core.schema import QName

    check = pf.NoNulls(QName("", "t"), ("a",), "prisma-down preflight: t.a holds NULL")
    reason = r"CHECK constraint failed: prisma-down preflight: t\.a holds NULL"
    with pytest.raises(sqlite3.IntegrityError, match=reason):
        conn.executescript(";\n".join(preflight([check])) + ";")
