"""``prisma-down verify``: down.sql files on disk proven on a throwaway database.

Each test writes a small Prisma history, lets ``prisma-down generate`` write the correct
down.sql files, then breaks some on purpose: every break must be caught and named.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from prisma_down.cli import main
from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.postgres import PostgresServer

PG_HISTORY = {
    "1_init": (
        'CREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    "email" TEXT NOT NULL,\n'
        '    "bio" TEXT,\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n'
        'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
    ),
    "2_email_optional": 'ALTER TABLE "User" ALTER COLUMN "email" DROP NOT NULL;\n',
    "3_drop_email_key": 'DROP INDEX "User_email_key";\n',
    "4_drop_bio": 'ALTER TABLE "User" DROP COLUMN "bio";\n',
}
SQLITE_HISTORY = {
    "1_init": (
        'CREATE TABLE "User" (\n    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n'
        '    "email" TEXT NOT NULL,\n    "bio" TEXT\n);\n'
        'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
    ),
    "2_drop_email_key": 'DROP INDEX "User_email_key";\n',
    "3_add_name": 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n',
}
MYSQL_HISTORY = {
    "1_init": (
        "CREATE TABLE `User` (\n    `id` INTEGER NOT NULL AUTO_INCREMENT,\n"
        "    `email` VARCHAR(191) NOT NULL,\n    `bio` VARCHAR(191) NULL,\n\n"
        "    UNIQUE INDEX `User_email_key`(`email`),\n    PRIMARY KEY (`id`)\n"
        ") DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
    ),
    "2_email_optional": "ALTER TABLE `User` MODIFY `email` VARCHAR(191) NULL;\n",
    "3_drop_email_key": "DROP INDEX `User_email_key` ON `User`;\n",
}
PROVIDERS = {"postgres": "postgresql", "sqlite": "sqlite", "mysql": "mysql"}


def project(root: Path, history: dict[str, str], dialect: str) -> Path:
    migrations = root / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text(f'provider = "{PROVIDERS[dialect]}"\n')
    for name, up in history.items():
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(up)
    assert main(["generate", str(root)]) == 0
    return migrations


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["verify", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def verdicts(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, *args, "--format", "json")
    return code, {v["migration"]: v for v in json.loads(out)}


def break_pg(migrations: Path) -> None:
    (migrations / "2_email_optional" / "down.sql").write_text("-- SET NOT NULL forgotten\n")
    (migrations / "3_drop_email_key" / "down.sql").write_text("-- index forgotten\n")
    (migrations / "4_drop_bio" / "down.sql").write_text(
        'ALTER TABLE "User" ADD COLUMN "bio" TEXT, ADD COLUMN "extra" INTEGER;\n'
    )


# -- PostgreSQL, on a private server --------------------------------------------------------


@pytest.fixture
def pg_history(tmp_path: Path, pg_server: PostgresServer) -> Path:
    del pg_server  # skips (or fails in CI) without PostgreSQL
    return project(tmp_path / "app", PG_HISTORY, "postgres")


def test_postgres_generated_down_files_restore(
    pg_history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(pg_history), "--empty")
    assert code == 0
    assert out.splitlines() == [
        "1_init: restored",
        "2_email_optional: restored",
        "3_drop_email_key: restored",
        "4_drop_bio: restored",
        "4 migrations: 4 restored, 0 failed",
    ]


def test_postgres_broken_down_files_are_named(
    pg_history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    break_pg(pg_history)
    code, found = verdicts(capsys, str(pg_history), "--empty")
    assert code == 1
    assert found["1_init"] == {
        "migration": "1_init",
        "status": "restored",
        "differences": [],
        "error": None,
    }
    assert found["2_email_optional"]["status"] == "mismatch"
    assert found["2_email_optional"]["differences"] == [
        'column "User"."email" is NOT NULL before, nullable after'
    ]
    assert found["3_drop_email_key"]["status"] == "reapply-failed"
    assert found["3_drop_email_key"]["differences"] == ['index "User_email_key" is missing']
    assert found["4_drop_bio"]["status"] == "mismatch"
    assert found["4_drop_bio"]["differences"] == ['column "User"."extra" was not there before']


def test_postgres_text_output_and_missing_down(
    pg_history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    break_pg(pg_history)
    (pg_history / "1_init" / "down.sql").unlink()
    code, out, _ = run(capsys, str(pg_history), "--empty")
    assert code == 1
    assert out.splitlines() == [
        "1_init: not verified: no down.sql",
        "2_email_optional: down.sql does not restore the schema",
        '  - column "User"."email" is NOT NULL before, nullable after',
        "3_drop_email_key: migration.sql failed when applied again after down.sql: "
        'index "User_email_key" does not exist',
        '  - index "User_email_key" is missing',
        "4_drop_bio: down.sql does not restore the schema",
        '  - column "User"."extra" was not there before',
        "4 migrations: 0 restored, 3 failed, 1 not verified",
    ]


def test_postgres_one_migration_after_replaying_the_rest(
    pg_history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    break_pg(pg_history)
    code, found = verdicts(capsys, str(pg_history), "--migration", "4_drop_bio")
    assert code == 1
    assert list(found) == ["4_drop_bio"]
    code, found = verdicts(capsys, str(pg_history / "1_init"))  # a migration folder as PATH
    assert (code, list(found), found["1_init"]["status"]) == (0, ["1_init"], "restored")
    code, _, err = run(capsys, str(pg_history), "--migration", "9_nope")
    assert code == 2
    assert err == "prisma-down: there is no migration named 9_nope\n"


def test_only_missing_down_files_exit_zero(
    pg_history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for down in pg_history.glob("*/down.sql"):
        down.unlink()
    code, found = verdicts(capsys, str(pg_history))
    assert code == 0
    assert {v["status"] for v in found.values()} == {"no-down"}


def test_no_postgres_installed_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from prisma_down.verify import postgres

    root = tmp_path / "app"
    project(root, PG_HISTORY, "postgres")

    def missing() -> Path:
        raise postgres.PostgresUnavailable(
            "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found: install them "
            "(`apt-get install postgresql` on Debian/Ubuntu, `brew install postgresql` on macOS) "
            "or pass --database-url."
        )

    monkeypatch.setattr(postgres, "find_bin_dir", missing)
    code, out, err = run(capsys, str(root))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "apt-get install postgresql" in err and "--database-url" in err


# -- PostgreSQL, on a database the user names -------------------------------------------------


def _tables(server: PostgresServer, db: str) -> list[str]:
    with server.connect(db) as conn:
        rows = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


def test_database_url_empty_database(
    pg_history: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute('CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY)')
        conn.execute("INSERT INTO \"_prisma_migrations\" VALUES ('kept')")
    url = pg_server.url(pg_db)
    code, out, _ = run(capsys, str(pg_history), "--database-url", url)
    assert code == 0, out
    assert out.splitlines()[-1].startswith("4 migrations: 4 restored, 0 failed;")
    assert _tables(pg_server, pg_db) == ["public._prisma_migrations"]  # the rest cleaned up
    with pg_server.connect(pg_db) as conn:
        assert conn.execute('SELECT id FROM "_prisma_migrations"').fetchall() == [("kept",)]


def test_database_url_refuses_a_database_with_tables_unless_reuse(
    pg_history: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute('CREATE TABLE "Order" ("id" INTEGER)')
    url = pg_server.url(pg_db).replace("postgres@", "postgres:s3cr%40t-pw@")  # trust ignores it
    code, out, err = run(capsys, str(pg_history), "--database-url", url)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "public.Order" in err and "--reuse" in err
    assert "postgres:****@localhost" in err
    assert "s3cr" not in err
    assert _tables(pg_server, pg_db) == ["public.Order"]  # untouched

    code, out, err = run(capsys, str(pg_history), "--database-url", url, "--reuse")
    assert code == 0, err
    assert "s3cr" not in out + err
    assert _tables(pg_server, pg_db) == []


def test_database_url_password_never_shown(
    pg_history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://me:hunter2secret@localhost:5432/db?host={tmp_path}/nowhere"
    code, out, err = run(capsys, str(pg_history), "--database-url", url)
    assert (code, out) == (2, "")
    assert err.startswith("prisma-down: could not connect to postgresql://me:****@localhost")
    assert "hunter2" not in err


def test_database_url_of_the_wrong_kind(
    pg_history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, str(pg_history), "--database-url", "mysql://u:pw123456@h/db")
    assert code == 2
    assert "MySQL" in err and "pw123456" not in err
    code, _, err = run(capsys, str(pg_history), "--database-url", "redis://h/0")
    assert code == 2
    assert "postgresql:// or mysql://" in err


# -- SQLite, in-process ------------------------------------------------------------------------


def test_sqlite_generated_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    migrations = project(tmp_path / "app", SQLITE_HISTORY, "sqlite")
    code, found = verdicts(capsys, str(migrations))
    assert code == 0
    assert [v["status"] for v in found.values()] == ["restored"] * 3

    (migrations / "2_drop_email_key" / "down.sql").write_text("-- index forgotten\n")
    (migrations / "3_add_name" / "down.sql").write_text("-- column left behind\n")
    code, found = verdicts(capsys, str(migrations))
    assert code == 1
    assert found["1_init"]["status"] == "restored"
    assert found["2_drop_email_key"]["status"] == "reapply-failed"
    assert found["2_drop_email_key"]["differences"] == ['index "User_email_key" is missing']
    assert found["3_add_name"]["status"] == "reapply-failed"
    assert found["3_add_name"]["differences"] == ['column "User"."name" was not there before']
    assert not list(tmp_path.glob("**/verify.db"))


def test_progress_lines_on_stderr_for_long_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = {"01_init": 'CREATE TABLE "T" ("id" INTEGER NOT NULL PRIMARY KEY);\n'}
    history |= {f"{i:02}_c{i}": f'ALTER TABLE "T" ADD COLUMN "c{i}" TEXT;\n' for i in range(2, 13)}
    migrations = project(tmp_path / "app", history, "sqlite")
    code, out, err = run(capsys, str(migrations))
    assert code == 0
    assert err.splitlines()[0] == "[1/12] 01_init ... restored"
    assert err.splitlines()[-1] == "[12/12] 12_c12 ... restored"
    assert out.splitlines()[-1].split(";")[0] == "12 migrations: 12 restored, 0 failed"


# -- MySQL, on a private MariaDB ----------------------------------------------------------------


@pytest.mark.skipif(
    shutil.which("mariadbd") is None and not Path("/usr/sbin/mariadbd").exists(),
    reason="MariaDB is not installed",
)
def test_mariadb_generated_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pymysql")
    migrations = project(tmp_path / "app", MYSQL_HISTORY, "mysql")
    code, found = verdicts(capsys, str(migrations))
    assert code == 0, found
    assert [v["status"] for v in found.values()] == ["restored"] * 3

    (migrations / "2_email_optional" / "down.sql").write_text("-- NOT NULL forgotten\n")
    (migrations / "3_drop_email_key" / "down.sql").write_text("-- index forgotten\n")
    code, found = verdicts(capsys, str(migrations))
    assert code == 1
    assert found["2_email_optional"]["status"] == "mismatch"
    assert found["2_email_optional"]["differences"] == [
        "nullable of column `User`.`email` is 'NO' before, 'YES' after",
        "default of column `User`.`email` is None before, 'NULL' after",
    ]
    assert found["3_drop_email_key"]["status"] == "reapply-failed"
    assert found["3_drop_email_key"]["differences"] == [
        "index `User_email_key` on `User` is missing"
    ]


def test_mariadb_database_url_refusal_and_reuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mariadb: MariaDBServer
) -> None:
    migrations = project(tmp_path / "app", MYSQL_HISTORY, "mysql")
    with mariadb.database(f"d_{uuid.uuid4().hex[:12]}") as name:
        with mariadb.connect(name) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE other (id INT)")
        url = mariadb.url(name)
        code, out, err = run(capsys, str(migrations), "--database-url", url)
        assert (code, out) == (2, "")
        assert err.endswith(
            'holds 1 table ("other"): verify needs an empty database; '
            "pass --reuse to drop them first\n"
        )
        code, out, err = run(capsys, str(migrations), "--database-url", url, "--reuse")
        assert code == 0, err
        assert out.splitlines()[-1].split(";")[0] == "3 migrations: 3 restored, 0 failed"
        with mariadb.connect(name) as conn, conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            assert cur.fetchall() == ()


# -- URLs that are broken or hold secrets ----------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "url", "said"),
    [
        ("postgres", "[bad", "must start with postgresql:// or mysql://"),
        ("postgres", "postgresql://u:hunter2secret@[bad/db", "unclosed ["),
        ("postgres", "postgresql://u:hunter2secret@localhost:abc/db", "port"),
        ("mysql", "mysql://u:hunter2secret@localhost:abc/db", "port"),
        ("mysql", "mysql://u:hunter2secret@localhost:99999/db", "port"),
        ("postgres", "postgresql://u:hunter2secret@localhost/db\x00", "control character (NUL)"),
        ("postgres", "redis://u:hunter2secret@h/0", "postgresql:// or mysql://"),
    ],
)
def test_broken_database_url_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dialect: str, url: str, said: str
) -> None:
    history = PG_HISTORY if dialect == "postgres" else MYSQL_HISTORY
    migrations = project(tmp_path / "app", history, dialect)
    code, out, err = run(capsys, str(migrations), "--database-url", url)
    assert (code, out) == (2, "")
    assert err.startswith("prisma-down: ") and err.count("\n") == 1
    assert said in err
    assert "hunter2" not in err and "\x00" not in err


def test_secret_url_parameters_never_shown(
    pg_history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = (
        f"postgresql://me@localhost:5432/db?host={tmp_path}/nowhere&sslpassword=hunter2ssl"
        "&SSLPassword=hunter2upper&password=hunter2pw&sslkey=/keys/client.key"
    )
    code, out, err = run(capsys, str(pg_history), "--database-url", url)
    assert (code, out) == (2, "")
    assert "could not connect to postgresql://me@localhost:5432/db?" in err
    assert "sslpassword=****&SSLPassword=****&password=****&sslkey=/keys/client.key" in err
    assert "hunter2" not in err
