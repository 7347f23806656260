"""Changes → PostgreSQL, in Prisma's quoting and layout.

Types, defaults, check bodies and object definitions are the original source text. A
guarded change (``core.guards``) is written in its own ``IF [NOT] EXISTS`` form where
PostgreSQL has one that says exactly what the guard says, else as a DO block over the
catalog query ``read.do_block`` reads back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.catalog import serial_default, serial_sequence
from prisma_down.core.read.do_block import exists_query
from prisma_down.core.render.rows import delete_rows
from prisma_down.core.schema import Column, Constraint, Index, QName


def quote(name: str) -> str:
    return escape.identifier(name, "postgres")


def q(name: QName) -> str:
    return escape.qualified(name, "postgres")


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


def index_sql(ix: Index, concurrently: bool = False, if_not_exists: bool = False) -> str:
    elems = []
    for e in ix.elements:
        text = quote(e.column) if e.column is not None else (e.expression or "")
        elems.append(f"{text} {e.suffix}".rstrip())
    head = "CREATE UNIQUE INDEX" if ix.unique else "CREATE INDEX"
    if concurrently:
        head += " CONCURRENTLY"
    if if_not_exists:
        head += " IF NOT EXISTS"
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
    ine = "IF NOT EXISTS " if c.if_not_exists else ""
    return f"CREATE {prefix}TABLE {ine}{q(t.name)} (\n{body}\n){tail}"


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
    if c.table is not None and c.kind in ("function", "procedure"):
        on = c.table.name  # the argument types that tell overloads apart (read.signature)
    return f"DROP {c.kind.upper()} {q(c.name)}{on}"


def _delete_rows(c: ch.DeleteRows) -> str:
    return delete_rows(c, q(c.table), quote)


def _enum_value(v: str) -> str:
    return escape.literal(v, "postgres")


def _add_enum_value(c: ch.AddEnumValue) -> str:
    pos = ""
    if c.before is not None:
        pos = f" BEFORE {_enum_value(c.before)}"
    elif c.after is not None:
        pos = f" AFTER {_enum_value(c.after)}"
    ine = "IF NOT EXISTS " if c.if_not_exists else ""
    return f"ALTER TYPE {q(c.enum)} ADD VALUE {ine}{_enum_value(c.value)}{pos}"


def _alter_type(c: ch.AlterColumnType) -> str:
    sql = _alter_column(c.table, c.column, f"SET DATA TYPE {c.type}")
    if c.collate:
        sql += f" COLLATE {c.collate}"
    if c.using:
        sql += f" USING {c.using}"
    return sql


# keyword → how a value of "" (NO MINVALUE, NO CYCLE, OWNED BY NONE, RESTART) is written
_NO = {
    "MINVALUE": "NO MINVALUE",
    "MAXVALUE": "NO MAXVALUE",
    "CYCLE": "NO CYCLE",
    "OWNED BY": "OWNED BY NONE",
    "RESTART": "RESTART",
}


def option_sql(key: str, value: str) -> str:
    """One sequence option as written in CREATE / ALTER SEQUENCE."""
    if not value:
        return _NO.get(key, key)
    if key in ("CYCLE", "VIRTUAL"):
        return key
    return f"{key} {value}"


def _alter_sequence(c: ch.AlterSequence) -> str:
    opts = " ".join(option_sql(k, v) for k, v in c.options)
    return f"ALTER SEQUENCE {'IF EXISTS ' if c.if_exists else ''}{q(c.name)} {opts}"


def _ie(if_exists: bool) -> str:
    return "IF EXISTS " if if_exists else ""


def _cascade(cascade: bool) -> str:
    """Only a drop read from a migration has it (the archive fix keeps such a drop as it was
    written); no inverse drops with CASCADE."""
    return " CASCADE" if cascade else ""


def _ine(if_not_exists: bool) -> str:
    return "IF NOT EXISTS " if if_not_exists else ""


_RENDER: dict[type, Callable[..., str]] = {
    ch.CreateTable: _create_table,
    ch.DropTable: lambda c: f"DROP TABLE {_ie(c.if_exists)}{q(c.name)}{_cascade(c.cascade)}",
    ch.RenameTable: lambda c: _rename_table(c),
    ch.AddColumn: lambda c: (
        f"ALTER TABLE {q(c.table)} ADD COLUMN {_ine(c.if_not_exists)}"
        + column_sql(c.table, c.column)
    ),
    ch.DropColumn: lambda c: (
        f"ALTER TABLE {q(c.table)} DROP COLUMN {_ie(c.if_exists)}{quote(c.name)}"
        + _cascade(c.cascade)
    ),
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
    ch.DropConstraint: lambda c: (
        f"ALTER TABLE {q(c.table)} DROP CONSTRAINT {_ie(c.if_exists)}{quote(c.name)}"
    ),
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
    ch.CreateIndex: lambda c: index_sql(c.index, c.concurrently, c.if_not_exists),
    ch.DropIndex: lambda c: (
        f"DROP INDEX {'CONCURRENTLY ' if c.concurrently else ''}{_ie(c.if_exists)}{q(c.name)}"
    ),
    ch.RenameIndex: lambda c: f"ALTER INDEX {q(c.old)} RENAME TO {quote(c.new.name)}",
    ch.CreateEnum: lambda c: (
        f"CREATE TYPE {q(c.enum.name)} AS ENUM ("
        + ", ".join(_enum_value(v) for v in c.enum.values)
        + ")"
    ),
    ch.DropEnum: lambda c: f"DROP TYPE {_ie(c.if_exists)}{q(c.name)}",
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
    if isinstance(change, ch.Guarded):
        return _native(change) or _do_block(change)
    f = _RENDER.get(type(change))
    if f is None:
        raise ValueError(f"cannot render {type(change).__name__} for PostgreSQL")
    return f(change)


# -- guarded changes: IF [NOT] EXISTS where PostgreSQL has it, else a DO block ---------------


def _is(g: ch.Guard, kind: str, names: tuple[str, ...], negated: bool, schema: str) -> bool:
    return g == ch.Guard(kind, names, negated, schema)


_ALTER_TABLE = (
    ch.AddColumn,
    ch.DropColumn,
    ch.RenameColumn,
    ch.AlterColumnType,
    ch.SetColumnDefault,
    ch.SetColumnNotNull,
    ch.SetColumnIdentity,
    ch.AddConstraint,
    ch.DropConstraint,
    ch.ValidateConstraint,
    ch.RenameConstraint,
)
_CREATE_INE = re.compile(
    r"^(\s*CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?(?:EXTENSION|SCHEMA|SEQUENCE)\s+)(?!IF\b)"
    r"(?!AUTHORIZATION\b)",
    re.I,
)
_HAS_INE = re.compile(
    r"^\s*CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?(?:EXTENSION|SCHEMA|SEQUENCE)\s+"
    r"IF\s+NOT\s+EXISTS\b",
    re.I,
)
_IF_EXISTS_KINDS = frozenset({"view", "materialized view", "sequence"})


def _chain(c: ch.Guarded) -> tuple[list[ch.Guard], tuple[ch.Change, ...]]:
    """Nested guards over one change read as one condition: ``IF a AND b``."""
    guards = [c.guard]
    inner = c.changes
    while len(inner) == 1 and isinstance(inner[0], ch.Guarded):
        guards.append(inner[0].guard)
        inner = inner[0].changes
    return guards, inner


def _native(c: ch.Guarded) -> str | None:
    """The change's own IF [NOT] EXISTS form, when it says exactly what the guard says."""
    guards, inner = _chain(c)
    if len(inner) != 1:
        return None
    x = inner[0]
    if len(guards) == 2 and isinstance(x, ch.AddColumn):
        table, column = guards
        if _is(table, "table", (x.table.name,), False, x.table.schema) and _is(
            column, "column", (x.table.name, x.column.name), True, x.table.schema
        ):
            return _table_if_exists(render(replace(x, if_not_exists=True)))
        return None
    if len(guards) != 1:
        return None
    g = guards[0]
    if isinstance(x, _ALTER_TABLE) and _is(g, "table", (x.table.name,), False, x.table.schema):
        return _table_if_exists(render(x))
    if isinstance(x, ch.AddColumn):
        if _is(g, "column", (x.table.name, x.column.name), True, x.table.schema):
            return render(replace(x, if_not_exists=True))
    elif isinstance(x, ch.DropColumn):
        if _is(g, "column", (x.table.name, x.name), False, x.table.schema):
            return _table_if_exists(render(replace(x, if_exists=True)))
    elif isinstance(x, ch.DropConstraint):
        if _is(g, "constraint", (x.table.name, x.name), False, x.table.schema):
            return _table_if_exists(render(replace(x, if_exists=True)))
    elif isinstance(x, ch.CreateTable):
        if _is(g, "table", (x.table.name.name,), True, x.table.name.schema):
            return render(replace(x, if_not_exists=True))
    elif isinstance(x, ch.DropTable):
        if _is(g, "table", (x.name.name,), False, x.name.schema):
            return render(replace(x, if_exists=True))
    elif isinstance(x, ch.RenameTable):
        if _is(g, "table", (x.old.name,), False, x.old.schema):
            return _table_if_exists(render(x))
    elif isinstance(x, ch.CreateIndex):
        ix = x.index
        if _is(g, "index", (ix.table.name, ix.name.name), True, ix.table.schema):
            return render(replace(x, if_not_exists=True))
    elif isinstance(x, ch.DropIndex | ch.RenameIndex):
        name = x.name if isinstance(x, ch.DropIndex) else x.old
        if (g.kind, g.negated, g.names[-1]) == ("index", False, name.name) and g.schema in (
            None,
            name.schema,
        ):
            if isinstance(x, ch.DropIndex):
                return render(replace(x, if_exists=True))
            return re.sub(r"^ALTER INDEX ", "ALTER INDEX IF EXISTS ", render(x), count=1)
    elif isinstance(x, ch.DropEnum):
        if _is(g, "type", (x.name.name,), False, x.name.schema):
            return render(replace(x, if_exists=True))
    elif isinstance(x, ch.AddEnumValue):
        if _is(g, "value", (x.enum.name, x.value), True, x.enum.schema):
            return render(replace(x, if_not_exists=True))
    elif isinstance(x, ch.CreateObject | ch.DropObject | ch.RenameObject):
        return _native_object(g, x)
    return None


def _rename_table(c: ch.RenameTable) -> str:
    """RENAME TO, or SET SCHEMA when the table moves to another schema (the default one is
    written ``public``, the name the reader takes for it)."""
    if c.old.schema != c.new.schema:
        return f"ALTER TABLE {q(c.old)} SET SCHEMA {quote(c.new.schema or 'public')}"
    return f"ALTER TABLE {q(c.old)} RENAME TO {quote(c.new.name)}"


def _table_if_exists(sql: str) -> str:
    """``ALTER TABLE t …`` as ``ALTER TABLE IF EXISTS t …``: the table may not be there."""
    return re.sub(r"^ALTER TABLE ", "ALTER TABLE IF EXISTS ", sql, count=1)


def _object_guard(kind: str, name: QName, table: QName | None, negated: bool) -> ch.Guard:
    if kind in ("extension", "schema"):
        return ch.Guard(kind, (name.name,), negated, "")
    if kind in ("sequence", "type", "domain"):
        return ch.Guard("type" if kind == "domain" else kind, (name.name,), negated, name.schema)
    if kind in ("trigger", "policy", "rule") and table is not None:
        return ch.Guard("object", (kind, name.name, table.name), negated, table.schema)
    if kind in ("function", "procedure") and table is not None:  # one overload: its arguments
        return ch.Guard("object", (kind, name.name, table.name), negated, name.schema)
    return ch.Guard("object", (kind, name.name), negated, name.schema)


def _native_object(g: ch.Guard, x: ch.CreateObject | ch.DropObject | ch.RenameObject) -> str | None:
    if isinstance(x, ch.CreateObject):
        o = x.object
        if x.or_replace or g != _object_guard(o.kind, o.name, o.table, True):
            return None
        if _HAS_INE.match(o.sql):
            return o.sql
        sql = _CREATE_INE.sub(r"\1IF NOT EXISTS ", o.sql, count=1)
        return sql if sql != o.sql else None
    if isinstance(x, ch.DropObject):
        if x.table is None and x.kind in ("trigger", "policy", "rule"):
            return None
        if g != _object_guard(x.kind, x.name, x.table, False):
            return None
        return re.sub(r"^(DROP (?:MATERIALIZED )?\w+ )", r"\1IF EXISTS ", render(x), count=1)
    if x.kind in _IF_EXISTS_KINDS and g == _object_guard(x.kind, x.old, None, False):
        return re.sub(r"^(ALTER (?:MATERIALIZED )?\w+ )", r"\1IF EXISTS ", render(x), count=1)
    return None


def render_all(changes: Sequence[ch.Change]) -> list[str]:
    """Statements for ``changes``; guarded ones in a row under the same condition (and
    with no IF [NOT] EXISTS form of their own) share one DO block."""
    out: list[str] = []
    run: list[ch.Guarded] = []

    def flush() -> None:
        if len(run) > 1:
            guards, _ = _chain(run[0])
            merged: ch.Change = ch.Guarded(guards[-1], tuple(x for c in run for x in _chain(c)[1]))
            for g in reversed(guards[:-1]):
                merged = ch.Guarded(g, (merged,))
            out.append(render(merged))
        elif run:
            out.append(render(run[0]))
        run.clear()

    for c in changes:
        if isinstance(c, ch.Guarded) and _native(c) is None:
            if run and _chain(run[0])[0] != _chain(c)[0]:
                flush()
            run.append(c)
        else:
            flush()
            out.append(render(c))
    flush()
    return out


def _do_block(c: ch.Guarded) -> str:
    """``DO $down$ BEGIN IF … THEN …; END IF; END $down$``, under a tag the body lacks."""
    body = "\n".join(_plpgsql(c, "  "))
    tag = escape.dollar_tag(body)
    return f"DO {tag} BEGIN\n{body}\nEND {tag}"


def _plpgsql(c: ch.Change, indent: str) -> list[str]:
    """Statements of a DO block; only first lines are indented (bodies keep their text)."""
    if isinstance(c, ch.CreateIndex | ch.DropIndex) and c.concurrently:
        c = replace(c, concurrently=False)  # CONCURRENTLY cannot run inside a function
    if not isinstance(c, ch.Guarded):
        return [indent + render(c) + ";"]
    guards, inner = _chain(c)
    cond = " AND ".join(
        ("NOT " if g.negated else "") + f"EXISTS ({exists_query(g)})" for g in guards
    )
    out = [f"{indent}IF {cond} THEN"]
    for x in inner:
        out += _plpgsql(x, indent + "  ")
    return [*out, f"{indent}END IF;"]
