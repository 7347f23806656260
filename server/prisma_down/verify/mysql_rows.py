"""Rows on MySQL/MariaDB: its tables read from information_schema, rows written as literals.

MySQL commits every DDL statement on its own, so a down.sql that fails leaves what ran
before it: ``stepwise`` is Prisma's own way of running a script here, and the database is
inspected where it stopped. MariaDB's JSON is a LONGTEXT with a ``json_valid`` CHECK: such
a column is given JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from prisma_down.verify.live import (
    Column,
    ForeignKey,
    Kind,
    Name,
    Pick,
    Rows,
    RowsEngine,
    Stop,
    Table,
    check_labels,
)

_COLUMNS = """
SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT,
       c.EXTRA, c.CHARACTER_MAXIMUM_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA
     AND t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE'
WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME <> '_prisma_migrations'
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION
"""
_KEYS = """
SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""
_FOREIGN_KEYS = """
SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
"""
_CHECKS = (  # MariaDB names the table in CHECK_CONSTRAINTS; MySQL 8 through TABLE_CONSTRAINTS
    "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
    "WHERE CONSTRAINT_SCHEMA = DATABASE()",
    "SELECT t.TABLE_NAME, k.CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS k "
    "JOIN information_schema.TABLE_CONSTRAINTS t ON t.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
    "AND t.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND t.CONSTRAINT_TYPE = 'CHECK' "
    "WHERE k.CONSTRAINT_SCHEMA = DATABASE()",
)
_INTS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}
_PLAIN = {
    "float": Kind("float"),
    "double": Kind("float"),
    "real": Kind("float"),
    "date": Kind("date"),
    "datetime": Kind("timestamp"),
    "timestamp": Kind("timestamp"),
    "time": Kind("time"),
    "year": Kind("year"),
    "json": Kind("json"),
    "uuid": Kind("uuid"),
    "inet4": Kind("inet"),
}
_LABEL = re.compile(r"'((?:[^'\\]|''|\\.)*)'")
_JSON_VALID = re.compile(r"json_valid\(\s*`((?:[^`]|``)+)`\s*\)", re.I)


def q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _qt(name: Name) -> str:
    return q(name[1])


def _query(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def default_schema(conn: Any) -> str:
    rows = _query(conn, "SELECT DATABASE()")
    return str(rows[0][0]) if rows and rows[0][0] else ""


def tables(conn: Any) -> list[Table]:
    schema = default_schema(conn)
    columns: dict[str, list[Column]] = {}
    for table, col, data, full, nullable, default, extra, chars, prec, scale in _query(
        conn, _COLUMNS
    ):
        extra = (extra or "").lower()
        kind = _kind(str(data).lower(), str(full).lower(), chars, prec, scale)
        null = nullable == "YES"
        if default is None and null:
            default = "NULL"
        generated = "generated" in extra and "default_generated" not in extra
        auto = "auto_increment" in extra
        columns.setdefault(table, []).append(
            Column(col, kind, str(full), null, default, auto, generated)
        )
    keys: dict[str, dict[str, list[str]]] = {}
    for table, index, col in _query(conn, _KEYS):
        keys.setdefault(table, {}).setdefault(index, []).append(col)
    fks: dict[str, dict[str, tuple[list[str], str, list[str]]]] = {}
    for table, name, col, ref, ref_col in _query(conn, _FOREIGN_KEYS):
        entry = fks.setdefault(table, {}).setdefault(name, ([], ref, []))
        entry[0].append(col)
        entry[2].append(ref_col)
    checks: dict[str, list[str]] = {}
    for table, clause in _checks(conn):
        checks.setdefault(table, []).append(str(clause))
    out = []
    for table, cols in columns.items():
        found = checks.get(table, [])
        json_cols = {m.replace("``", "`") for c in found for m in _JSON_VALID.findall(c)}
        cols = [
            Column(c.name, Kind("json"), c.type_sql, c.nullable, c.default, c.auto, c.generated)
            if c.name in json_cols and c.kind.name == "text"
            else c
            for c in cols
        ]
        cols = check_labels(cols, [c for c in found if not _JSON_VALID.search(c)])
        foreign = tuple(
            ForeignKey(tuple(a), (schema, ref), tuple(b))
            for a, ref, b in fks.get(table, {}).values()
            if ref in columns
        )
        unique = tuple(tuple(c) for c in keys.get(table, {}).values())
        out.append(Table((schema, table), tuple(cols), unique, foreign, tuple(found)))
    return out


def _checks(conn: Any) -> list[tuple[Any, ...]]:
    import pymysql

    for sql in _CHECKS:
        try:
            return _query(conn, sql)
        except pymysql.err.MySQLError:
            continue
    return []


def _kind(data: str, full: str, chars: Any, prec: Any, scale: Any) -> Kind:
    unsigned = "unsigned" in full
    if data == "tinyint" and full.startswith("tinyint(1)"):
        return Kind("bool")
    if data in _INTS:
        return Kind("int", _INTS[data], unsigned=unsigned)
    if data in ("decimal", "numeric"):
        return Kind("decimal", int(prec) if prec else None, int(scale) if scale else 0)
    if data == "char":
        return Kind("char", int(chars) if chars else 1)
    if data in ("varchar", "tinytext", "text", "mediumtext", "longtext"):
        return Kind("text", min(int(chars), 64) if chars else None)
    if data in ("enum", "set"):
        inner = full[full.index("(") + 1 : full.rindex(")")] if "(" in full else ""
        labels = tuple(m.replace("''", "'") for m in _LABEL.findall(inner))
        return Kind(data, labels=labels)
    if data == "binary":
        return Kind("bytes", int(chars) if chars else 1, fixed=True)
    if data in ("varbinary", "tinyblob", "blob", "mediumblob", "longblob"):
        return Kind("bytes", min(int(chars), 16) if chars else 16)
    if data == "bit":
        return Kind("bit", int(prec) if prec else 1)
    return _PLAIN.get(data, Kind("unknown"))


def counts(conn: Any, found: Sequence[Table]) -> dict[Name, int]:
    if not found:
        return {}
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*) FROM {q(t.name[1])}" for i, t in enumerate(found)
    )
    return {found[int(i)].name: int(n) for i, n in _query(conn, sql)}


def literal(col: Column, raw: object) -> str:
    if raw is None:
        return "NULL"
    if isinstance(raw, Pick):  # through a derived table: MySQL refuses its own table (1093)
        order = ", ".join(q(k) for k in raw.key)
        inner = (
            f"SELECT {q(raw.column)} FROM {q(raw.table[1])} AS prisma_down_p "
            f"WHERE {raw.where(q, _qt)} ORDER BY {order} LIMIT 1 OFFSET {raw.offset}"
        )
        return f"(SELECT {q(raw.column)} FROM ({inner}) AS prisma_down_pick)"
    if isinstance(raw, bool):
        return "1" if raw else "0"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, bytes):
        return "X'" + raw.hex() + "'"
    if col.kind.name == "bit":
        return f"b'{raw}'"
    return "'" + str(raw).replace("\\", "\\\\").replace("'", "''") + "'"


def insert(conn: Any, table: Table, cells: Sequence[tuple[Column, Any]]) -> str | None:
    import pymysql

    names = ", ".join(q(c.name) for c, _ in cells)
    values = ", ".join(literal(c, v) for c, v in cells)
    try:
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO {q(table.name[1])} ({names}) VALUES ({values})")
    except pymysql.err.MySQLError as error:
        args = tuple(error.args)
        return str(args[1]) if len(args) > 1 else str(error)
    return None


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return "\\x" + bytes(value).hex()
    return str(value)


def rows(conn: Any) -> dict[Name, Rows]:
    schema = default_schema(conn)
    columns: dict[str, list[str]] = {}
    for table, col, *_ in _query(conn, _COLUMNS):
        columns.setdefault(table, []).append(col)
    out: dict[Name, Rows] = {}
    for table, cols in columns.items():
        names = tuple(sorted(cols))
        found = Rows(names)
        select = ", ".join(q(c) for c in names)
        for row in _query(conn, f"SELECT {select} FROM {q(table)}"):
            found.rows[tuple(text(v) for v in row)] += 1
        out[(schema, table)] = found
    return out


def empty(conn: Any, found: Sequence[Table]) -> None:
    with conn.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for t in found:
                cur.execute(f"DELETE FROM {q(t.name[1])}")
        finally:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")


def stepwise(conn: Any, script: str, inspect: Callable[[], Any]) -> Stop:
    """Prisma's own way on MySQL (every statement commits): where it stops, it stays, so
    the database is looked at first."""
    from prisma_down.verify.mariadb import apply

    start = inspect()
    error = apply(conn, script)
    return Stop(error) if error is None else Stop(error, inspect(), False, start)


ENGINE = RowsEngine(tables, counts, insert, rows, empty, stepwise, default_schema)

__all__ = ["ENGINE", "literal"]
