"""Rows on SQLite: its tables read through the PRAGMAs, rows written as literals.

SQLite types are affinities, so a column's kind comes from the words of its declared type
(the rules of https://www.sqlite.org/datatype3.html#determination_of_column_affinity,
refined by the names Prisma writes: ``BOOLEAN``, ``DATETIME``, ``DECIMAL``, ``JSONB``).
An ``INTEGER PRIMARY KEY`` is the rowid: left to SQLite. CHECK constraints are not read
(SQLite keeps them only in the table's text); a row one refuses is tried again.
"""

from __future__ import annotations

import re
import sqlite3
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
)

_SCHEMA = "main"
_SIZE = re.compile(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def default_schema(conn: Any) -> str:
    return _SCHEMA


def _names(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' AND name <> '_prisma_migrations' ORDER BY name"
        )
    ]


def tables(conn: sqlite3.Connection) -> list[Table]:
    out = []
    names = _names(conn)
    for name in names:
        info = list(conn.execute(f"PRAGMA table_xinfo({q(name)})"))
        pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
        rowid = len(pk) == 1 and any(r[1] == pk[0] and str(r[2]).upper() == "INTEGER" for r in info)
        columns = tuple(
            Column(
                col,
                _kind(str(typ or "")),
                str(typ or ""),
                not notnull and not (rowid and col == pk[0]),
                default if default is not None else ("NULL" if not notnull else None),
                rowid and col == pk[0],
                hidden in (2, 3),
            )
            for _, col, typ, notnull, default, _, hidden in info
            if hidden != 1
        )
        keys = [tuple(pk)] if pk else []
        for _, index, unique, *_ in conn.execute(f"PRAGMA index_list({q(name)})"):
            if unique:
                cols = [r[2] for r in conn.execute(f"PRAGMA index_info({q(index)})")]
                if None not in cols:
                    keys.append(tuple(cols))
        fks: dict[int, tuple[str, list[str], list[str | None]]] = {}
        for fid, _, ref, frm, to, *_ in conn.execute(f"PRAGMA foreign_key_list({q(name)})"):
            entry = fks.setdefault(fid, (ref, [], []))
            entry[1].append(frm)
            entry[2].append(to)
        foreign = []
        for ref, frm, to in fks.values():
            if ref not in names:
                continue
            if None in to:  # REFERENCES "Parent" alone: its primary key
                parent = list(conn.execute(f"PRAGMA table_info({q(ref)})"))
                to = [r[1] for r in sorted(parent, key=lambda r: r[5]) if r[5]]
            foreign.append(ForeignKey(tuple(frm), (_SCHEMA, ref), tuple(str(t) for t in to)))
        out.append(Table((_SCHEMA, name), columns, tuple(keys), tuple(foreign)))
    return out


def _kind(declared: str) -> Kind:
    word = declared.upper()
    size = _SIZE.search(word)
    if "BOOL" in word:
        return Kind("bool")
    if "INT" in word:
        return Kind("int", 64)
    if "JSON" in word:
        return Kind("json")
    if any(w in word for w in ("CHAR", "CLOB", "TEXT")) or not word:
        return Kind("text", int(size.group(1)) if size else None)
    if "BLOB" in word:
        return Kind("bytes")
    if any(w in word for w in ("REAL", "FLOA", "DOUB")):
        return Kind("float")
    if "DATE" in word or "TIME" in word:
        return Kind("timestamp")
    if size is not None:
        return Kind("decimal", int(size.group(1)), int(size.group(2) or 0))
    return Kind("decimal", 12, 2)


def counts(conn: sqlite3.Connection, found: Sequence[Table]) -> dict[Name, int]:
    return {
        t.name: int(conn.execute(f"SELECT count(*) FROM {q(t.name[1])}").fetchone()[0])
        for t in found
    }


def literal(col: Column, raw: object) -> str:
    if raw is None:
        return "NULL"
    if isinstance(raw, Pick):
        order = ", ".join(q(k) for k in raw.key)
        return (
            f"(SELECT {q(raw.column)} FROM {q(raw.table[1])} AS prisma_down_p "
            f"WHERE {raw.where(q, lambda n: q(n[1]))} ORDER BY {order} "
            f"LIMIT 1 OFFSET {raw.offset})"
        )
    if isinstance(raw, bool):
        return "1" if raw else "0"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, bytes):
        return "X'" + raw.hex() + "'"
    if col.kind.name in ("decimal", "float"):
        return str(raw)
    return "'" + str(raw).replace("'", "''") + "'"


def insert(
    conn: sqlite3.Connection, table: Table, cells: Sequence[tuple[Column, Any]]
) -> str | None:
    if cells:
        names = ", ".join(q(c.name) for c, _ in cells)
        values = ", ".join(literal(c, v) for c, v in cells)
        sql = f"INSERT INTO {q(table.name[1])} ({names}) VALUES ({values})"
    else:
        sql = f"INSERT INTO {q(table.name[1])} DEFAULT VALUES"
    try:
        conn.execute(sql)
    except sqlite3.Error as error:
        return f"{type(error).__name__}: {error}"
    return None


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    return str(value)


def rows(conn: sqlite3.Connection) -> dict[Name, Rows]:
    out: dict[Name, Rows] = {}
    for name in _names(conn):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_xinfo({q(name)})") if r[6] != 1]
        found = Rows(tuple(sorted(cols)))
        select = ", ".join(q(c) for c in found.columns) or "1"
        for row in conn.execute(f"SELECT {select} FROM {q(name)}"):
            found.rows[tuple(text(v) for v in row) if found.columns else ()] += 1
        out[(_SCHEMA, name)] = found
    return out


def empty(conn: sqlite3.Connection, found: Sequence[Table]) -> None:
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for t in found:
            conn.execute(f"DELETE FROM {q(t.name[1])}")
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def stepwise(conn: sqlite3.Connection, script: str, inspect: Callable[[], Any]) -> Stop:
    """As ``prisma db execute`` runs it: statement by statement, stopping at the first
    error with what ran before it kept (a transaction the file opened ends with the
    connection: rolled back). The database is copied back from before afterwards."""
    saved = sqlite3.connect(":memory:")
    try:
        conn.backup(saved)
        error = _run(conn, script)
        if error is None:
            return Stop(None)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        seen = inspect()
        saved.backup(conn)
        return Stop(error, seen, True)
    finally:
        saved.close()
        conn.execute("PRAGMA foreign_keys=ON")


def _run(conn: sqlite3.Connection, script: str) -> str | None:
    """Each statement on its own, so a ``BEGIN`` of the file holds until its ``COMMIT``
    (``executescript`` would commit it first); the error names the statement's line."""
    from prisma_down.core.statements import split
    from prisma_down.verify.roundtrip import failed_at

    for st in split(script, "sqlite").statements:
        try:
            conn.execute(st.text)
        except sqlite3.Error as e:
            return failed_at(f"{type(e).__name__}: {e}", script, st.span.start)
    return None


ENGINE = RowsEngine(tables, counts, insert, rows, empty, stepwise, default_schema)

__all__ = ["ENGINE", "literal"]
