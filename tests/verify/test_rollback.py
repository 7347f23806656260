"""``prisma-down rollback`` on real databases holding Prisma's ``_prisma_migrations``.

The Prisma CLI is a stand-in (``tests/cli/prisma_standin.py``: its engine cannot be
downloaded here) that records its calls and runs what it is handed on the real database
as Prisma's schema engine would; ``migrate status``, ``resolve`` and ``deploy`` follow the
engine's rules on the real table, created with the engine's own DDL. Schemas are compared
with verify's snapshot code, rows read straight from ``_prisma_migrations``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.prisma_standin import install, launchers

PROVIDER = {"postgres": "postgresql", "mysql": "mysql", "sqlite": "sqlite"}
MIGRATIONS = {
    "postgres": [
        ("1_init", 'CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, '
                   'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));'),
        ("2_post", 'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" INTEGER NOT NULL, '
                   'CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));\n'
                   'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY '
                   '("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;'),
        ("3_bio", 'ALTER TABLE "User" ADD COLUMN "bio" TEXT;'),
        ("4_email_key", 'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");'),
    ],
    "mysql": [
        ("1_init", "CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, "
                   "`email` VARCHAR(191) NOT NULL, PRIMARY KEY (`id`)) "
                   "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"),
        ("2_post", "CREATE TABLE `Post` (`id` INTEGER NOT NULL AUTO_INCREMENT, "
                   "`authorId` INTEGER NOT NULL, PRIMARY KEY (`id`)) "
                   "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
                   "ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY "
                   "(`authorId`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;"),
        ("3_bio", "ALTER TABLE `User` ADD COLUMN `bio` VARCHAR(191) NULL;"),
        ("4_email_key", "CREATE UNIQUE INDEX `User_email_key` ON `User`(`email`);"),
    ],
    "sqlite": [
        ("1_init", 'CREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, '
                   '"email" TEXT NOT NULL);'),
        ("2_post", 'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, '
                   '"authorId" INTEGER NOT NULL, CONSTRAINT "Post_authorId_fkey" FOREIGN KEY '
                   '("authorId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE);'),
        ("3_bio", 'ALTER TABLE "User" ADD COLUMN "bio" TEXT;'),
        ("4_email_key", 'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");'),
    ],
}  # fmt: skip
# a migration that fails on its second statement (a row that breaks NOT NULL)
BAD = {
    "postgres": 'ALTER TABLE "User" ADD COLUMN "age" INTEGER;\n'
    'INSERT INTO "User" ("id") VALUES (1);',
    "mysql": "ALTER TABLE `User` ADD COLUMN `age` INTEGER NULL;\n"
    "INSERT INTO `User` (`id`) VALUES (1);",
    "sqlite": 'ALTER TABLE "User" ADD COLUMN "age" INTEGER;\nINSERT INTO "User" ("id") VALUES (1);',
}


@dataclass
class Engine:
    """One real database engine: fresh databases, their URLs, schemas and history rows."""

    name: str
    fresh: Callable[[], str]  # a new empty database: its name (a file path for SQLite)
    url: Callable[[str], str]
    connect: Callable[[str], Any]
    snapshot: Callable[[Any], Any]
    apply: Callable[[Any, str], str | None]


@pytest.fixture(params=["postgres", "mysql", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    made: list[str] = []
    if request.param == "postgres":
        from prisma_down.verify import postgres, snapshot

        server = request.getfixturevalue("pg_server")

        def fresh() -> str:
            name = f"rb_{uuid.uuid4().hex[:10]}"
            server.create_database(name)
            made.append(name)
            return name

        yield Engine(
            "postgres", fresh, server.url, server.connect, snapshot.snapshot, postgres.apply
        )
        for name in made:
            server.drop_database(name)
    elif request.param == "mysql":
        from prisma_down.verify import mariadb, mysql_snapshot

        maria = request.getfixturevalue("mariadb")

        def fresh_mysql() -> str:
            name = f"rb_{uuid.uuid4().hex[:10]}"
            maria.create_database(name)
            made.append(name)
            return name

        yield Engine(
            "mysql", fresh_mysql, maria.url, maria.connect, mysql_snapshot.snapshot, mariadb.apply
        )
        for name in made:
            maria.drop_database(name)
    else:
        from prisma_down.verify import sqlite as lite

        def fresh_file() -> str:
            path = tmp_path / f"db_{uuid.uuid4().hex[:10]}.sqlite"
            sqlite3.connect(path).close()
            return str(path)

        def schema(conn: sqlite3.Connection) -> Any:
            """SQLite's snapshot, less Prisma's table (the others leave it out themselves)."""
            found = lite.snapshot(conn)
            return lite.Snapshot(
                {k: v for k, v in found.tables.items() if k != "_prisma_migrations"},
                {k: v for k, v in found.indexes.items() if v.table != "_prisma_migrations"},
                found.others,
            )

        yield Engine("sqlite", fresh_file, lambda p: f"file:{p}", lite.connect, schema, lite.run)


@dataclass
class App:
    root: Path
    engine: Engine
    database: str
    bin: Path
    launch: Path

    @property
    def migrations(self) -> Path:
        return self.root / "prisma" / "migrations"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        return env | {
            "DATABASE_URL": self.engine.url(self.database),
            "PATH": f"{self.launch}{os.pathsep}{env.get('PATH', '')}",
            "XDG_CACHE_HOME": str(self.root / ".test-cache"),
            "PYTHONIOENCODING": "utf-8",
        }

    def prisma_down(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "prisma_down.cli", *args],
            cwd=self.root, capture_output=True, text=True, env=self.env(), timeout=120,
        )  # fmt: skip
        assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
        return proc

    def prisma(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The stand-in itself, as a person would run it."""
        return subprocess.run(
            [str(self.bin / "prisma"), *args, "--schema", "prisma/schema.prisma"],
            cwd=self.root, capture_output=True, text=True, env=self.env(), timeout=120,
        )  # fmt: skip

    def calls(self) -> list[list[str]]:
        log = self.bin / "calls.jsonl"
        lines = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return [json.loads(line) for line in lines]

    def schema(self) -> Any:
        conn = self.engine.connect(self.database)
        try:
            return self.engine.snapshot(conn)
        finally:
            conn.close()

    def rows(self) -> dict[str, list[tuple[bool, bool]]]:
        """migration name → (finished, rolled back) of each of its rows."""
        conn = self.engine.connect(self.database)
        try:
            sql = (
                "SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations "
                "ORDER BY started_at"
            )
            if self.engine.name == "sqlite":
                found = conn.execute(sql).fetchall()
            else:
                with conn.cursor() as cur:
                    cur.execute(sql)
                    found = cur.fetchall()
            out: dict[str, list[tuple[bool, bool]]] = {}
            for name, finished, rolled in found:
                out.setdefault(name, []).append((finished is not None, rolled is not None))
            return out
        finally:
            conn.close()

    def applied(self) -> list[str]:
        """By Prisma's rule (apply_migrations.rs): a row that is not rolled back."""
        return [name for name, rows in self.rows().items() if any(not r for _, r in rows)]

    def reference(self, upto: int) -> Any:
        """The schema of a fresh database holding the first ``upto`` migrations."""
        other = self.engine.fresh()
        conn = self.engine.connect(other)
        try:
            for _, sql in MIGRATIONS[self.engine.name][:upto]:
                assert self.engine.apply(conn, sql) is None
            return self.engine.snapshot(conn)
        finally:
            conn.close()


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> App:
    root = tmp_path / "app"
    migrations = root / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text(f'provider = "{PROVIDER[engine.name]}"\n')
    (root / "prisma" / "schema.prisma").write_text(
        f'datasource db {{\n  provider = "{PROVIDER[engine.name]}"\n'
        '  url = env("DATABASE_URL")\n}\n'
    )
    (root / "package.json").write_text('{"name": "app"}\n')
    for name, sql in MIGRATIONS[engine.name]:
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(sql + "\n")
    made = App(root, engine, engine.fresh(), install(root), launchers(tmp_path / "launchers"))
    deployed = made.prisma("migrate", "deploy")
    assert deployed.returncode == 0, deployed.stderr
    assert made.prisma_down("generate").returncode == 0
    made.calls()
    return made


def script_of(call: list[str]) -> str:
    return call[call.index("--file") + 1]


def test_applied_migration_rolls_back_with_its_history_row(app: App) -> None:
    before = app.reference(3)
    proc = app.prisma_down("rollback", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "rolled back 4_email_key" in proc.stderr
    calls = app.calls()
    assert calls[0] == ["migrate", "status", "--schema", "prisma/schema.prisma"]
    assert calls[1][:3] == ["db", "execute", "--file"]
    if app.engine.name == "postgres":  # one script, one transaction: no resolve
        assert len(calls) == 2
    else:  # marked failed in the script, then Prisma's resolve
        assert calls[2] == ["migrate", "resolve", "--rolled-back", "4_email_key", "--schema",
                            "prisma/schema.prisma"]  # fmt: skip
    assert app.schema() == before
    assert app.rows()["4_email_key"] == [(app.engine.name == "postgres", True)]
    assert app.applied() == ["1_init", "2_post", "3_bio"]
    # by Prisma's rules it is not applied: migrate deploy applies it again
    again = app.prisma("migrate", "deploy")
    assert again.returncode == 0, again.stderr
    assert app.schema() == app.reference(4)
    assert app.applied() == ["1_init", "2_post", "3_bio", "4_email_key"]


def test_a_down_sql_failing_halfway(app: App) -> None:
    down = app.migrations / "4_email_key" / "down.sql"
    generated = down.read_text()
    down.write_text(generated + "\nSELECT * FROM no_such_table;\n")  # after the real undo
    full, before = app.schema(), app.reference(3)
    proc = app.prisma_down("rollback", "--yes")
    assert proc.returncode == 1
    if app.engine.name == "postgres":  # one transaction: nothing changed at all
        assert "nothing changed" in proc.stderr
        assert app.schema() == full
        assert app.rows()["4_email_key"] == [(True, False)]
        return
    # MySQL, SQLite: each statement commits; the row says failed, which is true
    assert "Prisma records 4_email_key as failed" in proc.stderr
    assert app.schema() == before
    assert app.rows()["4_email_key"] == [(False, False)]
    blocked = app.prisma("migrate", "deploy")
    assert blocked.returncode == 1 and "P3009" in blocked.stderr
    # fixed, the next rollback sees a failed migration: guarded down.sql, then resolve
    down.write_text(generated)
    app.calls()
    again = app.prisma_down("rollback", "--yes")
    assert again.returncode == 0, again.stderr
    calls = app.calls()
    assert calls[1] == ["db", "execute", "--file", "prisma/migrations/4_email_key/down.sql",
                        "--schema", "prisma/schema.prisma"]  # fmt: skip
    assert calls[2][:4] == ["migrate", "resolve", "--rolled-back", "4_email_key"]
    assert app.schema() == before
    assert app.rows()["4_email_key"] == [(False, True)]


def test_to_rolls_back_three_newest_first(app: App) -> None:
    proc = app.prisma_down("rollback", "--to", "1_init", "--yes")
    assert proc.returncode == 0, proc.stderr
    order = [
        line.split()[-1] for line in proc.stderr.splitlines() if line.startswith("rolled back")
    ]
    assert order == ["4_email_key", "3_bio", "2_post"]
    assert app.schema() == app.reference(1)
    assert app.applied() == ["1_init"]
    assert app.prisma("migrate", "deploy").returncode == 0
    assert app.schema() == app.reference(4)


def test_to_stops_at_the_first_failure_consistent(app: App) -> None:
    (app.migrations / "3_bio" / "down.sql").write_text("SELECT * FROM no_such_table;\n")
    proc = app.prisma_down("rollback", "--to", "1_init", "--yes")
    assert proc.returncode == 1
    assert "stopped; rolled back before it: 4_email_key" in proc.stderr
    assert app.schema() == app.reference(3)  # 3_bio's down.sql changed nothing
    assert "4_email_key" not in app.applied() and "3_bio" in app.applied()
    # once fixed, --to again skips the one rolled back already and goes on
    (app.migrations / "3_bio" / "down.sql").unlink()
    assert app.prisma_down("generate").returncode == 0
    again = app.prisma_down("rollback", "--to", "1_init", "--yes")
    assert again.returncode == 0, again.stderr
    assert "nothing changed for 4_email_key" in again.stderr
    assert app.schema() == app.reference(1)
    assert app.applied() == ["1_init"]


def test_failed_migration_goes_through_resolve(app: App) -> None:
    bad = app.migrations / "5_bad"
    bad.mkdir()
    (bad / "migration.sql").write_text(BAD[app.engine.name] + "\n")
    assert app.prisma("migrate", "deploy").returncode == 1
    assert app.rows()["5_bad"] == [(False, False)]
    assert app.prisma_down("generate").returncode == 0
    app.calls()
    proc = app.prisma_down("rollback", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "5_bad (failed):" in proc.stderr
    calls = app.calls()
    assert calls[1][:4] == ["db", "execute", "--file", "prisma/migrations/5_bad/down.sql"]
    assert calls[2][:4] == ["migrate", "resolve", "--rolled-back", "5_bad"]
    assert app.schema() == app.reference(4)
    assert app.rows()["5_bad"] == [(False, True)]


def test_a_pending_migration_is_refused_and_the_last_applied_is_the_default(app: App) -> None:
    extra = app.migrations / "5_later"
    extra.mkdir()
    (extra / "migration.sql").write_text(
        MIGRATIONS[app.engine.name][2][1].replace("bio", "nick") + "\n"
    )
    refused = app.prisma_down("rollback", "5_later", "--yes")
    assert refused.returncode == 2
    assert "5_later is not applied to this database" in refused.stderr
    assert app.prisma_down("rollback", "--yes").returncode == 0
    assert app.applied() == ["1_init", "2_post", "3_bio"]


ENUM_UP = """CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'MOD');
ALTER TABLE "User" ADD COLUMN "role" "Role" NOT NULL DEFAULT 'USER';
"""
ENUM_REPLACE = """-- AlterEnum
BEGIN;
CREATE TYPE "Role_new" AS ENUM ('USER', 'ADMIN');
ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "Role_old";
ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'USER';
COMMIT;
"""


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
@pytest.mark.parametrize("breaks", [False, True])
def test_postgres_down_sql_with_its_own_commit_stays_one_transaction(
    app: App, breaks: bool
) -> None:
    """Prisma's enum replacement is BEGIN; … COMMIT;, and so is its generated inverse: in
    the rollback script that COMMIT is left out, or a failure after it would leave the
    enum changed and the history row applied."""
    for name, sql in (("5_role", ENUM_UP), ("6_drop_mod", ENUM_REPLACE)):
        (app.migrations / name).mkdir()
        (app.migrations / name / "migration.sql").write_text(sql)
    assert app.prisma("migrate", "deploy").returncode == 0
    before = app.schema()  # 6 applied
    assert app.prisma_down("generate").returncode == 0
    down = app.migrations / "6_drop_mod" / "down.sql"
    assert "COMMIT;" in down.read_text()
    if breaks:
        down.write_text(down.read_text() + "\nSELECT * FROM no_such_table;\n")
    proc = app.prisma_down("rollback", "--yes")
    if breaks:
        assert proc.returncode == 1 and "nothing changed" in proc.stderr
        assert app.schema() == before
        assert "6_drop_mod" in app.applied()
        return
    assert proc.returncode == 0, proc.stderr
    assert "6_drop_mod" not in app.applied()
    reference = app.engine.fresh()
    conn = app.engine.connect(reference)
    for _, sql in MIGRATIONS["postgres"]:
        assert app.engine.apply(conn, sql) is None
    assert app.engine.apply(conn, ENUM_UP) is None
    assert app.schema() == app.engine.snapshot(conn)
    conn.close()


def test_sqlite_why_the_script_is_no_transaction(tmp_path: Path) -> None:
    """What history_sql says of SQLite, on SQLite: inside a transaction ``PRAGMA
    foreign_keys=OFF`` does nothing, so a table redefinition's ``DROP TABLE`` deletes the
    referencing rows through ON DELETE CASCADE; outside one, the rows stay."""
    from prisma_down.verify import sqlite as lite

    setup = (
        'CREATE TABLE "P" ("id" INTEGER PRIMARY KEY);\n'
        'CREATE TABLE "C" ("id" INTEGER PRIMARY KEY, "p" INTEGER REFERENCES "P" ("id") '
        "ON DELETE CASCADE);\n"
        'INSERT INTO "P" VALUES (1); INSERT INTO "C" VALUES (1, 1);\n'
    )
    redefine = (
        "PRAGMA foreign_keys=OFF;\n"
        'CREATE TABLE "new_P" ("id" INTEGER PRIMARY KEY, "x" TEXT);\n'
        'INSERT INTO "new_P" ("id") SELECT "id" FROM "P";\n'
        'DROP TABLE "P";\nALTER TABLE "new_P" RENAME TO "P";\n'
        "PRAGMA foreign_keys=ON;\n"
    )
    counts = []
    for wrapped in (True, False):
        conn = lite.connect(tmp_path / f"{wrapped}.db")  # foreign keys on, as Prisma's
        assert lite.run(conn, setup) is None
        script = f"BEGIN;\n{redefine}COMMIT;\n" if wrapped else redefine
        conn.executescript(script)  # as one batch, as rusqlite's execute_batch runs it
        counts.append(conn.execute('SELECT count(*) FROM "C"').fetchone()[0])
        conn.close()
    assert counts == [0, 1]
