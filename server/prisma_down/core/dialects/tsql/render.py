"""Changes → SQL Server, in the layout of Prisma's SQL Server migrations.

Types, defaults and check bodies are the original source text. Checked against the SQL
Server documentation: ALTER TABLE (ADD … DEFAULT … FOR, ALTER COLUMN, WITH NOCHECK),
CREATE INDEX (CLUSTERED / NONCLUSTERED, INCLUDE, WHERE), sp_rename (COLUMN, INDEX,
OBJECT), SET IDENTITY_INSERT, TRY…CATCH and THROW; and against Prisma's own output in the
corpus (``BEGIN TRY`` wrapper, ``_prisma_new_T`` redefinition).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.render.rows import delete_rows
from prisma_down.core.schema import Column, Constraint, Index, QName, Table

_NEW = "_prisma_new_"

_WRAP_HEAD = "BEGIN TRY\n\nBEGIN TRAN;\n\n"
_WRAP_TAIL = (
    "\nCOMMIT TRAN;\n\nEND TRY\nBEGIN CATCH\n\nIF @@TRANCOUNT > 0\nBEGIN\n"
    "    ROLLBACK TRAN;\nEND;\nTHROW\n\nEND CATCH\n"
)


def wrap(body: str) -> str:
    """Prisma's wrapper around a whole SQL Server script: one transaction, re-raise on error."""
    return _WRAP_HEAD + body + _WRAP_TAIL


def quote(name: str) -> str:
    return escape.identifier(name, "tsql")


def q(name: QName) -> str:
    return f"{quote(name.schema or 'dbo')}.{quote(name.name)}"


def _n(text: str) -> str:
    """A Unicode string literal."""
    return escape.literal(text, "tsql")


def _s(text: str) -> str:
    """A string literal as Prisma writes one for ``EXEC('…')``: ``N'…'`` only beyond ASCII."""
    return escape.literal(text, "tsql", national=False)


# a regular identifier (Transact-SQL "Database identifiers"): sp_rename reads it unquoted
_REGULAR = re.compile(r"[^\W\d][\w@#$]*")


def _part(name: str) -> str:
    """One part of an sp_rename object name: bracketed only when it must be."""
    return name if _REGULAR.fullmatch(name) else quote(name)


def _path(*parts: str) -> str:
    return ".".join(_part(p) for p in parts)


def _cols(names: tuple[str, ...], sep: str = ",") -> str:
    return sep.join(quote(n) for n in names)


def column_sql(c: Column, constraints: tuple[Constraint, ...] = ()) -> str:
    if c.generated and not c.type:
        return f"{quote(c.name)} {c.generated}"
    parts = [quote(c.name), c.type]
    if c.collate:
        parts.append(f"COLLATE {c.collate}")
    if c.not_null:
        parts.append("NOT NULL")
    if c.identity:
        parts.append(c.identity)
    if c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    for k in constraints:
        if k.kind == "d" and k.columns == (c.name,):
            parts.append(f"CONSTRAINT {quote(k.name)} DEFAULT {k.tail}")
    return " ".join(parts)


def constraint_sql(k: Constraint) -> str:
    head = f"CONSTRAINT {quote(k.name)} " if k.name else ""
    if k.kind in "pu":
        words = k.tail.split(None, 1)
        clustering = words[0] if words and words[0].upper() in ("CLUSTERED", "NONCLUSTERED") else ""
        after = k.tail[len(clustering) :].strip()
        kind = "PRIMARY KEY" if k.kind == "p" else "UNIQUE"
        sql = f"{head}{kind} {clustering} ({_cols(k.columns)})".replace("  ", " ")
        return f"{sql} {after}" if after else sql
    if k.kind == "f":
        assert k.ref_table is not None
        ref = f"({_cols(k.ref_columns)})" if k.ref_columns else ""
        tail = f" {k.tail}" if k.tail else ""
        return f"{head}FOREIGN KEY ({_cols(k.columns)}) REFERENCES {q(k.ref_table)}{ref}{tail}"
    if k.kind == "d":
        return f"{head}DEFAULT {k.tail} FOR {quote(k.columns[0])}"
    return f"{head}{k.tail}"


def create_table_sql(t: Table, name: QName | None = None) -> str:
    defaults = tuple(k for k in t.constraints if k.kind == "d")
    lines = [column_sql(col, defaults) for col in t.columns]
    lines += [constraint_sql(k) for k in t.constraints if k.kind != "d"]
    body = ",\n".join("    " + x for x in lines)
    tail = f" {t.tail}" if t.tail else ""
    return f"CREATE TABLE {q(name or t.name)} (\n{body}\n){tail}"


def index_sql(ix: Index) -> str:
    elems = ", ".join(f"{quote(e.column or '')} {e.suffix}".rstrip() for e in ix.elements)
    head = "CREATE UNIQUE" if ix.unique else "CREATE"
    if ix.method:
        head += f" {ix.method}"
    sql = f"{head} INDEX {quote(ix.name.name)} ON {q(ix.table)}({elems})"
    if ix.include:
        sql += f" INCLUDE ({_cols(ix.include, ', ')})"
    if ix.where:
        sql += f" WHERE {ix.where}"
    if ix.tail:
        sql += f" {ix.tail}"
    return sql


def _alter(table: QName, action: str) -> str:
    return f"ALTER TABLE {q(table)} {action}"


def redefine_sql(c: ch.RedefineTable) -> str:
    """Prisma's RedefineTables block and what follows it, as one text."""
    return ";\n".join(redefine_statements(c))


def redefine_statements(c: ch.RedefineTable) -> list[str]:
    """Prisma's RedefineTables block (``BEGIN TRANSACTION`` to ``COMMIT``, one statement
    to ``core.dialects.tsql.split``); foreign keys and indexes follow it.

    The constraints of the table it replaces are dropped before it (by the inverse), so the
    new table can take their names.
    """
    t = c.table
    temp = t.name.renamed(_NEW + t.name.name)
    fks = tuple(k for k in t.constraints if k.kind == "f")
    body = replace(t, constraints=tuple(k for k in t.constraints if k.kind != "f"))
    out = ["BEGIN TRANSACTION", create_table_sql(body, temp)]
    pairs = [(new, quote(old)) for new, old in c.copied] + list(c.filled)
    identity = any(t.column(new) is not None and t.column(new).identity for new, _ in pairs)  # type: ignore[union-attr]
    if pairs:
        into = ",".join(quote(new) for new, _ in pairs)
        values = ",".join(value for _, value in pairs)
        copy = (
            f"INSERT INTO {q(temp)} ({into}) SELECT {values} FROM {q(t.name)} "
            "WITH (holdlock tablockx)"
        )
        if identity:
            out.append(f"SET IDENTITY_INSERT {q(temp)} ON")
        out.append(f"IF EXISTS(SELECT * FROM {q(t.name)})\n    EXEC({_s(copy)})")
        if identity:
            out.append(f"SET IDENTITY_INSERT {q(temp)} OFF")
    out.append(f"DROP TABLE {q(t.name)}")
    out.append(f"EXEC SP_RENAME {_n(_path(temp.schema or 'dbo', temp.name))}, {_n(t.name.name)}")
    out.append("COMMIT")
    after = [_alter(t.name, f"ADD {constraint_sql(k)}") for k in fks]
    after += [index_sql(ix) for ix in c.indexes]
    return [";\n".join(out), *after]


def _add_column(c: ch.AddColumn) -> str:
    items = [column_sql(c.column, c.constraints)]
    items += [constraint_sql(k) for k in c.constraints if k.kind != "d"]
    return _alter(c.table, "ADD " + ", ".join(items))


def _replace_column(c: ch.ReplaceColumn) -> str:
    return ";\n".join(_replace_column_statements(c))


def _replace_column_statements(c: ch.ReplaceColumn) -> list[str]:
    col = c.new
    sql = f"ALTER COLUMN {quote(col.name)} {col.type}"
    if col.collate:
        sql += f" COLLATE {col.collate}"
    sql = _alter(c.table, sql + (" NOT NULL" if col.not_null else " NULL"))
    if col.name != c.column:
        return [_rename_column(ch.RenameColumn(c.table, c.column, col.name)), sql]
    return [sql]


def _rename_column(c: ch.RenameColumn) -> str:
    obj = _path(c.table.schema or "dbo", c.table.name, c.old)
    return f"EXEC SP_RENAME {_n(obj)}, {_n(c.new)}, N'COLUMN'"


def _rename_index(c: ch.RenameIndex) -> str:
    table = c.table or QName(c.old.schema, "")
    obj = _path(table.schema or "dbo", table.name, c.old.name)
    return f"EXEC SP_RENAME {_n(obj)}, {_n(c.new.name)}, N'INDEX'"


def _rename(old: QName, new: QName, kind: str = "") -> str:
    extra = f", N'{kind}'" if kind else ""
    return f"EXEC SP_RENAME {_n(_path(old.schema or 'dbo', old.name))}, {_n(new.name)}{extra}"


def _drop_default(c: ch.SetColumnDefault) -> str:
    """Drop whatever default the column has, by its system-given name."""
    if c.default is not None:
        return _alter(c.table, f"ADD DEFAULT {c.default} FOR {quote(c.column)}")
    table = q(c.table)
    drop = _s(f"ALTER TABLE {table} DROP CONSTRAINT ")
    inner = (  # a string inside a string: each level quoted on its own; EXEC takes no calls
        "DECLARE @name SYSNAME, @sql NVARCHAR(MAX); SELECT @name = name "
        "FROM sys.default_constraints "
        f"WHERE parent_object_id = OBJECT_ID({_s(table)}) "
        f"AND col_name(parent_object_id, parent_column_id) = {_s(c.column)}; "
        f"IF @name IS NOT NULL BEGIN SET @sql = {drop} + QUOTENAME(@name); EXEC(@sql) END"
    )
    return "EXEC sp_executesql " + _n(inner)


_BATCH_FIRST = ("procedure", "function", "view", "trigger", "schema")


def _create_object(c: ch.CreateObject) -> str:
    """Routines and schemas must open a batch: inside the wrapper they run through EXEC."""
    sql = c.object.sql
    if c.or_replace and not re.match(r"\s*(CREATE\s+OR\s+ALTER|ALTER)\b", sql, re.I):
        sql = re.sub(r"^\s*CREATE\b", "CREATE OR ALTER", sql, count=1, flags=re.I)
    if c.object.kind in _BATCH_FIRST:
        return f"EXEC sp_executesql {_n(sql)}"
    return sql


def _delete_rows(c: ch.DeleteRows) -> str:
    return delete_rows(c, q(c.table), quote, keys="or")


def _cannot(c: ch.Change) -> str:
    """A change SQL Server has no statement for: the script stops there, saying why."""
    what = _n(f"prisma-down cannot write {type(c).__name__} for SQL Server")
    return f"THROW 50000, {what}, 1"


_RENDER: dict[type, Callable[..., str]] = {
    ch.CreateTable: lambda c: create_table_sql(c.table),
    ch.DropTable: lambda c: f"DROP TABLE {q(c.name)}",
    ch.RenameTable: lambda c: _rename(c.old, c.new),
    ch.RedefineTable: redefine_sql,
    ch.AddColumn: _add_column,
    ch.DropColumn: lambda c: _alter(c.table, f"DROP COLUMN {quote(c.name)}"),
    ch.RenameColumn: _rename_column,
    ch.ReplaceColumn: _replace_column,
    ch.SetColumnDefault: _drop_default,
    ch.AddConstraint: lambda c: _alter(
        c.table, ("WITH NOCHECK " if c.not_valid else "") + f"ADD {constraint_sql(c.constraint)}"
    ),
    ch.DropConstraint: lambda c: _alter(c.table, f"DROP CONSTRAINT {quote(c.name)}"),
    ch.ValidateConstraint: lambda c: _alter(
        c.table, f"WITH CHECK CHECK CONSTRAINT {quote(c.name)}"
    ),
    ch.RenameConstraint: lambda c: _rename(
        QName(c.table.schema, c.old), QName(c.table.schema, c.new), "OBJECT"
    ),
    ch.CreateIndex: lambda c: index_sql(c.index),
    ch.DropIndex: lambda c: (
        f"DROP INDEX {quote(c.name.name)} ON {q(c.table)}"
        if c.table is not None
        else f"DROP INDEX {q(c.name)}"
    ),
    ch.RenameIndex: _rename_index,
    ch.CreateObject: _create_object,
    ch.DropObject: lambda c: f"DROP {c.kind.upper()} {q(c.name)}",
    ch.RenameObject: lambda c: _rename(c.old, c.new),
    ch.Transaction: lambda c: "BEGIN TRAN" if c.begin else "COMMIT TRAN",
    ch.SessionSetting: lambda c: c.sql,
    ch.DeleteRows: _delete_rows,
    ch.Verbatim: lambda c: c.sql,
}


def render(change: ch.Change) -> str:
    """One change as T-SQL, without the terminating ``;`` (a redefinition is several)."""
    f = _RENDER.get(type(change))
    if f is None:
        return _cannot(change)
    return f(change)


def render_all(changes: Sequence[ch.Change]) -> list[str]:
    """The statements of ``changes``, each one statement as ``core.dialects.tsql.split`` reads
    it back (Prisma's redefinition, BEGIN TRANSACTION to COMMIT, is one)."""
    out: list[str] = []
    for c in changes:
        if isinstance(c, ch.RedefineTable):
            out += redefine_statements(c)
        elif isinstance(c, ch.ReplaceColumn):
            out += _replace_column_statements(c)
        else:
            out.append(render(c))
    return out
