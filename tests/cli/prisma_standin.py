"""A stand-in for Prisma's CLI that really changes the database (Prisma's engine cannot be
downloaded here).

It records every call (``calls.jsonl`` beside the ``node_modules/.bin/prisma`` that runs
it) and does what Prisma does, on the real database ``DATABASE_URL`` names
(``postgresql://`` through psycopg, ``mysql://`` through PyMySQL, ``file:`` through
sqlite3), following prisma/prisma-engines and prisma/prisma:

- ``db execute --file F`` / ``--stdin``: the script as the schema engine's ``db_execute``
  runs it (``flavour.raw_cmd``): PostgreSQL one simple query (``verify.postgres.apply``),
  MySQL statement after statement (``verify.mariadb.apply``), SQLite ``executescript``.
- ``migrate status``: ``diagnose_migration_history.rs`` (a folder with no row is pending;
  a row with neither ``finished_at`` nor ``rolled_back_at`` failed), printed with
  ``MigrateStatus.ts``'s sentences, in its order (it exits after the pending list).
- ``migrate resolve --rolled-back NAME``: ``mark_migration_rolled_back.rs`` (P3011, P3012).
- ``migrate deploy``: ``apply_migrations.rs`` (P3009 over a failed row; applies every
  folder without a row that is not rolled back, recording it as the engine does).

``fail`` beside the bin, holding a command word (``db``, ``migrate``), makes that command
fail before it does anything, as Prisma would on a lost connection.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

# _prisma_migrations exactly as the schema engine creates it (create_migrations_table in
# schema-engine/connectors/sql-schema-connector/src/flavour/{postgres,mysql,sqlite}.rs)
DDL = {
    "postgres": """CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);""",
    "mysql": """CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;""",
    "sqlite": """CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);""",
}
COLUMNS = "id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at"


class Database:
    """One connection to the database a URL names, with Prisma's way of running scripts."""

    def __init__(self, url: str, schema_dir: Path) -> None:
        parts = urlparse(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.scheme.startswith("postgres"):
            import psycopg

            self.engine = "postgres"
            self.conn: Any = psycopg.connect(
                host=query.get("host", parts.hostname),
                port=parts.port or 5432,
                user=unquote(parts.username or ""),
                dbname=unquote(parts.path.lstrip("/")),
                autocommit=True,
            )
        elif parts.scheme == "mysql":
            import pymysql

            self.engine = "mysql"
            self.conn = pymysql.connect(
                unix_socket=query.get("socket"),
                user=unquote(parts.username or "root"),
                database=unquote(parts.path.lstrip("/")),
                autocommit=True,
                charset="utf8mb4",
            )
        else:  # file:./dev.db, relative to the schema's folder as Prisma resolves it
            from prisma_down.verify.sqlite import connect

            self.engine = "sqlite"
            self.conn = connect(schema_dir / url.removeprefix("file:"))

    def script(self, text: str) -> str | None:
        """Run a script as ``prisma db execute`` does; the error, or None."""
        if self.engine == "postgres":
            from prisma_down.verify.postgres import apply

            return apply(self.conn, text)
        if self.engine == "mysql":
            from prisma_down.verify.mariadb import apply as apply_mysql

            return apply_mysql(self.conn, text)
        from prisma_down.verify.sqlite import run

        return run(self.conn, text)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        mark = "?" if self.engine == "sqlite" else "%s"
        sql = sql.replace("?", mark)
        if self.engine == "sqlite":
            return list(self.conn.execute(sql, params).fetchall())
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []

    def rows(self) -> list[dict[str, Any]] | None:
        """``list_migrations``: every row ordered by started_at; None without the table."""
        try:
            found = self.query(f"SELECT {COLUMNS} FROM _prisma_migrations ORDER BY started_at")
        except Exception:
            if self.engine == "postgres":
                self.conn.rollback()
            return None
        names = [c.strip() for c in COLUMNS.split(",")]
        return [dict(zip(names, row, strict=True)) for row in found]

    def now(self) -> Any:
        """The time as the engine's column takes it."""
        moment = datetime.datetime.now(datetime.timezone.utc)
        if self.engine == "sqlite":
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment if self.engine == "postgres" else moment.replace(tzinfo=None)


def folders(migrations: Path) -> list[Path]:
    return sorted(p for p in migrations.iterdir() if (p / "migration.sql").is_file())


def status(db: Database, migrations: Path) -> int:
    """``prisma migrate status``."""
    rows = db.rows()
    local = folders(migrations)
    print()
    print(f"{len(local)} migration{'s' if len(local) > 1 else ''} found in prisma/migrations")
    if rows is None:
        print("The current database is not managed by Prisma Migrate.", file=sys.stderr)
        return 1
    names = {r["migration_name"] for r in rows}
    pending = [f.name for f in local if f.name not in names]
    if pending:
        s = "s" if len(pending) > 1 else ""
        print(f"Following migration{s} have not yet been applied:\n" + "\n".join(pending))
        print("\nTo apply migrations in development run prisma migrate dev.")
        print("To apply migrations in production run prisma migrate deploy.")
        return 1
    failed = [r["migration_name"] for r in rows if not r["finished_at"] and not r["rolled_back_at"]]
    if failed:
        s = "s" if len(failed) > 1 else ""
        print(f"Following migration{s} have failed:\n" + "\n".join(failed) + "\n", file=sys.stderr)
        return 1
    print("\nDatabase schema is up to date!")
    return 0


def resolve_rolled_back(db: Database, name: str) -> int:
    rows = [r for r in db.rows() or [] if r["migration_name"] == name]
    if not rows:
        print(
            f"Error: P3011\n\nMigration `{name}` cannot be rolled back because it was never "
            "applied to the database.",
            file=sys.stderr,
        )
        return 1
    if all(r["finished_at"] for r in rows):
        print(
            f"Error: P3012\n\nMigration `{name}` cannot be rolled back because it is not in a "
            "failed state.",
            file=sys.stderr,
        )
        return 1
    for r in rows:
        if not r["finished_at"] and not r["rolled_back_at"]:
            db.query(
                "UPDATE _prisma_migrations SET rolled_back_at = ? WHERE id = ?", db.now(), r["id"]
            )
    print(f"\nMigration {name} marked as rolled back.")
    return 0


def deploy(db: Database, migrations: Path) -> int:
    rows = db.rows()
    if rows is None:
        db.script(DDL[db.engine])
        rows = []
    failed = [r for r in rows if not r["finished_at"] and not r["rolled_back_at"]]
    if failed:
        print(f"Error: P3009\n\nmigrate found failed migrations: {failed[0]['migration_name']}",
              file=sys.stderr)  # fmt: skip
        return 1
    live = {r["migration_name"] for r in rows if not r["rolled_back_at"]}
    for folder in folders(migrations):
        if folder.name in live:
            continue
        script = (folder / "migration.sql").read_text()
        row = str(uuid.uuid4())
        checksum = hashlib.sha256(script.encode()).hexdigest()
        db.query(
            "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) "
            "VALUES (?, ?, ?, ?)",
            row, checksum, db.now(), folder.name,
        )  # fmt: skip
        error = db.script(script)
        if error is not None:
            db.query("UPDATE _prisma_migrations SET logs = ? WHERE id = ?", error, row)
            print(f"Error: P3018\n\nMigration name: {folder.name}\n{error}", file=sys.stderr)
            return 1
        db.query(
            "UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, "
            "finished_at = ? WHERE id = ?",
            db.now(), row,
        )  # fmt: skip
    print("All migrations have been successfully applied.")
    return 0


def main(argv: list[str], bin_path: str) -> int:
    here = Path(bin_path).resolve().parent
    with open(here / "calls.jsonl", "a") as log:
        log.write(json.dumps(argv) + "\n")
    fail = here / "fail"
    if fail.exists() and argv and fail.read_text().strip() == argv[0]:
        print("Error: P1001: Can't reach database server", file=sys.stderr)
        return 1
    options = {a: argv[i + 1] for i, a in enumerate(argv[:-1]) if a.startswith("--")}
    schema = Path(options.get("--schema", "prisma/schema.prisma")).resolve()
    db = Database(os.environ["DATABASE_URL"], schema.parent)
    migrations = schema.parent / "migrations"
    if argv[:2] == ["db", "execute"]:
        text = sys.stdin.read() if "--stdin" in argv else Path(options["--file"]).read_text()
        error = db.script(text)
        if error is not None:
            print(f"Error: {error}", file=sys.stderr)
            return 1
        print("Script executed successfully.")
        return 0
    if argv[:2] == ["migrate", "status"]:
        return status(db, migrations)
    if argv[:3] == ["migrate", "resolve", "--rolled-back"]:
        return resolve_rolled_back(db, argv[3])
    if argv[:2] == ["migrate", "deploy"]:
        return deploy(db, migrations)
    print(f"the stand-in does not know {argv}", file=sys.stderr)
    return 2


def install(project: Path) -> Path:
    """Put the stand-in at ``project/node_modules/.bin/prisma`` (Prisma 6); the bin folder."""
    repo = Path(__file__).resolve().parents[2]
    bin_dir = project / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    fake = bin_dir / "prisma"
    fake.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(repo)!r})\n"
        "from tests.cli.prisma_standin import main\n"
        "sys.exit(main(sys.argv[1:], __file__))\n"
    )
    fake.chmod(0o755)
    (project / "node_modules" / "prisma").mkdir(exist_ok=True)
    (project / "node_modules" / "prisma" / "package.json").write_text('{"version": "6.19.0"}\n')
    return bin_dir


LAUNCHER = """#!{python}
import json, os, pathlib, sys
log = pathlib.Path({log!r})
with open(log, "a") as f:
    f.write(json.dumps([{name!r}, *sys.argv[1:]]) + "\\n")
args = sys.argv[1:]
args = args[1:] if args[:1] == ["exec"] else args  # pnpm exec prisma
if args[:1] != ["prisma"]:
    sys.exit("this stand-in only runs prisma")
for folder in (pathlib.Path.cwd(), *pathlib.Path.cwd().parents):
    local = folder / "node_modules" / ".bin" / "prisma"
    if local.exists():
        os.execv(str(local), [str(local), *args[1:]])
sys.exit("prisma is not installed in this project")
"""


def launchers(folder: Path) -> Path:
    """Stand-ins for npx, pnpm, yarn and bunx that record how they were called (in
    ``launchers.jsonl``) and run the project's local prisma, as the real ones do."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("npx", "pnpm", "yarn", "bunx"):
        path = folder / name
        path.write_text(
            LAUNCHER.format(python=sys.executable, log=str(folder / "launchers.jsonl"), name=name)
        )
        path.chmod(0o755)
    return folder
