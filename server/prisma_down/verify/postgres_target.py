"""PostgreSQL as a verify target: a private server, or the database a URL names.

Scripts run as Prisma's schema engine runs them (:func:`prisma_down.verify.postgres.apply`),
schemas are read by :mod:`prisma_down.verify.snapshot`; between trials the database is
emptied with ``_prisma_migrations`` kept.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

from prisma_down import urls
from prisma_down.verify import given as rules
from prisma_down.verify import inventory
from prisma_down.verify.target import Engine, Target, VerifyError, first_line, need_driver

_LABEL = "PostgreSQL"


@contextlib.contextmanager
def private() -> Iterator[Target]:
    """A database on a PostgreSQL server started for this run, in a temporary folder."""
    need_driver("psycopg")
    from prisma_down.verify import postgres_rows, snapshot, snapshot_diff
    from prisma_down.verify.postgres import PostgresServer, PostgresUnavailable, apply

    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        raise VerifyError(first_line(str(error))) from None
    try:
        server.create_database("verify")
        with server.connect("verify") as conn:
            yield Target(
                conn,
                apply,
                snapshot.snapshot,
                snapshot_diff.diff,
                _LABEL,
                reset_postgres,
                postgres_rows.ENGINE,
            )
    finally:
        server.stop()


_LIBPQ_PARAMS = {
    "host",
    "hostaddr",
    "port",
    "sslmode",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslpassword",
    "connect_timeout",
    "application_name",
    "options",
    "password",
    "user",
    "dbname",
}


def _conninfo(url: urls.DatabaseUrl) -> tuple[str, str]:
    """A URL libpq accepts (Prisma's own parameters dropped) and the schema Prisma would use."""
    schema = url.param("schema") or "public"
    kept = [(k, v) for k, v in url.params if k in _LIBPQ_PARAMS]
    base = url.text.split("?", 1)[0].split("#", 1)[0]
    return base + (f"?{urlencode(kept)}" if kept else ""), schema


@contextlib.contextmanager
def given(url: urls.DatabaseUrl, shown: str, reuse: bool) -> Iterator[Target]:
    """The database ``url`` names, in the schema its ``?schema=`` names (made if missing,
    dropped again at the end)."""
    need_driver("psycopg")
    import psycopg
    from psycopg import sql

    from prisma_down.verify import postgres_rows, snapshot, snapshot_diff
    from prisma_down.verify.postgres import apply

    conninfo, schema = _conninfo(url)
    try:
        conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        raise rules.unreachable(shown, url.text, error) from None
    try:
        keep = inventory.pg_keep(conn, schema)

        def empty(c: Any) -> None:
            inventory.pg_drop(c, inventory.pg_inventory(c, keep))

        found = inventory.pg_inventory(conn, keep)
        rules.check(found, shown, reuse)
        rules.emptying(shown, url.text, psycopg.Error, lambda: inventory.pg_drop(conn, found))
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        made = exists.fetchone() is None
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        try:
            rows = postgres_rows.ENGINE
            yield Target(conn, apply, snapshot.snapshot, snapshot_diff.diff, shown, empty, rows)
        finally:
            if not conn.closed and not conn.broken:
                with contextlib.suppress(psycopg.Error):
                    empty(conn)
                    if made:
                        conn.execute(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(schema)))
    finally:
        conn.close()


_SYSTEM_SCHEMAS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
)
_MIGRATIONS_TABLE = inventory.MIGRATIONS_TABLE


def reset_postgres(conn: Any, keep: Sequence[str] = ("public",)) -> None:
    """Empty a PostgreSQL database: every user schema dropped (and all in it), ``keep``
    made again, empty; ``_prisma_migrations`` tables are set aside and put back."""
    from psycopg.sql import SQL, Identifier

    aside = f"prisma_down_keep_{uuid.uuid4().hex[:8]}"
    held = [
        r[0]
        for r in conn.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relname = '{_MIGRATIONS_TABLE}' AND c.relkind IN ('r', 'p') "
            f"AND {_SYSTEM_SCHEMAS}"
        ).fetchall()
    ]
    with conn.transaction():
        if held:
            conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(aside)))
        for i, schema in enumerate(held):
            table = Identifier(schema, _MIGRATIONS_TABLE)
            conn.execute(SQL("ALTER TABLE {} SET SCHEMA {}").format(table, Identifier(aside)))
            conn.execute(
                SQL("ALTER TABLE {} RENAME TO {}").format(
                    Identifier(aside, _MIGRATIONS_TABLE), Identifier(f"t{i}")
                )
            )
        for schema in _schemas(conn):
            if schema != aside:
                conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(schema)))
        for schema in keep:
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
        for i, schema in enumerate(held):
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
            moved = Identifier(aside, f"t{i}")
            conn.execute(SQL("ALTER TABLE {} SET SCHEMA {}").format(moved, Identifier(schema)))
            conn.execute(
                SQL("ALTER TABLE {} RENAME TO {}").format(
                    Identifier(schema, f"t{i}"), Identifier(_MIGRATIONS_TABLE)
                )
            )
        if held:
            conn.execute(SQL("DROP SCHEMA {}").format(Identifier(aside)))


def _schemas(conn: Any) -> list[str]:
    rows = conn.execute(
        f"SELECT n.nspname FROM pg_namespace n WHERE {_SYSTEM_SCHEMAS} ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


ENGINE = Engine(_LABEL, _LABEL, ("postgresql", "postgres"), private, given)
