"""Changes → SQLite, in Prisma's quoting and layout.

SQLite stores CREATE TABLE as written, so a restored table is written the way Prisma
writes one: inline constraints in their column (``NOT NULL PRIMARY KEY AUTOINCREMENT``),
foreign keys as named table constraints; types and defaults are the original text.
A table redefinition is several statements, written as Prisma writes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import data_checks as pf
from prisma_down.core import escape
from prisma_down.core.render.rows import delete_rows
from prisma_down.core.schema import Column, Constraint, Index, QName, Table


def quote(name: str) -> str:
    return escape.identifier(name, "sqlite")


def q(name: QName) -> str:
    return escape.qualified(name, "sqlite")


def _cols(names: tuple[str, ...]) -> str:
    return ", ".join(quote(n) for n in names)


def _named(k: Constraint) -> str:
    return f"CONSTRAINT {quote(k.name)} " if k.name else ""


def _references(k: Constraint) -> str:
    assert k.ref_table is not None
    ref = f" ({_cols(k.ref_columns)})" if k.ref_columns else ""
    tail = f" {k.tail}" if k.tail else ""
    return f"REFERENCES {q(k.ref_table)}{ref}{tail}"


def column_sql(c: Column, inline: tuple[Constraint, ...] = ()) -> str:
    """A column with the constraints written in it, in the order Prisma writes them."""
    parts = [quote(c.name)]
    if c.type:
        parts.append(c.type)
    if c.not_null:
        parts.append("NOT NULL")
    by_kind = {kind: [k for k in inline if k.kind == kind] for kind in "pucf"}
    for k in by_kind["p"]:
        parts.append(f"{_named(k)}PRIMARY KEY" + (f" {k.tail}" if k.tail else ""))
    for k in by_kind["u"]:
        parts.append(f"{_named(k)}UNIQUE" + (f" {k.tail}" if k.tail else ""))
    if c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if c.collate:
        parts.append(f"COLLATE {c.collate}")
    if c.generated:
        parts.append(c.generated)
    for k in by_kind["c"]:
        parts.append(f"{_named(k)}{k.tail}")
    for k in by_kind["f"]:
        parts.append(f"{_named(k)}{_references(k)}")
    return " ".join(parts)


def constraint_sql(k: Constraint) -> str:
    tail = f" {k.tail}" if k.tail else ""
    if k.kind == "p":
        return f"{_named(k)}PRIMARY KEY ({_cols(k.columns)}){tail}"
    if k.kind == "u":
        return f"{_named(k)}UNIQUE ({_cols(k.columns)}){tail}"
    if k.kind == "f":
        return f"{_named(k)}FOREIGN KEY ({_cols(k.columns)}) {_references(k)}"
    return f"{_named(k)}{k.tail}"


def index_sql(ix: Index, if_not_exists: bool = False) -> str:
    elems = []
    for e in ix.elements:
        text = quote(e.column) if e.column is not None else (e.expression or "")
        elems.append(f"{text} {e.suffix}".rstrip())
    head = "CREATE UNIQUE INDEX" if ix.unique else "CREATE INDEX"
    head += " IF NOT EXISTS" if if_not_exists else ""
    sql = f"{head} {quote(ix.name.name)} ON {q(ix.table)}({', '.join(elems)})"
    return f"{sql} WHERE {ix.where}" if ix.where else sql


def create_table_sql(t: Table, name: QName | None = None, if_not_exists: bool = False) -> str:
    """CREATE TABLE for ``t``, under ``name`` when given (``new_X`` in a redefinition)."""
    lines = [
        column_sql(col, tuple(k for k in t.constraints if k.inline and k.columns == (col.name,)))
        for col in t.columns
    ]
    lines += [constraint_sql(k) for k in t.constraints if not k.inline]
    body = ",\n".join("    " + x for x in lines)
    prefix = f"{t.prefix} " if t.prefix else ""
    tail = f" {t.tail}" if t.tail else ""
    ine = "IF NOT EXISTS " if if_not_exists else ""
    return f"CREATE {prefix}TABLE {ine}{q(name or t.name)} (\n{body}\n){tail}"


def redefine_sql(c: ch.RedefineTable, temp_name: str = "") -> str:
    """Prisma's RedefineTables block (Prisma 5.x), as one text (see ``redefine_statements``)."""
    return ";\n".join(redefine_statements(c, temp_name))


def redefine_statements(c: ch.RedefineTable, temp_name: str = "") -> list[str]:
    """Prisma's RedefineTables block (Prisma 5.x): new_X, copy, drop, rename, indexes.

    ``defer_foreign_keys`` keeps it right where the script runs inside a transaction
    (foreign_keys=OFF is a no-op there); ``prisma db execute`` runs it as given.
    """
    t = c.table
    temp = t.name.renamed(temp_name or "new_" + t.name.name)
    statements = ["PRAGMA defer_foreign_keys=ON", "PRAGMA foreign_keys=OFF"]
    statements.append(create_table_sql(t, temp))
    pairs = sorted([(new, quote(old)) for new, old in c.copied] + list(c.filled))
    if pairs:
        into = ", ".join(quote(new) for new, _ in pairs)
        values = ", ".join(value for _, value in pairs)
        statements.append(f"INSERT INTO {q(temp)} ({into}) SELECT {values} FROM {q(t.name)}")
    statements.append(f"DROP TABLE {q(t.name)}")
    statements.append(f"ALTER TABLE {q(temp)} RENAME TO {quote(t.name.name)}")
    statements += [index_sql(ix) for ix in c.indexes]
    statements += ["PRAGMA foreign_keys=ON", "PRAGMA defer_foreign_keys=OFF"]
    return statements


def _add_column(c: ch.AddColumn) -> str:
    return f"ALTER TABLE {q(c.table)} ADD COLUMN {column_sql(c.column, c.constraints)}"


def _delete_rows(c: ch.DeleteRows) -> str:
    return delete_rows(c, q(c.table), quote, keys="values", query="cte")


def _if_exists(c: ch.DropTable | ch.DropIndex | ch.DropObject) -> str:
    return "IF EXISTS " if c.if_exists else ""


_CREATE_OBJECT = re.compile(
    r"^(\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?(?:VIEW|TRIGGER)\s+)(?!IF\b)", re.I
)


def _create_object(c: ch.CreateObject) -> str:
    """The definition as found in the history; IF NOT EXISTS put in for a view or trigger."""
    if not c.if_not_exists:
        return c.object.sql
    return _CREATE_OBJECT.sub(r"\1IF NOT EXISTS ", c.object.sql, count=1)


_RENDER: dict[type, Callable[..., str]] = {
    ch.CreateTable: lambda c: create_table_sql(c.table, if_not_exists=c.if_not_exists),
    ch.DropTable: lambda c: f"DROP TABLE {_if_exists(c)}{q(c.name)}",
    ch.RenameTable: lambda c: f"ALTER TABLE {q(c.old)} RENAME TO {quote(c.new.name)}",
    ch.RedefineTable: redefine_sql,
    ch.AddColumn: _add_column,
    ch.DropColumn: lambda c: f"ALTER TABLE {q(c.table)} DROP COLUMN {quote(c.name)}",
    ch.RenameColumn: lambda c: (
        f"ALTER TABLE {q(c.table)} RENAME COLUMN {quote(c.old)} TO {quote(c.new)}"
    ),
    ch.CreateIndex: lambda c: index_sql(c.index, c.if_not_exists),
    ch.DropIndex: lambda c: f"DROP INDEX {_if_exists(c)}{q(c.name)}",
    ch.CreateObject: _create_object,
    ch.DropObject: lambda c: f"DROP {c.kind.upper()} {_if_exists(c)}{q(c.name)}",
    ch.Transaction: lambda c: "BEGIN" if c.begin else "COMMIT",
    ch.SessionSetting: lambda c: c.sql,
    ch.DeleteRows: _delete_rows,
    ch.Verbatim: lambda c: c.sql,
}


def render(change: ch.Change) -> str:
    """One change as SQLite, without the terminating ``;`` (a redefinition is several)."""
    f = _RENDER.get(type(change))
    if f is None:
        raise ValueError(f"cannot render {type(change).__name__} for SQLite")
    return f(change)


def render_all(changes: Sequence[ch.Change]) -> list[str]:
    """down.sql's statements, each runnable where migration.sql stopped halfway.

    Prisma runs a SQLite migration statement by statement with no transaction around it, so
    a failed one leaves a prefix applied. SQLite has no conditional DDL beyond
    IF [NOT] EXISTS, so that is the guard: what the down drops may not be there yet, what
    it re-creates may not be gone yet. A redefinition back works from the table as it is
    (changed or not) through its own ``prisma_down_X`` table, then drops the ``new_X`` a
    stopped one left behind; where the stopped one had dropped ``X`` already, its copy
    fails first, so the rows in ``new_X`` are never dropped. A column added by the migration
    has no such form (SQLite has no ``DROP COLUMN IF EXISTS``): verify --partial says so.
    """
    return [sql for c in changes for sql in _idempotent(c)]


def _idempotent(c: ch.Change) -> list[str]:
    """The statements of ``c`` (a redefinition is several), each one statement."""
    if isinstance(c, ch.DropTable | ch.DropIndex | ch.DropObject):
        return [render(replace(c, if_exists=True))]
    if isinstance(c, ch.CreateTable | ch.CreateIndex | ch.CreateObject):
        return [render(replace(c, if_not_exists=True))]
    if isinstance(c, ch.RedefineTable):
        name = c.table.name
        left = ch.DropTable(name.renamed("new_" + name.name), if_exists=True)
        return [*redefine_statements(c, "prisma_down_" + name.name), render(left)]
    return [render(c)]


_PREFLIGHT = 'temp."prisma_down_preflight"'


def _violation(check: pf.Check) -> str:
    """``EXISTS (…)``: some row does not fit what ``check`` says comes back.

    Rows pointing at rows a DELETE deletes (``pointed``) stop it only where SQLite enforces
    foreign keys (``PRAGMA foreign_keys``, off unless the connection turns it on, as
    Prisma's does): elsewhere the DELETE runs and the check would stop a file that works.
    """
    found = pf.violation(
        check, q(check.table), quote, lambda v: escape.literal(v, "sqlite"), qualified=q
    )
    if check.kind == "pointed":
        return f"((SELECT foreign_keys FROM pragma_foreign_keys) AND {found})"
    return found


def preflight(checks: Sequence[pf.Check]) -> list[str]:
    """Statements that stop down.sql before its first change when a check fails.

    SQLite has no RAISE outside a trigger, so the stop is a CHECK constraint named with the
    message, on a TEMP table (nothing in the database file changes): an INSERT of a row
    that violates it fails with "CHECK constraint failed: <message>".
    """
    out: list[str] = []
    for k in checks:
        out += [
            f"DROP TABLE IF EXISTS {_PREFLIGHT}",
            f'CREATE TEMP TABLE {_PREFLIGHT} ("ok" INTEGER '
            f'CONSTRAINT {quote(k.message)} CHECK ("ok"))',
            f"INSERT INTO {_PREFLIGHT} SELECT NOT {_violation(k)}",
            f"DROP TABLE {_PREFLIGHT}",
        ]
    return out
