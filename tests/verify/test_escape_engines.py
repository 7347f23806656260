"""``core.escape`` on real PostgreSQL and MariaDB: each context reads back as the text.

String literals must mean the same under every setting that changes how a string is read:
PostgreSQL's ``standard_conforming_strings`` on and off (escape strings ``E'…'`` for text
with a backslash), MySQL's ``sql_mode`` with and without NO_BACKSLASH_ESCAPES (backslashes
spliced in as ``CHAR(92 …)``). Identifiers must name exactly the text; a comment line must
stay a comment. (SQLite: tests/core/test_escape.py, in-process.)
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from prisma_down.core import escape
from prisma_down.verify.mariadb import MariaDBServer

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]
TEXTS = [
    *(f"x{b}DROP TABLE canary;--" for b in BREAKS),
    "x*/DROP TABLE canary;/*",
    "x$$;DROP TABLE canary;--",
    "x$down$;DROP TABLE canary;--",
    "x';DROP TABLE canary;--",
    "x\\';DROP TABLE canary;--",
    "x\\\\'';DROP TABLE canary;--\\",
    'x";DROP TABLE canary;--',
    "x`;DROP TABLE canary;--",
    "x];DROP TABLE canary;--",
    "\\",
    "",
]


def _pg_value(conn: Any, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0]


@pytest.mark.parametrize("scs", ["on", "off"])
def test_postgres_literals_mean_the_text(pg_conn: Any, scs: str) -> None:
    pg_conn.execute(f"SET standard_conforming_strings = {scs}")
    pg_conn.execute("SET escape_string_warning = off")
    for text in TEXTS:
        assert _pg_value(pg_conn, f"SELECT {escape.literal(text, 'postgres')}") == text


def test_postgres_identifiers_and_comments(pg_conn: Any) -> None:
    pg_conn.execute("CREATE TABLE canary (id INTEGER)")
    pg_conn.execute("INSERT INTO canary VALUES (1)")
    for i, text in enumerate(t for t in TEXTS if t):
        name = f"{i}{text}"
        table = escape.identifier(name, "postgres")
        pg_conn.execute(f"-- {escape.comment(name)}\nCREATE TABLE {table} (a INTEGER)".encode())
        found = _pg_value(pg_conn, f"SELECT relname FROM pg_class WHERE oid = to_regclass("
                          f"{escape.literal(table, 'postgres')})")  # fmt: skip
        assert found == name
    assert _pg_value(pg_conn, "SELECT count(*) FROM canary") == 1


@pytest.fixture
def maria(mariadb: MariaDBServer) -> Any:
    import pymysql
    from pymysql.constants import CLIENT

    name = f"escape_{uuid.uuid4().hex[:10]}"
    with mariadb.database(name):
        conn = pymysql.connect(
            unix_socket=mariadb.socket,
            user="root",
            database=name,
            autocommit=True,
            charset="utf8mb4",
            client_flag=CLIENT.MULTI_STATEMENTS,
        )
        try:
            yield conn
        finally:
            conn.close()


def _maria_value(conn: Any, sql: str) -> Any:
    with conn.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
        while cur.nextset():
            pass
    return row[0] if row else None


@pytest.mark.parametrize("mode", ["", "NO_BACKSLASH_ESCAPES"])
def test_mariadb_literals_mean_the_text(maria: Any, mode: str) -> None:
    _maria_value(maria, f"SET SESSION sql_mode = '{mode}'")
    for text in [*TEXTS, "a\x00b"]:
        assert _maria_value(maria, f"SELECT {escape.literal(text, 'mysql')}") == text


def test_mariadb_identifiers_and_comments(maria: Any) -> None:
    _maria_value(maria, "CREATE TABLE canary (id INTEGER); INSERT INTO canary VALUES (1)")
    for i, text in enumerate(t for t in TEXTS if t.rstrip() == t and t):
        name = f"{i}{text}"
        sql = f"-- {escape.comment(name)}\nCREATE TABLE {escape.identifier(name, 'mysql')} (a INT)"
        _maria_value(maria, sql)
        found = _maria_value(
            maria,
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
            f"AND TABLE_NAME = {escape.literal(name, 'mysql')}",
        )
        assert found == name
    assert _maria_value(maria, "SELECT count(*) FROM canary") == 1
