"""Changes → PostgreSQL, in Prisma's quoting and layout.

Types, defaults, check bodies and object definitions are the original source text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prisma_down.core import changes as ch
from prisma_down.core.catalog import qualified as q
from prisma_down.core.catalog import quote, serial_default, serial_sequence
from prisma_down.core.render.rows import delete_rows
from prisma_down.core.schema import Column, Constraint, Index, QName


def _cols(names: tuple[str, ...]) -> str:
    return ", ".join(quote(n) for n in names)


def column_sql(table: QName, c: Column) -> str:
    if c.serial and c.default == serial_default(serial_sequence(table, c)):
        return f"{quote(c.name)} {c.serial} NOT NULL"
    parts = [quote(c.name), c.type]
    if c.collate:
        parts.append(f"COLLATE {c.collate}")
    if c.not_null and not c.identity:
        parts.append("NOT NULL")
    if c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if c.generated:
        parts.append(c.generated)
    if c.identity:
        parts += ["NOT NULL", c.identity]
    return " ".join(parts)


def constraint_sql(k: Constraint) -> str:
    head = f"CONSTRAINT {quote(k.name)} "
    tail = f" {k.tail}" if k.tail else ""
    if k.kind == "p":
        return f"{head}PRIMARY KEY ({_cols(k.columns)}){tail}"
    if k.kind == "u":
        nulls = ""
        if k.tail.upper().startswith("NULLS"):
            m = re.match(r"NULLS\s+(NOT\s+)?DISTINCT", k.tail, re.I)
            if m:
                nulls, tail = m.group(0) + " ", (" " + k.tail[m.end() :].strip()).rstrip()
        return f"{head}UNIQUE {nulls}({_cols(k.columns)}){tail}"
    if k.kind == "f":
        assert k.ref_table is not None
        ref = f"({_cols(k.ref_columns)})" if k.ref_columns else ""
        return f"{head}FOREIGN KEY ({_cols(k.columns)}) REFERENCES {q(k.ref_table)}{ref}{tail}"
    return f"{head}{k.tail}"


def index_sql(ix: Index, concurrently: bool = False) -> str:
    elems = []
    for e in ix.elements:
        text = quote(e.column) if e.column is not None else (e.expression or "")
        elems.append(f"{text} {e.suffix}".rstrip())
    head = "CREATE UNIQUE INDEX" if ix.unique else "CREATE INDEX"
    if concurrently:
        head += " CONCURRENTLY"
    using = f" USING {ix.method} (" if ix.method else "("
    sql = f"{head} {quote(ix.name.name)} ON {q(ix.table)}{using}{', '.join(elems)})"
    if ix.include:
        sql += f" INCLUDE ({_cols(ix.include)})"
    if ix.tail:
        sql += f" {ix.tail}"
    if ix.where:
        sql += f" WHERE {ix.where}"
    return sql


def _alter_column(table: QName, column: str, action: str) -> str:
    return f"ALTER TABLE {q(table)} ALTER COLUMN {quote(column)} {action}"


def _create_table(c: ch.CreateTable) -> str:
    t = c.table
    lines = [column_sql(t.name, col) for col in t.columns]
    lines += [constraint_sql(k) for k in t.constraints]
    prefix = f"{t.prefix} " if t.prefix else ""
    body = ",\n".join("    " + x for x in lines)
    tail = f" {t.tail}" if t.tail else ""
    return f"CREATE {prefix}TABLE {q(t.name)} (\n{body}\n){tail}"


def _create_object(c: ch.CreateObject) -> str:
    sql = c.object.sql
    if c.or_replace and not re.match(r"\s*CREATE\s+OR\s+REPLACE\b", sql, re.I):
        sql = re.sub(r"^\s*CREATE\b", "CREATE OR REPLACE", sql, count=1, flags=re.I)
    return sql


def _drop_object(c: ch.DropObject) -> str:
    on = (
        f" ON {q(c.table)}"
        if c.table is not None and c.kind in ("trigger", "policy", "rule")
        else ""
    )
    return f"DROP {c.kind.upper()} {q(c.name)}{on}"


def _delete_rows(c: ch.DeleteRows) -> str:
    return delete_rows(c, q(c.table), quote)


def _enum_value(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _add_enum_value(c: ch.AddEnumValue) -> str:
    pos = ""
    if c.before is not None:
        pos = f" BEFORE {_enum_value(c.before)}"
    elif c.after is not None:
        pos = f" AFTER {_enum_value(c.after)}"
    return f"ALTER TYPE {q(c.enum)} ADD VALUE {_enum_value(c.value)}{pos}"


def _alter_type(c: ch.AlterColumnType) -> str:
    sql = _alter_column(c.table, c.column, f"SET DATA TYPE {c.type}")
    if c.collate:
        sql += f" COLLATE {c.collate}"
    if c.using:
        sql += f" USING {c.using}"
    return sql


def _alter_sequence(c: ch.AlterSequence) -> str:
    from prisma_down.core.read.cockroach import option_sql

    opts = " ".join(option_sql(k, v) for k, v in c.options)
    return f"ALTER SEQUENCE {'IF EXISTS ' if c.if_exists else ''}{q(c.name)} {opts}"


_RENDER: dict[type, Callable[..., str]] = {
    ch.CreateTable: _create_table,
    ch.DropTable: lambda c: f"DROP TABLE {q(c.name)}",
    ch.RenameTable: lambda c: f"ALTER TABLE {q(c.old)} RENAME TO {quote(c.new.name)}",
    ch.AddColumn: lambda c: f"ALTER TABLE {q(c.table)} ADD COLUMN {column_sql(c.table, c.column)}",
    ch.DropColumn: lambda c: f"ALTER TABLE {q(c.table)} DROP COLUMN {quote(c.name)}",
    ch.RenameColumn: lambda c: (
        f"ALTER TABLE {q(c.table)} RENAME COLUMN {quote(c.old)} TO {quote(c.new)}"
    ),
    ch.AlterColumnType: _alter_type,
    ch.SetColumnDefault: lambda c: _alter_column(
        c.table, c.column, "DROP DEFAULT" if c.default is None else f"SET DEFAULT {c.default}"
    ),
    ch.SetColumnNotNull: lambda c: _alter_column(
        c.table, c.column, "SET NOT NULL" if c.not_null else "DROP NOT NULL"
    ),
    ch.SetColumnIdentity: lambda c: _alter_column(
        c.table, c.column, f"ADD {c.identity}" if c.identity else "DROP IDENTITY"
    ),
    ch.AddConstraint: lambda c: (
        f"ALTER TABLE {q(c.table)} ADD {constraint_sql(c.constraint)}"
        + (" NOT VALID" if c.not_valid else "")
    ),
    ch.DropConstraint: lambda c: f"ALTER TABLE {q(c.table)} DROP CONSTRAINT {quote(c.name)}",
    ch.ValidateConstraint: lambda c: (
        f"ALTER TABLE {q(c.table)} VALIDATE CONSTRAINT {quote(c.name)}"
    ),
    ch.RenameConstraint: lambda c: (
        f"ALTER TABLE {q(c.table)} RENAME CONSTRAINT {quote(c.old)} TO {quote(c.new)}"
    ),
    ch.AlterPrimaryKey: lambda c: (  # CockroachDB
        f"ALTER TABLE {q(c.table)} ALTER PRIMARY KEY USING COLUMNS ({_cols(c.constraint.columns)})"
        + (f" {c.constraint.tail}" if c.constraint.tail else "")
    ),
    ch.AlterSequence: _alter_sequence,
    ch.CreateIndex: lambda c: index_sql(c.index, c.concurrently),
    ch.DropIndex: lambda c: f"DROP INDEX {'CONCURRENTLY ' if c.concurrently else ''}{q(c.name)}",
    ch.RenameIndex: lambda c: f"ALTER INDEX {q(c.old)} RENAME TO {quote(c.new.name)}",
    ch.CreateEnum: lambda c: (
        f"CREATE TYPE {q(c.enum.name)} AS ENUM ("
        + ", ".join(_enum_value(v) for v in c.enum.values)
        + ")"
    ),
    ch.DropEnum: lambda c: f"DROP TYPE {q(c.name)}",
    ch.RenameEnum: lambda c: f"ALTER TYPE {q(c.old)} RENAME TO {quote(c.new.name)}",
    ch.AddEnumValue: _add_enum_value,
    ch.RenameEnumValue: lambda c: (
        f"ALTER TYPE {q(c.enum)} RENAME VALUE {_enum_value(c.old)} TO {_enum_value(c.new)}"
    ),
    ch.DropEnumValue: lambda c: f"ALTER TYPE {q(c.enum)} DROP VALUE {_enum_value(c.value)}",
    ch.CreateObject: _create_object,
    ch.DropObject: _drop_object,
    ch.RenameObject: lambda c: f"ALTER {c.kind.upper()} {q(c.old)} RENAME TO {quote(c.new.name)}",
    ch.SetComment: lambda c: f"COMMENT ON {c.target_kind} {c.target} IS {c.text or 'NULL'}",
    ch.Transaction: lambda c: "BEGIN" if c.begin else "COMMIT",
    ch.SessionSetting: lambda c: c.sql,
    ch.DeleteRows: _delete_rows,
    ch.Verbatim: lambda c: c.sql,
}


def render(change: ch.Change) -> str:
    """One change as one PostgreSQL statement, without the terminating ``;``."""
    f = _RENDER.get(type(change))
    if f is None:
        raise ValueError(f"cannot render {type(change).__name__} for PostgreSQL")
    return f(change)
