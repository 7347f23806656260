"""MySQL as a verify target: a private MariaDB server, or the MySQL/MariaDB database a URL
names.

Scripts run one statement at a time as Prisma's schema engine runs them
(:func:`prisma_down.verify.mariadb.apply`), schemas are read by
:mod:`prisma_down.verify.mysql_snapshot`; between trials every table, view, routine, trigger
and event is dropped, ``_prisma_migrations`` kept (``inventory.my_empty``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from prisma_down import urls
from prisma_down.verify import given as rules
from prisma_down.verify import inventory
from prisma_down.verify.target import Engine, Target, VerifyError, first_line, need_driver

_LABEL = "MariaDB"


@contextlib.contextmanager
def private() -> Iterator[Target]:
    """A database on a MariaDB server started for this run, in a temporary folder."""
    need_driver("pymysql")
    from prisma_down.verify import mysql_rows, mysql_snapshot
    from prisma_down.verify.mariadb import MariaDBServer, MariaDBUnavailable, apply

    server = MariaDBServer()
    try:
        server.start()
    except MariaDBUnavailable as error:
        message = first_line(str(error)).rstrip(".")
        raise VerifyError(f"{message}, or pass --database-url") from None
    try:
        server.create_database("verify")
        conn = server.connect("verify")
        try:
            yield Target(
                conn,
                apply,
                mysql_snapshot.snapshot,
                mysql_snapshot.diff,
                _LABEL,
                inventory.my_empty,
                mysql_rows.ENGINE,
            )
        finally:
            conn.close()
    finally:
        server.stop()


@contextlib.contextmanager
def given(url: urls.DatabaseUrl, shown: str, reuse: bool) -> Iterator[Target]:
    """The database ``url`` names (it must name one)."""
    need_driver("pymysql")
    import pymysql

    from prisma_down.verify import mysql_rows, mysql_snapshot
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
        raise rules.unreachable(shown, url.text, error) from None
    try:
        found = inventory.my_inventory(conn)
        rules.check(found, shown, reuse)
        errors = pymysql.err.MySQLError
        rules.emptying(shown, url.text, errors, lambda: inventory.my_drop(conn, found))
        try:
            yield Target(
                conn,
                apply,
                mysql_snapshot.snapshot,
                mysql_snapshot.diff,
                shown,
                inventory.my_empty,
                mysql_rows.ENGINE,
            )
        finally:
            if conn.open:
                with contextlib.suppress(pymysql.err.MySQLError):
                    inventory.my_empty(conn)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


ENGINE = Engine("MySQL", _LABEL, ("mysql",), private, given)
