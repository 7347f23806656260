"""``verify --database-url``: run on a disposable database the user names.

It must be empty: any object a person made (:mod:`prisma_down.verify.inventory`) stops the
run with one sentence saying what is there, unless ``reuse`` is given, in which case
exactly those objects are dropped first. Whatever the history creates is dropped between
trials and at the end, ``_prisma_migrations`` kept; a schema verify made for Prisma's
``?schema=`` goes at the end too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

from prisma_down import urls
from prisma_down.verify import inventory
from prisma_down.verify.target import Target, VerifyError, need_driver, one_line

_KINDS = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql"}
_NAMES = {"postgres": "PostgreSQL", "mysql": "MySQL"}


@contextlib.contextmanager
def given(dialect: str, url: str, reuse: bool) -> Iterator[Target]:
    """The database at ``url``, checked empty (or emptied, with ``reuse``), as a Target."""
    shown = urls.mask_url(url)
    kind = _KINDS.get(url.partition("://")[0].lower()) if "://" in url else None
    if kind is None:
        raise VerifyError(f"--database-url must start with postgresql:// or mysql://, not {shown}")
    try:
        parsed = urls.parse(url, "--database-url")
    except urls.UrlError as error:
        raise VerifyError(str(error)) from None
    if kind != dialect:
        raise VerifyError(
            f"--database-url {shown} is a {_NAMES[kind]} database but the migrations are "
            f"written for {dialect}"
        )
    if kind == "postgres":
        with _postgres(parsed, shown, reuse) as target:
            yield target
    else:
        with _mysql(parsed, shown, reuse) as target:
            yield target


def _check(found: Sequence[inventory.Item], shown: str, reuse: bool) -> None:
    """Refuse a database that is not empty, unless ``reuse``; never one holding what
    prisma-down does not drop."""
    kept = inventory.undroppable(found)
    if kept:
        raise VerifyError(
            f"the database {shown} holds {inventory.describe(kept)}, which prisma-down does "
            "not drop (dropping a subscription also drops its slot on the publishing server): "
            "verify needs an empty database"
        )
    if found and not reuse:
        raise VerifyError(
            f"the database {shown} holds {inventory.describe(found)}: verify needs an empty "
            "database; pass --reuse to drop them first"
        )


# PostgreSQL -------------------------------------------------------------------------------

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
def _postgres(url: urls.DatabaseUrl, shown: str, reuse: bool) -> Iterator[Target]:
    need_driver("psycopg")
    import psycopg
    from psycopg import sql

    from prisma_down.verify import snapshot as pg_snapshot
    from prisma_down.verify.postgres import apply

    conninfo, schema = _conninfo(url)
    try:
        conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        message = one_line(urls.scrub(str(error), url.text))
        raise VerifyError(f"could not connect to {shown}: {message}") from None
    try:
        keep = inventory.pg_keep(conn, schema)

        def empty(c: Any) -> None:
            inventory.pg_drop(c, inventory.pg_inventory(c, keep))

        found = inventory.pg_inventory(conn, keep)
        _check(found, shown, reuse)
        _emptying(shown, url.text, psycopg.Error, lambda: inventory.pg_drop(conn, found))
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        made = exists.fetchone() is None
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        try:
            yield Target(conn, apply, pg_snapshot.snapshot, pg_snapshot.diff, shown, empty)
        finally:
            if not conn.closed and not conn.broken:
                with contextlib.suppress(psycopg.Error):
                    empty(conn)
                    if made:
                        conn.execute(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(schema)))
    finally:
        conn.close()


def _emptying(shown: str, url: str, errors: Any, drop: Any) -> None:
    """Run ``drop``; a database error becomes one sentence."""
    try:
        drop()
    except errors as error:
        message = one_line(urls.scrub(str(error), url))
        raise VerifyError(f"could not empty {shown}: {message}") from None


# MySQL ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _mysql(url: urls.DatabaseUrl, shown: str, reuse: bool) -> Iterator[Target]:
    need_driver("pymysql")
    import pymysql

    from prisma_down.verify import mysql_snapshot
    from prisma_down.verify.mariadb import apply

    if not url.database:
        raise VerifyError(f"--database-url {shown} names no database")
    try:
        conn = pymysql.connect(
            host=url.host or "localhost",
            port=url.port or 3306,
            user=url.user or "root",
            password=url.password or "",
            database=url.database,
            unix_socket=url.param("socket"),
            autocommit=True,
            charset="utf8mb4",
            connect_timeout=10,
        )
    except pymysql.err.MySQLError as error:
        message = one_line(urls.scrub(str(error), url.text))
        raise VerifyError(f"could not connect to {shown}: {message}") from None
    try:
        found = inventory.my_inventory(conn)
        _check(found, shown, reuse)
        errors = pymysql.err.MySQLError
        _emptying(shown, url.text, errors, lambda: inventory.my_drop(conn, found))
        try:
            yield Target(
                conn,
                apply,
                mysql_snapshot.snapshot,
                mysql_snapshot.diff,
                shown,
                inventory.my_empty,
            )
        finally:
            if conn.open:
                with contextlib.suppress(pymysql.err.MySQLError):
                    inventory.my_empty(conn)
    finally:
        with contextlib.suppress(Exception):
            conn.close()
