"""Rows on PostgreSQL: its tables read from pg_catalog, rows written and read back as text.

Every value is written as a string literal cast to the column's own type
(``'2021-03-04'::date``, ``'{"a","b"}'::"Role"[]``): PostgreSQL's input functions parse it,
so one form serves every type, domains (and their CHECKs) included. Rows are read back with
every value cast to text, which every type has (its output function).
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

_USER_TABLES = """
c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
AND n.nspname NOT IN ('pg_catalog', 'information_schema')
AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
AND NOT (c.relname = '_prisma_migrations')
AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                AND e.objid = c.oid AND e.deptype = 'e')
"""
_COLUMNS = f"""
SELECT c.oid, n.nspname, c.relname, a.attname, a.attnotnull, a.attidentity, a.attgenerated,
       format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE {_USER_TABLES}
ORDER BY n.nspname, c.relname, a.attnum
"""
_TYPES = f"""
WITH RECURSIVE used(oid) AS (
  SELECT DISTINCT a.atttypid FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND NOT a.attisdropped AND {_USER_TABLES}
  UNION
  SELECT x FROM used u JOIN pg_type t ON t.oid = u.oid,
       LATERAL (VALUES (t.typelem), (t.typbasetype)) AS v(x)
  WHERE x <> 0
)
SELECT t.oid, t.typname, t.typtype, t.typcategory, t.typelem, t.typbasetype, t.typtypmod
FROM pg_type t WHERE t.oid IN (SELECT oid FROM used)
"""
_ENUMS = "SELECT enumtypid, enumlabel FROM pg_enum ORDER BY enumtypid, enumsortorder"
_CONSTRAINTS = """
SELECT k.conrelid, k.contype, k.conkey, k.confrelid, k.confkey,
       CASE WHEN k.contype = 'c' THEN pg_get_constraintdef(k.oid) END
FROM pg_constraint k WHERE k.contype IN ('p', 'u', 'f', 'c') AND k.conrelid <> 0
"""
_UNIQUE_INDEXES = """
SELECT i.indrelid, i.indkey::int2[] FROM pg_index i
WHERE i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""
_NAMES = {
    "int2": Kind("int", 16),
    "int4": Kind("int", 32),
    "int8": Kind("int", 64),
    "float4": Kind("float"),
    "float8": Kind("float"),
    "bool": Kind("bool"),
    "text": Kind("text"),
    "name": Kind("text", 63),
    "citext": Kind("text"),
    "uuid": Kind("uuid"),
    "json": Kind("json"),
    "jsonb": Kind("json"),
    "bytea": Kind("bytes"),
    "date": Kind("date"),
    "timestamp": Kind("timestamp"),
    "timestamptz": Kind("timestamptz"),
    "time": Kind("time"),
    "timetz": Kind("timetz"),
    "interval": Kind("interval"),
    "inet": Kind("inet"),
    "cidr": Kind("cidr"),
    "macaddr": Kind("macaddr", 6),
    "macaddr8": Kind("macaddr", 8),
    "money": Kind("money"),
    "tsvector": Kind("tsvector"),
    "xml": Kind("xml"),
    "point": Kind("point"),
}
_RANGES = {
    "int4range": "int",
    "int8range": "int",
    "numrange": "numeric",
    "daterange": "date",
    "tsrange": "ts",
    "tstzrange": "ts",
}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qt(name: Name) -> str:
    return f"{q(name[0])}.{q(name[1])}"


def tables(conn: Any) -> list[Table]:
    """Every user table (partitions and extension tables aside, ``_prisma_migrations`` too)."""
    types = {r[0]: r[1:] for r in conn.execute(_TYPES).fetchall()}
    enums: dict[int, list[str]] = {}
    for oid, label in conn.execute(_ENUMS).fetchall():
        enums.setdefault(oid, []).append(label)
    found: dict[int, tuple[Name, list[Column]]] = {}
    names_by_num: dict[int, dict[int, str]] = {}
    for row in conn.execute(_COLUMNS).fetchall():
        oid, schema, table, col, notnull, ident, gen, type_sql, typ, typmod, default = row
        entry = found.setdefault(oid, ((schema, table), []))
        numbered = names_by_num.setdefault(oid, {})
        if col is None:
            continue
        numbered[len(numbered)] = col  # replaced by the attribute numbers below
        auto = bool(ident) or (default is not None and "nextval(" in default)
        kind = _kind(typ, typmod, types, enums)
        entry[1].append(Column(col, kind, type_sql, not notnull, default, auto, bool(gen)))
    names_by_num = {oid: {} for oid in found}
    attnums = conn.execute(
        "SELECT attrelid, attnum, attname FROM pg_attribute WHERE attnum > 0 "
        "AND NOT attisdropped AND attrelid = ANY(%s)",
        ([int(o) for o in found],),
    ).fetchall()
    for rel, num, name in attnums:
        names_by_num[rel][num] = name
    keys: dict[int, list[tuple[str, ...]]] = {}
    fks: dict[int, list[ForeignKey]] = {}
    checks: dict[int, list[str]] = {}
    for rel, kind, conkey, ref, confkey, definition in conn.execute(_CONSTRAINTS).fetchall():
        if rel not in found:
            continue
        cols = tuple(names_by_num[rel].get(k, "") for k in conkey or ())
        if kind in ("p", "u"):
            keys.setdefault(rel, []).append(cols)
        elif kind == "c" and definition:
            checks.setdefault(rel, []).append(definition)
        elif kind == "f" and ref in found:
            ref_cols = tuple(names_by_num[ref].get(k, "") for k in confkey or ())
            fks.setdefault(rel, []).append(ForeignKey(cols, found[ref][0], ref_cols))
    for rel, indkey in conn.execute(_UNIQUE_INDEXES).fetchall():
        if rel in found and indkey and 0 not in indkey:
            keys.setdefault(rel, []).append(tuple(names_by_num[rel].get(k, "") for k in indkey))
    out = []
    for oid, (name, plain) in found.items():
        labelled = check_labels(plain, checks.get(oid, ()))
        out.append(
            Table(
                name,
                tuple(labelled),
                tuple(keys.get(oid, ())),
                tuple(fks.get(oid, ())),
                tuple(checks.get(oid, ())),
            )
        )
    return out


def _kind(oid: int, typmod: int, types: dict[int, Any], enums: dict[int, list[str]]) -> Kind:
    found = types.get(oid)
    if found is None:
        return Kind("unknown")
    typname, typtype, category, elem, base, base_mod = found
    if typtype == "d":
        return _kind(base, base_mod if base_mod != -1 else typmod, types, enums)
    if typtype == "e":
        return Kind("enum", labels=tuple(enums.get(oid, ())))
    if category == "A" and elem:
        return Kind("array", element=_kind(elem, typmod, types, enums))
    if typname in _RANGES:
        return Kind("range", sub=_RANGES[typname])
    if typname in ("varchar", "bpchar"):
        size = typmod - 4 if typmod >= 4 else None
        return Kind("char", size) if typname == "bpchar" and size else Kind("text", size)
    if typname == "numeric":
        if typmod >= 4:
            return Kind("decimal", ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF)
        return Kind("decimal")
    if typname in ("bit", "varbit"):
        return Kind(typname, typmod if typmod > 0 else None)
    return _NAMES.get(typname, Kind("unknown"))


def counts(conn: Any, found: Sequence[Table]) -> dict[Name, int]:
    if not found:
        return {}
    query = " UNION ALL ".join(
        f"SELECT {i}, count(*) FROM {qt(t.name)}" for i, t in enumerate(found)
    )
    return {found[i].name: int(n) for i, n in conn.execute(query).fetchall()}


def text_of(raw: object) -> str:
    """A generated value in PostgreSQL's text input form."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, bytes):
        return "\\x" + raw.hex()
    if isinstance(raw, list):
        items = [
            "NULL"
            if x is None
            else '"' + text_of(x).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for x in raw
        ]
        return "{" + ",".join(items) + "}"
    return str(raw)


def literal(col: Column, raw: object) -> str:
    if raw is None:
        return "NULL"
    if isinstance(raw, Pick):
        order = ", ".join(q(k) for k in raw.key)
        return (
            f"(SELECT {q(raw.column)} FROM {qt(raw.table)} AS prisma_down_p "
            f"WHERE {raw.where(q, qt)} ORDER BY {order} LIMIT 1 OFFSET {raw.offset})"
        )
    return "'" + text_of(raw).replace("'", "''") + "'::" + col.type_sql


def insert(conn: Any, table: Table, cells: Sequence[tuple[Column, Any]]) -> str | None:
    import psycopg

    if cells:
        names = ", ".join(q(c.name) for c, _ in cells)
        values = ", ".join(literal(c, v) for c, v in cells)
        sql = f"INSERT INTO {qt(table.name)} ({names}) VALUES ({values})"
    else:
        sql = f"INSERT INTO {qt(table.name)} DEFAULT VALUES"
    try:
        conn.execute(sql.encode(), prepare=False)
    except psycopg.Error as error:
        return error.diag.message_primary or str(error).splitlines()[0]
    return None


def rows(conn: Any) -> dict[Name, Rows]:
    """Every user table's rows, each value as text, the columns in name order."""
    columns: dict[Name, list[str]] = {}
    for _, schema, table, col, *_ in conn.execute(_COLUMNS).fetchall():
        columns.setdefault((schema, table), [])
        if col is not None:
            columns[(schema, table)].append(col)
    names = list(columns)
    out = {n: Rows(tuple(sorted(columns[n]))) for n in names}
    if not names:
        return out
    parts = []
    for i, n in enumerate(names):
        cols = ", ".join(f"{q(c)}::text" for c in out[n].columns)
        parts.append(f"SELECT {i}, ARRAY[{cols}]::text[] FROM {qt(n)}")
    for i, values in conn.execute(" UNION ALL ".join(parts)).fetchall():
        out[names[i]].rows[tuple(values)] += 1
    return out


def empty(conn: Any, found: Sequence[Table]) -> None:
    """Delete every row of ``found``, in one TRUNCATE (foreign keys between them allowed)."""
    if found:
        conn.execute(f"TRUNCATE {', '.join(qt(t.name) for t in found)} CASCADE")


def default_schema(conn: Any) -> str:
    row = conn.execute("SELECT current_schema()").fetchone()
    return str(row[0]) if row and row[0] else "public"


_BEGIN = re.compile(r"^\s*(BEGIN|START\s+TRANSACTION)\b", re.I)
_COMMIT = re.compile(r"^\s*(COMMIT|END)\b", re.I)
_ROLLBACK = re.compile(r"^\s*(ROLLBACK|ABORT)\b(?!\s+TO\b)", re.I)
# Statements a transaction block refuses: run those as psql would, for real.
_NOT_IN_TRANSACTION = ("25001", "55P04")


class _Undo(Exception):
    def __init__(self, stop: Stop) -> None:
        self.stop = stop


class _Outside(Exception):
    """A statement that cannot run inside a transaction block."""


def stepwise(conn: Any, script: str, inspect: Callable[[], Any]) -> Stop:
    """Run ``script`` as psql runs a file (``-v ON_ERROR_STOP=1``): statement by statement,
    each committed on its own unless the file opens a transaction, stopping at the first
    error; a transaction the file opened is rolled back at the stop, as PostgreSQL does
    when the session ends.

    Played inside one transaction of ours, with a savepoint per statement and one per
    BEGIN of the file, so the stop can be inspected and then undone (``rewound``). A
    statement no transaction block takes (``CREATE INDEX CONCURRENTLY``, a new enum label
    used at once) makes it run for real instead, without rewinding.
    """
    from prisma_down.core.statements import split

    statements = split(script, "postgres").statements
    try:
        return _played(conn, script, statements, inspect)
    except _Outside:
        return _for_real(conn, script, statements, inspect)


def _played(conn: Any, script: str, statements: Sequence[Any], inspect: Callable[[], Any]) -> Stop:
    import psycopg

    try:
        with conn.transaction():
            opened = False
            for st in statements:
                if _BEGIN.match(st.text):
                    if not opened:  # BEGIN inside a transaction: only a warning
                        conn.execute("SAVEPOINT prisma_down_file")
                        opened = True
                    continue
                if _COMMIT.match(st.text) or _ROLLBACK.match(st.text):
                    if opened and _ROLLBACK.match(st.text):
                        conn.execute("ROLLBACK TO SAVEPOINT prisma_down_file")
                    if opened:
                        conn.execute("RELEASE SAVEPOINT prisma_down_file")
                    opened = False
                    continue
                conn.execute("SAVEPOINT prisma_down_step")
                try:
                    conn.execute(st.text.encode(), prepare=False)
                except psycopg.Error as error:
                    conn.execute("ROLLBACK TO SAVEPOINT prisma_down_step")
                    if error.sqlstate in _NOT_IN_TRANSACTION:
                        raise _Outside from None
                    if opened:
                        conn.execute("ROLLBACK TO SAVEPOINT prisma_down_file")
                    message = describe(error, script, st.span.start)
                    raise _Undo(Stop(message, inspect(), True)) from None
                conn.execute("RELEASE SAVEPOINT prisma_down_step")
            if opened:  # never committed: gone with the session
                conn.execute("ROLLBACK TO SAVEPOINT prisma_down_file")
    except _Undo as undo:
        return undo.stop
    return Stop(None)


def _for_real(
    conn: Any, script: str, statements: Sequence[Any], inspect: Callable[[], Any]
) -> Stop:
    import psycopg
    from psycopg import pq

    start = inspect()
    for st in statements:
        try:
            conn.execute(st.text.encode(), prepare=False)
        except psycopg.Error as error:
            if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                conn.rollback()
            return Stop(describe(error, script, st.span.start), inspect(), False, start)
    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
        conn.rollback()
    return Stop(None)


def describe(error: Any, script: str, start: int) -> str:
    """The error as ``verify.postgres.apply`` words it, placed in the whole script."""
    from prisma_down.verify.postgres import describe_error
    from prisma_down.verify.roundtrip import failed_at

    message = describe_error(error, script, start)
    return message if " at line " in message else failed_at(message, script, start)


ENGINE = RowsEngine(tables, counts, insert, rows, empty, stepwise, default_schema)

__all__ = ["ENGINE", "literal", "text_of"]
