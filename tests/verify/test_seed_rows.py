"""Seeds (``INSERT INTO t (cols) SELECT …`` into a table that had rows) through up, down, up
on a real PostgreSQL, MariaDB and SQLite.

Each case is a fixture history ``tests/core/fixtures/<dialect>/seed_*``: the earlier
migrations run, rows go in (some in the seeded table itself, which must survive), the last
migration runs, then its down.sql: schema and every row must be as before the migration,
and the migration must apply again (a seeded row left behind makes it fail on its key, as
``prisma migrate deploy`` would after the rollback), leaving as many rows per table as the
first time (ids and times may be new values). Where rows of another table point at seeded
rows (ON DELETE RESTRICT), down.sql must stop and leave the database exactly as it found it.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.mariadb import apply as mysql_apply
from prisma_down.verify.mysql_snapshot import diff as mysql_diff
from prisma_down.verify.mysql_snapshot import snapshot as mysql_snapshot
from prisma_down.verify.postgres import apply as pg_apply
from prisma_down.verify.snapshot import snapshot as pg_snapshot
from prisma_down.verify.snapshot_diff import diff as pg_diff
from prisma_down.verify.sqlite import apply as sqlite_apply
from prisma_down.verify.sqlite import connect
from prisma_down.verify.sqlite import diff as sqlite_diff
from prisma_down.verify.sqlite import run as sqlite_run
from prisma_down.verify.sqlite import snapshot as sqlite_snapshot
from tests.core.fixture_cases import load

# (dialect, case): rows written before the last migration
RESTORED: dict[tuple[str, str], str] = {
    ("postgres", "seed_counter_group_by"): """
        INSERT INTO "Job" VALUES ('j1', 'a'), ('j2', 'b'), ('j3', 'c');
        INSERT INTO "JobRun" ("jobId", "number") VALUES ('j1', 1), ('j1', 2), ('j2', 5);
        INSERT INTO "JobCounter" VALUES ('j3', 7)""",
    ("postgres", "seed_pair_from_join"): """
        INSERT INTO "users" VALUES ('ann'), ('bob');
        INSERT INTO "topics" ("id", "creatorName") VALUES (1, 'ann'), (2, 'bob'), (3, 'zed');
        INSERT INTO "watches" ("watcherUsername", "topicId", "type")
        VALUES ('ann', 2, 'all'), ('ann', 1, 'mentions')""",
    ("postgres", "seed_cte"): """
        INSERT INTO "Team" VALUES ('00000000-0000-0000-0000-000000000001', 1),
                                  ('00000000-0000-0000-0000-000000000002', 2);
        INSERT INTO "Membership" ("teamId", "userId")
        VALUES ('00000000-0000-0000-0000-000000000001', 2)""",
    ("postgres", "seed_volatile_id_unique_key"): """
        INSERT INTO "Workspace" VALUES ('w1'), ('w2');
        INSERT INTO "Blueprint" VALUES ('b0', '2024-01-01', 'CUSTOM', 'w1')""",
    # the target table is created by the migration: its DROP TABLE takes the rows
    ("postgres", "insert_select_irreversible"): """
        INSERT INTO "User" ("id", "email", "name") VALUES (1, 'a@x', 'Ann'), (2, 'b@x', NULL);
        INSERT INTO "Post" ("title", "authorId") VALUES ('t', 1), ('u', 2)""",
    ("mysql", "seed_counter_group_by"): """
        INSERT INTO `JobRun` (`jobId`, `number`) VALUES ('j1', 1), ('j1', 2), ('j2', 5);
        INSERT INTO `JobCounter` VALUES ('j3', 7)""",
    ("mysql", "seed_pair_from_join"): """
        INSERT INTO `User` VALUES ('ann'), ('bob');
        INSERT INTO `Topic` (`id`, `creatorName`) VALUES (1, 'ann'), (2, 'bob'), (3, 'zed');
        INSERT INTO `Watch` (`id`, `watcherUsername`, `topicId`, `type`, `createdAt`)
        VALUES ('w0', 'ann', 2, 'mentions', '2024-01-01')""",
    ("mysql", "seed_fk_restrict_halfway"): "INSERT INTO `Account` VALUES (1), (2)",
    ("postgres", "seed_fk_restrict_halfway"): 'INSERT INTO "Account" VALUES (1), (2)',
    ("sqlite", "seed_fk_restrict_halfway"): 'INSERT INTO "Account" VALUES (1), (2)',
    ("sqlite", "seed_counter_group_by"): """
        INSERT INTO "JobRun" ("jobId", "number") VALUES ('j1', 1), ('j1', 2), ('j2', 5);
        INSERT INTO "JobCounter" VALUES ('j3', 7)""",
    ("sqlite", "seed_pair_from_join"): """
        INSERT INTO "User" VALUES ('ann'), ('bob');
        INSERT INTO "Topic" ("id", "creatorName") VALUES (1, 'ann'), (2, 'bob'), (3, 'zed');
        INSERT INTO "Watch" ("watcherUsername", "topicId", "type") VALUES ('ann', 2, 'x')""",
}

# (dialect, case): (rows before the migration, rows after it, the error down.sql stops with)
# (down.sql has an earlier change before its DELETE: without a preflight, MariaDB and SQLite
# stop halfway, with the column dropped and the rows still there)
_POINTS = "Payment.walletId points at Wallet rows down.sql deletes: delete or re-point"
STOPS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("postgres", "seed_fk_restrict"): (
        """INSERT INTO "Account" VALUES (1), (2)""",
        """INSERT INTO "Payment" ("walletId") VALUES (1)""",
        _POINTS,
    ),
    ("postgres", "seed_fk_restrict_halfway"): (
        """INSERT INTO "Account" VALUES (1), (2)""",
        """INSERT INTO "Payment" ("walletId") VALUES (2)""",
        _POINTS,
    ),
    ("mysql", "seed_fk_restrict_halfway"): (
        "INSERT INTO `Account` VALUES (1), (2)",
        "INSERT INTO `Payment` (`walletId`) VALUES (2)",
        _POINTS,
    ),
    ("sqlite", "seed_fk_restrict_halfway"): (
        """INSERT INTO "Account" VALUES (1), (2)""",
        """INSERT INTO "Payment" ("walletId") VALUES (2)""",
        _POINTS,
    ),
}


class _Db:
    """One database of one engine: run a script; its schema and every row."""

    def __init__(
        self,
        dialect: str,
        conn: Any,
        apply: Callable[[Any, str], str | None],
        schema: Callable[[Any], Any],
        diff: Callable[[Any, Any], list[str]],
        as_is: Callable[[Any, str], str | None] | None = None,
    ) -> None:
        self.dialect, self.conn = dialect, conn
        self._apply, self._schema, self._diff = apply, schema, diff
        self._as_is = as_is or apply

    def run(self, script: str) -> str | None:
        return self._apply(self.conn, script)

    def run_as_is(self, script: str) -> str | None:
        """Run ``script`` as a client does, leaving whatever ran before a failure (SQLite's
        ``apply`` copies the database back after one)."""
        return self._as_is(self.conn, script)

    def state(self) -> tuple[Any, dict[str, list[str]]]:
        return self._schema(self.conn), self.rows()

    def changes(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> list[str]:
        out = self._diff(a[0], b[0])
        return out + [f"rows of {t}: {a[1].get(t)} -> {b[1].get(t)}" for t in a[1] | b[1]
                      if a[1].get(t) != b[1].get(t)]  # fmt: skip

    def rows(self) -> dict[str, list[str]]:
        """Every row of every table, sorted (compared as text)."""
        if self.dialect == "postgres":
            names = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            quote = '"{}"'
        elif self.dialect == "mysql":
            names = (
                "SELECT TABLE_NAME FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
            )
            quote = "`{}`"
        else:
            names = (
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            quote = '"{}"'
        out = {}
        for (table,) in self._query(names):
            if table == "_prisma_migrations":
                continue
            out[table] = sorted(
                repr(r) for r in self._query(f"SELECT * FROM {quote.format(table)}")
            )
        return out

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.dialect == "mysql":
            with self.conn.cursor() as cur:
                cur.execute(sql)
                return list(cur.fetchall())
        return list(self.conn.execute(sql).fetchall())


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[_Db]:
    dialect = request.param
    if dialect == "postgres":
        yield _Db("postgres", request.getfixturevalue("pg_conn"), pg_apply, pg_snapshot, pg_diff)
    elif dialect == "sqlite":
        conn: sqlite3.Connection = connect(tmp_path / "seed.db")
        try:
            yield _Db("sqlite", conn, sqlite_apply, sqlite_snapshot, sqlite_diff, sqlite_run)
        finally:
            conn.close()
    else:
        server: MariaDBServer = request.getfixturevalue("mariadb")
        name = f"s_{uuid.uuid4().hex[:12]}"
        server.create_database(name)
        my = server.connect(name)
        try:
            yield _Db("mysql", my, mysql_apply, mysql_snapshot, mysql_diff)
        finally:
            my.close()
            server.drop_database(name)


def _up_to_last(db: _Db, name: str, rows: str) -> tuple[str, str]:
    migrations = load(name, db.dialect).migrations()
    for _, up, _ in migrations[:-1]:
        assert db.run(up) is None
    assert db.run(rows) is None
    _, up, down = migrations[-1]
    return up, down


@pytest.mark.parametrize(
    ("db", "name"), sorted(RESTORED), indirect=["db"], ids=[f"{d}-{n}" for d, n in sorted(RESTORED)]
)
def test_up_down_up_with_rows(db: _Db, name: str) -> None:
    up, down = _up_to_last(db, name, RESTORED[(db.dialect, name)])
    before = db.state()
    assert db.run(up) is None, "the migration must run on these rows"
    after = db.state()
    assert after[1] != before[1], "the migration must have added rows"
    error = db.run(down)
    assert error is None, f"down.sql failed on rows: {error}\n{down}"
    assert db.changes(before, db.state()) == [], down
    assert db.run(up) is None, "the migration must apply again after down.sql"
    counts = {t: len(r) for t, r in db.rows().items()}
    assert counts == {t: len(r) for t, r in after[1].items()}  # ids, times: new values


@pytest.mark.parametrize(
    ("db", "name"), sorted(STOPS), indirect=["db"], ids=[f"{d}-{n}" for d, n in sorted(STOPS)]
)
def test_rows_pointing_at_seeded_rows_stop_down(db: _Db, name: str) -> None:
    before_rows, after_rows, reason = STOPS[(db.dialect, name)]
    up, down = _up_to_last(db, name, before_rows)
    assert db.run(up) is None
    assert db.run(after_rows) is None
    state = db.state()
    error = db.run_as_is(down)
    assert error is not None, down
    assert db.changes(state, db.state()) == [], f"down.sql stopped halfway: {error}"
    assert reason in error, f"{error}\n{down}"


def test_sqlite_without_foreign_keys_deletes_the_seeded_rows(tmp_path: Path) -> None:
    """Where SQLite does not enforce foreign keys the DELETE cannot fail: no stop."""
    conn = connect(tmp_path / "off.db")
    try:
        db = _Db("sqlite", conn, sqlite_apply, sqlite_snapshot, sqlite_diff, sqlite_run)
        before, after, _ = STOPS[("sqlite", "seed_fk_restrict_halfway")]
        up, down = _up_to_last(db, "seed_fk_restrict_halfway", before)
        assert db.run(up) is None
        assert db.run(after) is None
        conn.execute("PRAGMA foreign_keys=OFF")
        assert sqlite_run(conn, down) is None, down
        assert conn.execute('SELECT count(*) FROM "Wallet"').fetchone() == (0,)
    finally:
        conn.close()
