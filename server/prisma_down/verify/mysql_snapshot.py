"""Schema snapshots of one MySQL / MariaDB database, and their differences in plain words.

Everything comes from ``information_schema`` as the server reports it (``COLUMN_TYPE``,
``COLUMN_DEFAULT``, ``EXTRA``, index parts, foreign-key rules), so two snapshots are equal
exactly when the schemas are, whatever text created them. Column order is not compared,
as for PostgreSQL. AUTO_INCREMENT counters and row counts are data, not schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    options: Row  # engine, collation, create options, comment
    columns: Mapping[str, Row]
    indexes: Mapping[str, Row]  # name → (unique, type, comment, ((column, sub_part, order), ...))
    foreign_keys: Mapping[str, Row]
    checks: Mapping[str, str]


@dataclass(frozen=True)
class Snapshot:
    """Everything in the connected database. Compare with ==."""

    tables: Mapping[str, Table]
    views: Mapping[str, Row]
    triggers: Mapping[str, Row]
    routines: Mapping[tuple[str, str], Row]


_TABLES = """
SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
  AND TABLE_NAME <> '_prisma_migrations'
"""
_COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
       CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
"""
_INDEXES = """
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE, INDEX_COMMENT, SEQ_IN_INDEX,
       COLUMN_NAME, SUB_PART, COLLATION
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""
_FOREIGN_KEYS = """
SELECT r.TABLE_NAME, r.CONSTRAINT_NAME, r.REFERENCED_TABLE_NAME, r.UPDATE_RULE, r.DELETE_RULE,
       k.COLUMN_NAME, k.REFERENCED_COLUMN_NAME
FROM information_schema.REFERENTIAL_CONSTRAINTS r
JOIN information_schema.KEY_COLUMN_USAGE k
  ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.TABLE_NAME = r.TABLE_NAME
 AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME
WHERE r.CONSTRAINT_SCHEMA = DATABASE()
ORDER BY r.TABLE_NAME, r.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""
_CHECKS = """
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
"""
_VIEWS = """
SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE
FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
"""
_TRIGGERS = """
SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
"""
_ROUTINES = """
SELECT ROUTINE_TYPE, ROUTINE_NAME, DTD_IDENTIFIER, ROUTINE_DEFINITION, IS_DETERMINISTIC,
       SQL_DATA_ACCESS, SECURITY_TYPE
FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
"""


def _rows(conn: Any, sql: str) -> list[Row]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def snapshot(conn: Any) -> Snapshot:
    """Read the whole schema of the connected database."""
    tables: dict[str, tuple[Row, dict[str, Row], dict[str, Any], dict[str, Any], dict[str, str]]]
    tables = {row[0]: (tuple(row[1:]), {}, {}, {}, {}) for row in _rows(conn, _TABLES)}
    for table, column, *rest in _rows(conn, _COLUMNS):
        if table in tables:
            tables[table][1][column] = tuple(rest)
    parts: dict[tuple[str, str], list[Row]] = {}
    for table, name, non_unique, kind, comment, _seq, column, sub_part, order in _rows(
        conn, _INDEXES
    ):
        if table in tables:
            parts.setdefault((table, name), []).append((column, sub_part, order))
            tables[table][2][name] = (not non_unique, kind, comment)
    for (table, name), columns in parts.items():
        tables[table][2][name] = (*tables[table][2][name], tuple(columns))
    fk_columns: dict[tuple[str, str], list[Row]] = {}
    for table, name, ref, on_update, on_delete, column, ref_column in _rows(conn, _FOREIGN_KEYS):
        if table in tables:
            fk_columns.setdefault((table, name), []).append((column, ref_column))
            tables[table][3][name] = (ref, on_update, on_delete)
    for (table, name), pairs in fk_columns.items():
        tables[table][3][name] = (*tables[table][3][name], tuple(pairs))
    for table, name, clause in _rows(conn, _CHECKS):
        if table in tables:
            tables[table][4][name] = clause
    return Snapshot(
        tables={
            name: Table(options, columns, indexes, fks, checks)
            for name, (options, columns, indexes, fks, checks) in tables.items()
        },
        views={row[0]: tuple(row[1:]) for row in _rows(conn, _VIEWS)},
        triggers={row[0]: tuple(row[1:]) for row in _rows(conn, _TRIGGERS)},
        routines={(row[0], row[1]): tuple(row[2:]) for row in _rows(conn, _ROUTINES)},
    )


_COLUMN_FIELDS = (
    "type",
    "nullable",
    "default",
    "extra",
    "character set",
    "collation",
    "comment",
    "generation expression",
)
_TABLE_FIELDS = ("engine", "collation", "create options", "comment")


def diff(before: Snapshot, after: Snapshot) -> list[str]:
    """One sentence per difference, sorted; empty when the schemas are equal."""
    out: list[str] = []
    for name in sorted(before.tables.keys() | after.tables.keys()):
        a, b = before.tables.get(name), after.tables.get(name)
        if a is None or b is None:
            out.append(f"table `{name}` {_presence(a is not None)}")
            continue
        out += _fields(f"table `{name}`", _TABLE_FIELDS, a.options, b.options)
        for column in sorted(a.columns.keys() | b.columns.keys()):
            x, y = a.columns.get(column), b.columns.get(column)
            what = f"column `{name}`.`{column}`"
            if x is None or y is None:
                out.append(f"{what} {_presence(x is not None)}")
            else:
                out += _fields(what, _COLUMN_FIELDS, x, y)
        for kind, left, right in (
            ("index", a.indexes, b.indexes),
            ("foreign key", a.foreign_keys, b.foreign_keys),
            ("check", a.checks, b.checks),
        ):
            out += _objects(f"{kind} {{}} on `{name}`", left, right)
    out += _objects("view {}", before.views, after.views)
    out += _objects("trigger {}", before.triggers, after.triggers)
    out += _objects("routine {}", before.routines, after.routines)
    return out


def _fields(what: str, names: tuple[str, ...], old: Row, new: Row) -> list[str]:
    return [
        f"{field} of {what} is {x!r} before, {y!r} after"
        for field, x, y in zip(names, old, new, strict=True)
        if x != y
    ]


def _objects(label: str, before: Mapping[Any, Any], after: Mapping[Any, Any]) -> list[str]:
    out = []
    for key in sorted(before.keys() | after.keys(), key=str):
        old, new = before.get(key), after.get(key)
        what = label.format(f"`{key}`" if isinstance(key, str) else str(key))
        if old is None or new is None:
            out.append(f"{what} {_presence(old is not None)}")
        elif old != new:
            out.append(f"{what} is {old!r} before, {new!r} after")
    return out


def _presence(was_before: bool) -> str:
    return "is missing" if was_before else "was not there before"
