"""The throwaway PostgreSQL server, Prisma-style script application, snapshots and their diff.

Everything runs against a real server: the point of this package is to ask PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from prisma_down.verify import postgres
from prisma_down.verify.postgres import PostgresServer, PostgresUnavailable, apply
from prisma_down.verify.snapshot import Column, Constraint, Sequence, View, snapshot
from prisma_down.verify.snapshot_diff import diff

BASE = """\
CREATE EXTENSION pgcrypto;
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "authorId" INTEGER NOT NULL,
    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId")
    REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE SCHEMA "audit";
CREATE TABLE "audit"."Log" (
    "id" INTEGER GENERATED ALWAYS AS IDENTITY,
    "msg" TEXT NOT NULL,
    "tag" TEXT COLLATE "C",
    "len" INTEGER GENERATED ALWAYS AS (length("msg")) STORED,
    CONSTRAINT "Log_len_check" CHECK ("len" >= 0)
);
CREATE SEQUENCE "counter" INCREMENT 5;
CREATE VIEW "UserEmails" AS SELECT "email" FROM "User";
CREATE MATERIALIZED VIEW "PostCount" AS SELECT count(*) AS "n" FROM "Post";
CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."createdAt" := now();
  RETURN NEW;
END
$$;
CREATE FUNCTION "add_one"(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$;
CREATE PROCEDURE "noop"() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TRIGGER "User_touch" BEFORE UPDATE ON "User"
    FOR EACH ROW EXECUTE FUNCTION "touch"();
CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY, "checksum" VARCHAR(64));
"""


@pytest.fixture
def base(pg_conn: Any) -> Any:
    """A connection to a database holding BASE."""
    assert apply(pg_conn, BASE) is None
    return pg_conn


# -- the server --------------------------------------------------------------------------------


def test_start_stop_leaves_nothing_behind() -> None:
    try:
        server = PostgresServer()
        server.start()
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    directory = server.directory
    pid = int((directory / "data" / "postmaster.pid").read_text().split()[0])
    with server.connect() as conn:
        settings = dict(conn.execute("SELECT name, setting FROM pg_settings").fetchall())
    assert settings["listen_addresses"] == ""  # unix socket only
    assert settings["fsync"] == "off"
    assert server.start_seconds is not None and server.start_seconds < 30
    server.stop()
    assert not directory.exists()
    assert not _running(pid)
    server.stop()  # stopping twice is harmless


def test_context_manager_and_database_lifecycle(pg_server: PostgresServer) -> None:
    # pg_server only gates the test on PostgreSQL being available; this one starts its own.
    with PostgresServer() as server:
        directory = server.directory
        server.create_database("Mixed Case")
        with server.connect("Mixed Case") as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("Mixed Case",)
        assert "host=" in server.dsn("Mixed Case")
        server.drop_database("Mixed Case")
        names = server.connect().execute("SELECT datname FROM pg_database").fetchall()
        assert ("Mixed Case",) not in names
    assert not directory.exists()


def test_missing_binaries_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    with pytest.raises(PostgresUnavailable) as raised:
        postgres.find_bin_dir()
    message = str(raised.value)
    assert "apt-get install postgresql" in message
    assert "brew install postgresql" in message
    assert "--database-url" in message


def test_a_server_that_cannot_start_says_why(pg_server: PostgresServer) -> None:
    server = PostgresServer(settings={"no_such_setting": "1"})
    with pytest.raises(PostgresUnavailable, match=r'unrecognized .* "no_such_setting"'):
        server.start()
    assert server._dir is None


def test_url_and_dsn_reach_the_database(pg_server: PostgresServer, pg_db: str) -> None:
    import psycopg

    for target in (pg_server.url(pg_db), pg_server.dsn(pg_db)):
        with psycopg.connect(target) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (pg_db,)


def test_a_bad_bin_dir_is_unavailable(tmp_path: Path) -> None:
    server = PostgresServer(bin_dir=tmp_path)
    with pytest.raises(PostgresUnavailable):
        server.start()
    assert server._dir is None


# -- apply -------------------------------------------------------------------------------------


def test_apply_runs_a_whole_script(pg_server: PostgresServer, pg_conn: Any) -> None:
    script = "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nSELECT '100%';\n"
    assert apply(pg_conn, script) is None
    assert pg_conn.execute("SELECT x FROM a").fetchall() == [(1,)]


@pytest.mark.parametrize("script", ["", "-- nothing to do\n", " ; "])
def test_apply_an_empty_script(pg_conn: Any, script: str) -> None:
    assert apply(pg_conn, script) is None


def test_apply_by_database_name(pg_server: PostgresServer, pg_db: str) -> None:
    assert pg_server.apply(pg_db, "CREATE TABLE a (x int)") is None
    assert pg_server.apply(pg_db, "CREATE TABLE a (x int)") == 'relation "a" already exists'


def test_a_failing_script_is_one_transaction(pg_conn: Any) -> None:
    error = apply(pg_conn, "CREATE TABLE a (x int);\nCREATE TABLE b (y nope);\n")
    assert error == 'type "nope" does not exist; at line 2, column 19'
    assert pg_conn.execute("SELECT to_regclass('a')").fetchone() == (None,)


def test_error_detail_and_context_are_kept(pg_conn: Any) -> None:
    assert apply(pg_conn, "CREATE TABLE a (x int); INSERT INTO a VALUES (1), (1);") is None
    error = apply(pg_conn, "CREATE UNIQUE INDEX a_x ON a (x);")
    assert error == 'could not create unique index "a_x"; Key (x)=(1) is duplicated.'
    error = apply(pg_conn, "DO $$ BEGIN RAISE EXCEPTION 'boom'; END $$;")
    assert error == "boom; PL/pgSQL function inline_code_block line 1 at RAISE"


def test_connection_is_usable_after_an_error_in_explicit_transaction(pg_conn: Any) -> None:
    error = apply(pg_conn, "BEGIN;\nCREATE TABLE a (x int);\nSELECT 1 / 0;\n")
    assert error == "division by zero"
    assert pg_conn.execute("SELECT 1").fetchone() == (1,)
    assert pg_conn.execute("SELECT to_regclass('a')").fetchone() == (None,)


# -- snapshot ----------------------------------------------------------------------------------


def test_snapshot_captures_each_object_kind(base: Any) -> None:
    snap = snapshot(base)
    assert snap.schemas == {"public", "audit"}
    assert snap.extensions == {"plpgsql", "pgcrypto"}
    assert set(snap.tables) == {("public", "User"), ("public", "Post"), ("audit", "Log")}

    user = snap.tables[("public", "User")]
    assert user.kind == "table"
    assert user.columns["id"] == Column(
        "integer", "nextval('\"User_id_seq\"'::regclass)", not_null=True
    )
    assert user.columns["name"] == Column("text")
    assert user.columns["role"] == Column('"Role"', "'USER'::\"Role\"", not_null=True)
    assert user.columns["createdAt"] == Column(
        "timestamp(3) without time zone", "CURRENT_TIMESTAMP", not_null=True
    )
    assert user.constraints == {"User_pkey": Constraint("p", "PRIMARY KEY (id)")}

    log = snap.tables[("audit", "Log")]
    assert log.columns["id"] == Column("integer", not_null=True, identity="a")
    assert log.columns["tag"] == Column("text", collation='"C"')
    assert log.columns["len"] == Column("integer", generated="length(msg)")
    assert log.constraints["Log_len_check"] == Constraint("c", "CHECK ((len >= 0))")
    post = snap.tables[("public", "Post")]
    assert post.constraints["Post_authorId_fkey"] == Constraint(
        "f",
        'FOREIGN KEY ("authorId") REFERENCES "User"(id) ON UPDATE CASCADE ON DELETE RESTRICT',
    )

    assert snap.indexes[("public", "User_email_key")].definition == (
        'CREATE UNIQUE INDEX "User_email_key" ON public."User" USING btree (email)'
    )
    assert {name for _, name in snap.indexes} == {"User_email_key", "User_pkey", "Post_pkey"}
    assert snap.enums == {("public", "Role"): ("USER", "ADMIN")}
    assert snap.sequences[("public", "counter")] == Sequence(
        "bigint", 1, 5, 1, 2**63 - 1, False, 1, None
    )
    assert snap.sequences[("public", "Post_id_seq")].owned_by == ("public", "Post", "id")
    assert snap.sequences[("audit", "Log_id_seq")].owned_by == ("audit", "Log", "id")
    assert snap.views[("public", "UserEmails")] == View(
        False, ' SELECT "User".email\n   FROM "User";'
    )
    assert snap.views[("public", "PostCount")].materialized
    assert set(snap.functions) == {
        ("public", "touch", ""),
        ("public", "add_one", "integer"),
        ("public", "noop", ""),
    }  # pgcrypto's functions belong to the extension
    assert snap.functions[("public", "noop", "")].kind == "procedure"
    assert 'NEW."createdAt" := now();' in snap.functions[("public", "touch", "")].definition
    assert snap.triggers == {
        ("public", "User", "User_touch"): 'CREATE TRIGGER "User_touch" BEFORE UPDATE ON '
        'public."User" FOR EACH ROW EXECUTE FUNCTION touch()'
    }


def test_snapshots_of_equal_schemas_are_equal(pg_server: PostgresServer, base: Any) -> None:
    with pg_server.database("other") as other, pg_server.connect(other) as conn:
        assert apply(conn, BASE) is None
        assert snapshot(conn) == snapshot(base)
        assert diff(snapshot(conn), snapshot(base)) == []


# -- diff --------------------------------------------------------------------------------------

CHANGES = [
    (
        'ALTER TABLE "User" ALTER COLUMN "email" DROP NOT NULL',
        ['column "User"."email" is NOT NULL before, nullable after'],
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "createdAt" DROP DEFAULT',
        ['default of "User"."createdAt" is CURRENT_TIMESTAMP before, none after'],
    ),
    (
        'ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT, ALTER COLUMN "role" TYPE text',
        [
            'column "User"."role" has type "Role" before, text after',
            'default of "User"."role" is \'USER\'::"Role" before, none after',
        ],
    ),
    (
        """ALTER TYPE "Role" RENAME TO "Role_old";
        CREATE TYPE "Role" AS ENUM ('ADMIN', 'USER');
        ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;
        ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role" USING ("role"::text::"Role");
        ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'USER';
        DROP TYPE "Role_old";""",
        ["enum \"Role\" values are ('USER', 'ADMIN') before, ('ADMIN', 'USER') after"],
    ),
    ('DROP INDEX "User_email_key"', ['index "User_email_key" is missing']),
    (
        'DROP INDEX "User_email_key"; CREATE INDEX "User_email_key" ON "User"("email")',
        [
            'index "User_email_key" differs: CREATE UNIQUE INDEX "User_email_key" ON '
            'public."User" USING btree (email) before, CREATE INDEX "User_email_key" ON '
            'public."User" USING btree (email) after'
        ],
    ),
    (
        'CREATE TRIGGER "Post_touch" BEFORE INSERT ON "Post" FOR EACH ROW EXECUTE FUNCTION touch()',
        ['trigger "Post_touch" on "Post" was not there before'],
    ),
    (
        'DROP TRIGGER "User_touch" ON "User"; CREATE TRIGGER "User_touch" AFTER UPDATE ON "User" '
        'FOR EACH ROW EXECUTE FUNCTION "touch"()',
        [
            'trigger "User_touch" on "User" differs: CREATE TRIGGER "User_touch" BEFORE UPDATE ON '
            'public."User" FOR EACH ROW EXECUTE FUNCTION touch() before, CREATE TRIGGER '
            '"User_touch" AFTER UPDATE ON public."User" FOR EACH ROW EXECUTE FUNCTION touch() after'
        ],
    ),
    (
        'ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey"',
        ['constraint "Post_authorId_fkey" on "Post" is missing'],
    ),
    (
        'ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey"; '
        'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") '
        'REFERENCES "User"("id") ON DELETE CASCADE '
        "ON UPDATE CASCADE",
        [
            'constraint "Post_authorId_fkey" on "Post" differs: FOREIGN KEY ("authorId") '
            'REFERENCES "User"(id) ON UPDATE CASCADE ON DELETE RESTRICT before, FOREIGN KEY '
            '("authorId") REFERENCES "User"(id) ON UPDATE CASCADE ON DELETE CASCADE after'
        ],
    ),
    (
        'ALTER TABLE "audit"."Log" DROP CONSTRAINT "Log_len_check"',
        ['constraint "Log_len_check" on "audit"."Log" is missing'],
    ),
    ('ALTER TABLE "Post" ADD COLUMN "body" TEXT', ['column "Post"."body" was not there before']),
    ('ALTER TABLE "User" DROP COLUMN "name"', ['column "User"."name" is missing']),
    (
        'ALTER TABLE "User" ALTER COLUMN "name" TYPE VARCHAR(50)',
        ['column "User"."name" has type text before, character varying(50) after'],
    ),
    (
        'DROP TABLE "Post" CASCADE',  # its indexes and constraints go without saying
        [
            'sequence "Post_id_seq" is missing',
            'table "Post" is missing',
            'materialized view "PostCount" is missing',
        ],
    ),
    ('CREATE TABLE "audit"."Extra" ()', ['table "audit"."Extra" was not there before']),
    ('CREATE SCHEMA "billing"', ['schema "billing" was not there before']),
    ("DROP EXTENSION pgcrypto", ['extension "pgcrypto" is missing']),
    (
        'ALTER TABLE "audit"."Log" ALTER COLUMN "id" SET GENERATED BY DEFAULT',
        ['identity of "audit"."Log"."id" is GENERATED ALWAYS before, GENERATED BY DEFAULT after'],
    ),
    (
        'ALTER TABLE "audit"."Log" ALTER COLUMN "len" DROP EXPRESSION',
        ['generated expression of "audit"."Log"."len" is length(msg) before, none after'],
    ),
    (
        'ALTER TABLE "audit"."Log" ALTER COLUMN "tag" TYPE text COLLATE "default"',
        ['collation of "audit"."Log"."tag" is "C" before, the type\'s default after'],
    ),
    (
        'ALTER SEQUENCE "counter" INCREMENT 1 OWNED BY "Post"."id"',
        [
            'sequence "counter" has increment 5 before, 1 after',
            'sequence "counter" is owned by nothing before, "Post"."id" after',
        ],
    ),
    (
        'CREATE OR REPLACE VIEW "UserEmails" AS SELECT "email" FROM "User" WHERE "id" > 0',
        ['view "UserEmails" differs at line 2: "FROM "User";" before, "FROM "User"" after'],
    ),
    (
        'DROP MATERIALIZED VIEW "PostCount"; '
        'CREATE VIEW "PostCount" AS SELECT count(*) AS "n" FROM "Post"',
        ['"PostCount" is a materialized view before, a view after'],
    ),
    (
        'CREATE OR REPLACE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        'BEGIN\n  NEW."createdAt" := clock_timestamp();\n  RETURN NEW;\nEND\n$$',
        [
            'function "touch"() differs at line 6: "NEW."createdAt" := now();" before, '
            '"NEW."createdAt" := clock_timestamp();" after'
        ],
    ),
    ('DROP FUNCTION "add_one"', ['function "add_one"(integer) is missing']),
    ('DROP PROCEDURE "noop"', ['procedure "noop"() is missing']),
    # Column order is not compared: PostgreSQL cannot re-insert a column at a position.
    ('ALTER TABLE "User" DROP COLUMN "name"; ALTER TABLE "User" ADD COLUMN "name" TEXT', []),
    # Prisma's own bookkeeping is not part of the schema.
    ('DROP TABLE "_prisma_migrations"', []),
    (
        'ALTER TABLE "_prisma_migrations" ADD COLUMN "x" int; '
        'CREATE INDEX ON "_prisma_migrations"(x)',
        [],
    ),
]


@pytest.mark.parametrize(("change", "expected"), CHANGES, ids=[c[0][:50] for c in CHANGES])
def test_diff_names_each_difference(base: Any, change: str, expected: list[str]) -> None:
    before = snapshot(base)
    assert apply(base, change) is None
    after = snapshot(base)
    assert diff(before, after) == expected
    assert (before == after) == (expected == [])


def test_diff_is_symmetric_in_wording(base: Any) -> None:
    before = snapshot(base)
    assert apply(base, 'DROP INDEX "User_email_key"; ALTER TABLE "Post" ADD COLUMN "x" int') is None
    after = snapshot(base)
    assert diff(after, before) == [
        'column "Post"."x" is missing',
        'index "User_email_key" was not there before',
    ]


def test_empty_enum_and_table_without_columns(pg_conn: Any) -> None:
    before = snapshot(pg_conn)
    assert apply(pg_conn, 'CREATE TYPE "E" AS ENUM (); CREATE TABLE "T" ()') is None
    after = snapshot(pg_conn)
    assert after.enums[("public", "E")] == ()
    assert after.tables[("public", "T")].columns == {}
    assert diff(before, after) == [
        'enum "E" was not there before',
        'table "T" was not there before',
    ]


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may be slow to reap)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
