"""``verify --database-url`` on a database that is not empty: refused, said, kept intact;
with ``--reuse``, exactly what was listed is dropped and nothing else (real PostgreSQL and
MariaDB, one case per kind of object)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from prisma_down.verify.mariadb import MariaDBServer
from prisma_down.verify.postgres import PostgresServer
from tests.verify.test_verify_command import project, run

PG_ONE = {"1_init": 'CREATE TABLE "T" ("id" INTEGER NOT NULL PRIMARY KEY);\n'}
MY_ONE = {"1_init": "CREATE TABLE `T` (`id` INTEGER NOT NULL PRIMARY KEY);\n"}
EMPTY = "verify needs an empty database; pass --reuse to drop them first\n"
MIGRATIONS = 'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY)'


@pytest.fixture
def pg_app(tmp_path: Path, pg_server: PostgresServer) -> Path:
    del pg_server  # skips (or fails in CI) without PostgreSQL
    return project(tmp_path / "app", PG_ONE, "postgres")


def one(conn: Any, sql: str) -> Any:
    return conn.execute(sql).fetchone()[0]


def test_postgres_schema_without_tables_is_refused_then_dropped_with_reuse(
    pg_app: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The case that was emptied: a schema with two sequences, an enum and a function."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE SCHEMA billing; CREATE SEQUENCE billing.a; CREATE SEQUENCE billing.b; "
            "CREATE TYPE billing.status AS ENUM ('open'); "
            "CREATE FUNCTION billing.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
    url = pg_server.url(pg_db)
    code, out, err = run(capsys, str(pg_app), "--database-url", url)
    assert (code, out) == (2, "")
    assert err == (
        f'prisma-down: the database {url} holds 1 schema ("billing"), 2 sequences '
        '("billing.a", "billing.b"), 1 type ("billing.status"), 1 function ("billing.f"): ' + EMPTY
    )
    with pg_server.connect(pg_db) as conn:
        assert one(conn, "SELECT count(*) FROM pg_class WHERE relkind = 'S'") == 2
        assert one(conn, "SELECT billing.f()") == 1

    code, out, err = run(capsys, str(pg_app), "--database-url", url, "--reuse")
    assert code == 0, err
    assert out.splitlines()[-1] == "1 migration: 1 restored, 0 failed"
    with pg_server.connect(pg_db) as conn:
        assert one(conn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'billing'") == 0


# (setup, what the message names, a query counting the object)
PG_KINDS = {
    "empty schema": ("CREATE SCHEMA s", '1 schema ("s")', "pg_namespace WHERE nspname = 's'"),
    "table in another schema": (
        "CREATE SCHEMA s; CREATE TABLE s.t (id int)",
        '1 schema ("s"), 1 table ("s.t")',
        "pg_class WHERE relname = 't'",
    ),
    "sequence": ("CREATE SEQUENCE q", '1 sequence ("public.q")', "pg_class WHERE relname = 'q'"),
    "enum": ("CREATE TYPE e AS ENUM ('a')", '1 type ("public.e")', "pg_type WHERE typname = 'e'"),
    "composite type": (
        "CREATE TYPE c AS (a int)",
        '1 type ("public.c")',
        "pg_type WHERE typname = 'c'",
    ),
    "range type": (
        "CREATE TYPE r AS RANGE (subtype = float8)",
        '1 type ("public.r")',
        "pg_type WHERE typname = 'r'",
    ),
    "domain": ("CREATE DOMAIN d AS int", '1 domain ("public.d")', "pg_type WHERE typname = 'd'"),
    "function": (
        "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS 'SELECT x'",
        '1 function ("public.f")',
        "pg_proc WHERE proname = 'f'",
    ),
    "procedure": (
        "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'",
        '1 procedure ("public.p")',
        "pg_proc WHERE proname = 'p'",
    ),
    "aggregate": (
        "CREATE AGGREGATE agg(int) (sfunc = int4pl, stype = int)",
        '1 aggregate ("public.agg")',
        "pg_proc WHERE proname = 'agg'",
    ),
    "view": (
        "CREATE VIEW v AS SELECT 1 AS x",
        '1 view ("public.v")',
        "pg_class WHERE relname = 'v'",
    ),
    "materialized view": (
        "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x",
        '1 materialized view ("public.mv")',
        "pg_class WHERE relname = 'mv'",
    ),
    "trigger on _prisma_migrations": (
        f"{MIGRATIONS}; CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS "
        "'BEGIN RETURN NEW; END'; CREATE TRIGGER tg BEFORE INSERT ON _prisma_migrations "
        "FOR EACH ROW EXECUTE FUNCTION tf()",
        '1 function ("public.tf"), 1 trigger ("tg on public._prisma_migrations")',
        "pg_trigger WHERE tgname = 'tg'",
    ),
    "event trigger": (
        "CREATE FUNCTION ef() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END'; "
        "CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION ef()",
        '1 function ("public.ef"), 1 event trigger ("et")',
        "pg_event_trigger WHERE evtname = 'et'",
    ),
    "extension": (
        "CREATE EXTENSION citext",
        '1 extension ("citext"): ',  # its functions and types are not counted apart
        "pg_extension WHERE extname = 'citext'",
    ),
    "foreign table": (
        "CREATE EXTENSION file_fdw; CREATE SERVER files FOREIGN DATA WRAPPER file_fdw; "
        "CREATE FOREIGN TABLE ft (a text) SERVER files OPTIONS (filename '/dev/null')",
        '1 extension ("file_fdw"), 1 foreign table ("public.ft"), ',
        "pg_foreign_server WHERE srvname = 'files'",
    ),
    "collation": (
        "CREATE COLLATION co (provider = icu, locale = 'und')",
        '1 collation ("public.co")',
        "pg_collation WHERE collname = 'co'",
    ),
    "text search configuration": (
        "CREATE TEXT SEARCH CONFIGURATION tsc (COPY = simple)",
        '1 text search configuration ("public.tsc")',
        "pg_ts_config WHERE cfgname = 'tsc'",
    ),
    "operator": (
        "CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq)",
        '1 operator ("public.===")',
        "pg_operator WHERE oprname = '==='",
    ),
    "cast": (
        "CREATE TYPE c AS (a int); CREATE CAST (c AS int) WITH INOUT",
        '1 cast ("c AS integer")',
        "pg_cast x JOIN pg_type t ON t.oid = x.castsource WHERE t.typname = 'c'",
    ),
    "rule and policy on _prisma_migrations": (
        f"{MIGRATIONS}; CREATE RULE ru AS ON UPDATE TO _prisma_migrations DO INSTEAD NOTHING; "
        "CREATE POLICY po ON _prisma_migrations USING (true)",
        '1 policy ("po on public._prisma_migrations"), 1 rule ("ru on public._prisma_migrations")',
        "pg_rewrite WHERE rulename = 'ru'",
    ),
    "publication": ("CREATE PUBLICATION pub", '1 publication ("pub")', "pg_publication"),
    "large object": (
        "SELECT lo_create(4242)",
        '1 large object ("4242")',
        "pg_largeobject_metadata",
    ),
}


@pytest.mark.parametrize("kind", list(PG_KINDS))
def test_postgres_each_kind_is_refused_then_dropped_with_reuse(
    kind: str,
    pg_app: Path,
    pg_server: PostgresServer,
    pg_db: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup, named, probe = PG_KINDS[kind]
    with pg_server.connect(pg_db) as conn:
        conn.execute(setup)
        before = one(conn, f"SELECT count(*) FROM {probe}")
    assert before >= 1
    url = pg_server.url(pg_db)
    code, out, err = run(capsys, str(pg_app), "--database-url", url)
    assert (code, out) == (2, "")
    assert err.startswith(f"prisma-down: the database {url} holds ") and err.endswith(EMPTY)
    assert named in err
    with pg_server.connect(pg_db) as conn:
        assert one(conn, f"SELECT count(*) FROM {probe}") == before  # untouched

    code, out, err = run(capsys, str(pg_app), "--database-url", url, "--reuse")
    assert code == 0, err
    with pg_server.connect(pg_db) as conn:
        assert one(conn, f"SELECT count(*) FROM {probe}") == 0


def test_postgres_reuse_drops_nothing_it_did_not_list(
    pg_app: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another database on the server, roles, ``public`` itself (owner and grants) and
    ``_prisma_migrations`` with its rows are left as they were."""
    role = f"r_{uuid.uuid4().hex[:8]}"
    with pg_server.database(f"other_{uuid.uuid4().hex[:8]}") as other:
        with pg_server.connect(other) as conn:
            conn.execute("CREATE SCHEMA billing; CREATE TABLE billing.invoice (id int)")
        with pg_server.connect(pg_db) as conn:
            conn.execute(f"CREATE ROLE {role}; GRANT USAGE ON SCHEMA public TO {role}")
            conn.execute(f"{MIGRATIONS}; INSERT INTO _prisma_migrations VALUES ('kept')")
            conn.execute("CREATE SCHEMA billing; CREATE TABLE public.stray (id int)")
            acl = one(conn, "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'")
            owner = one(conn, "SELECT nspowner::regrole::text FROM pg_namespace "
                        "WHERE nspname = 'public'")  # fmt: skip
        url = pg_server.url(pg_db)
        code, _, err = run(capsys, str(pg_app), "--database-url", url, "--reuse")
        assert code == 0, err
        with pg_server.connect(pg_db) as conn:
            assert one(conn, "SELECT string_agg(id, ',') FROM _prisma_migrations") == "kept"
            names = "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace "
            assert one(conn, names + "WHERE nspname IN ('billing', 'public')") == "public"
            assert one(conn, "SELECT count(*) FROM pg_class WHERE relname = 'stray'") == 0
            public = "FROM pg_namespace WHERE nspname = 'public'"
            assert one(conn, f"SELECT nspacl::text {public}") == acl
            assert one(conn, f"SELECT nspowner::regrole::text {public}") == owner
            assert one(conn, f"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'") == 1
            conn.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}; DROP ROLE {role}")
        with pg_server.connect(other) as conn:
            assert one(conn, "SELECT count(*) FROM billing.invoice") == 0  # still there


def test_postgres_schema_made_for_prisma_goes_at_the_end(
    pg_app: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_server.url(pg_db) + "&schema=app"
    code, _, err = run(capsys, str(pg_app), "--database-url", url)
    assert code == 0, err
    with pg_server.connect(pg_db) as conn:
        assert one(conn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'") == 0
        conn.execute("CREATE SCHEMA app")  # there before: emptied, kept
    code, _, err = run(capsys, str(pg_app), "--database-url", url)
    assert code == 0, err
    with pg_server.connect(pg_db) as conn:
        assert one(conn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'") == 1
        assert one(conn, "SELECT count(*) FROM pg_class WHERE relname = 'T'") == 0


def test_postgres_subscription_is_never_dropped(
    pg_app: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dropping a subscription drops its slot on another server: refused even with --reuse."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE SUBSCRIPTION sub CONNECTION 'host=/nowhere dbname=x' PUBLICATION p "
            "WITH (connect = false)"
        )
    try:
        url = pg_server.url(pg_db)
        code, _, err = run(capsys, str(pg_app), "--database-url", url, "--reuse")
        assert code == 2
        assert 'holds 1 subscription ("sub"), which prisma-down does not drop' in err
        with pg_server.connect(pg_db) as conn:
            assert one(conn, "SELECT count(*) FROM pg_subscription") == 1
    finally:
        with pg_server.connect(pg_db) as conn:
            conn.execute("ALTER SUBSCRIPTION sub SET (slot_name = NONE)")
            conn.execute("DROP SUBSCRIPTION sub")


# -- MariaDB --------------------------------------------------------------------------------

MY_KINDS = {  # (setup statements, what the message names, information_schema probe)
    "function": (
        ["CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1"],
        '1 function ("f")',
        "routines WHERE routine_schema = DATABASE() AND routine_name = 'f'",
    ),
    "procedure": (
        ["CREATE PROCEDURE p() SELECT 1"],
        '1 procedure ("p")',
        "routines WHERE routine_schema = DATABASE() AND routine_name = 'p'",
    ),
    "view": (
        ["CREATE VIEW v AS SELECT 1 AS x"],
        '1 view ("v")',
        "views WHERE table_schema = DATABASE()",
    ),
    "sequence": (
        ["CREATE SEQUENCE s"],
        '1 sequence ("s")',
        "tables WHERE table_schema = DATABASE() AND table_name = 's'",
    ),
    "trigger on _prisma_migrations": (
        [
            "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY)",
            "CREATE TRIGGER tg BEFORE INSERT ON _prisma_migrations FOR EACH ROW SET @x = 1",
        ],
        '1 trigger ("tg (on _prisma_migrations)")',
        "triggers WHERE trigger_schema = DATABASE()",
    ),
    "event": (
        ["CREATE EVENT ev ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1"],
        '1 event ("ev")',
        "events WHERE event_schema = DATABASE()",
    ),
    "table": (
        ["CREATE TABLE other (id INT)"],
        '1 table ("other")',
        "tables WHERE table_schema = DATABASE() AND table_name = 'other'",
    ),
}


def my_count(mariadb: MariaDBServer, database: str, probe: str) -> int:
    with mariadb.connect(database) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM information_schema.{probe}")
        return int(cur.fetchone()[0])


@pytest.mark.parametrize("kind", list(MY_KINDS))
def test_mariadb_each_kind_is_refused_then_dropped_with_reuse(
    kind: str, tmp_path: Path, mariadb: MariaDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    setup, named, probe = MY_KINDS[kind]
    app = project(tmp_path / "app", MY_ONE, "mysql")
    with mariadb.database(f"d_{uuid.uuid4().hex[:12]}") as name:
        with mariadb.connect(name) as conn, conn.cursor() as cur:
            for statement in setup:
                cur.execute(statement)
        url = mariadb.url(name)
        code, out, err = run(capsys, str(app), "--database-url", url)
        assert (code, out) == (2, "")
        assert err == f"prisma-down: the database {url} holds {named}: {EMPTY}"
        assert my_count(mariadb, name, probe) == 1  # untouched

        code, out, err = run(capsys, str(app), "--database-url", url, "--reuse")
        assert code == 0, err
        assert my_count(mariadb, name, probe) == 0


def test_mariadb_reuse_leaves_other_databases_and_prisma_migrations(
    tmp_path: Path, mariadb: MariaDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = project(tmp_path / "app", MY_ONE, "mysql")
    with (
        mariadb.database(f"d_{uuid.uuid4().hex[:12]}") as name,
        mariadb.database(f"o_{uuid.uuid4().hex[:12]}") as other,
    ):
        for database in (name, other):
            with mariadb.connect(database) as conn, conn.cursor() as cur:
                cur.execute("CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY)")
                cur.execute("INSERT INTO _prisma_migrations VALUES ('kept')")
                cur.execute("CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1")
                cur.execute("CREATE PROCEDURE p() SELECT 1")
        code, _, err = run(capsys, str(app), "--database-url", mariadb.url(name), "--reuse")
        assert code == 0, err
        assert my_count(mariadb, name, "routines WHERE routine_schema = DATABASE()") == 0
        assert my_count(mariadb, other, "routines WHERE routine_schema = DATABASE()") == 2
        for database in (name, other):
            with mariadb.connect(database) as conn, conn.cursor() as cur:
                cur.execute("SELECT id FROM _prisma_migrations")
                assert cur.fetchall() == (("kept",),)
