"""The natural guard of a change: the object it acts on exists, the one it creates does not."""

from __future__ import annotations

import re

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog, constraint_named
from prisma_down.core.schema import QName

_ON_TABLE = frozenset({"trigger", "policy", "rule"})
SETTERS = (ch.SetColumnDefault, ch.SetColumnNotNull, ch.AlterColumnType, ch.ReplaceColumn)


OBJECT_KINDS = frozenset(
    {"view", "materialized view", "function", "procedure", "aggregate", "trigger", "policy"}
    | {"rule", "collation"}
)


def natural(change: ch.Change, cat: Catalog) -> tuple[ch.Guard, ...]:
    """The guard that says ``change`` can run: what it acts on exists, what it makes does not.

    ``cat`` is the catalog it runs on (an index found by name alone needs its table).
    Empty for changes with no object of their own (BEGIN, verbatim SQL, ...).
    """
    c = change
    if isinstance(c, ch.CreateTable):
        return (_table(c.table.name, True),)
    if isinstance(c, ch.DropTable):
        return (_table(c.name),)
    if isinstance(c, ch.RenameTable):
        return (_table(c.old),)
    if isinstance(c, ch.DeleteRows | ch.InsertRows):
        return (_table(c.table),)
    if isinstance(c, ch.AddColumn):
        return (_column(c.table, c.column.name, True),)
    if isinstance(c, ch.DropColumn):
        return (_column(c.table, c.name),)
    if isinstance(c, ch.RenameColumn):
        return (_column(c.table, c.old),)
    if isinstance(c, (*SETTERS, ch.SetColumnIdentity)):
        return (_column(c.table, c.column),)
    if isinstance(c, ch.AddConstraint):
        return (_constraint(c.table, c.constraint.name, True),) if c.constraint.name else ()
    if isinstance(c, ch.DropConstraint | ch.ValidateConstraint):
        return (_constraint(c.table, c.name),)
    if isinstance(c, ch.RenameConstraint):
        return (_constraint(c.table, c.old),)
    if isinstance(c, ch.CreateIndex):
        return (_index(c.index.table, c.index.name.name, True),)
    if isinstance(c, ch.DropIndex | ch.RenameIndex):
        name = c.name if isinstance(c, ch.DropIndex) else c.old
        table = c.table or index_table(cat, name)
        return (_index(table, name.name),) if table is not None else ()
    if isinstance(c, ch.CreateEnum):
        return (type_guard(c.enum.name, True),)
    if isinstance(c, ch.DropEnum | ch.RenameEnum | ch.ReplaceEnum):
        if isinstance(c, ch.DropEnum):
            return (type_guard(c.name),)
        return (type_guard(c.old if isinstance(c, ch.RenameEnum) else c.enum),)
    if isinstance(c, ch.AddEnumValue):
        return (ch.Guard("value", (c.enum.name, c.value), True, c.enum.schema),)
    if isinstance(c, ch.RenameEnumValue):
        return (ch.Guard("value", (c.enum.name, c.old), False, c.enum.schema),)
    if isinstance(c, ch.DropEnumValue):
        return (ch.Guard("value", (c.enum.name, c.value), False, c.enum.schema),)
    if isinstance(c, ch.CreateObject):
        o = c.object
        return object_guard(o.kind, o.name, o.table, not c.or_replace)
    if isinstance(c, ch.DropObject):
        return object_guard(c.kind, c.name, c.table or _object_table(cat, c.kind, c.name))
    if isinstance(c, ch.RenameObject):
        return object_guard(c.kind, c.old, _object_table(cat, c.kind, c.old))
    if isinstance(c, ch.AlterSequence):
        return (ch.Guard("sequence", (c.name.name,), False, c.name.schema),)
    if isinstance(c, ch.SetComment):
        return _commented(c, cat)
    return ()


def index_table(cat: Catalog, name: QName) -> QName | None:
    """The table of index ``name``: a CREATE INDEX one, or a constraint's (PostgreSQL)."""
    hit = cat.indexes.get(name)
    if hit is not None:
        return hit[0]
    owner = constraint_named(cat, name)
    return owner[0] if owner is not None else None


# -- guards by kind ------------------------------------------------------------------------


def _table(name: QName, negated: bool = False) -> ch.Guard:
    return ch.Guard("table", (name.name,), negated, name.schema)


def _column(table: QName, column: str, negated: bool = False) -> ch.Guard:
    return ch.Guard("column", (table.name, column), negated, table.schema)


def _constraint(table: QName, name: str, negated: bool = False) -> ch.Guard:
    return ch.Guard("constraint", (table.name, name), negated, table.schema)


def _index(table: QName, name: str, negated: bool = False) -> ch.Guard:
    return ch.Guard("index", (table.name, name), negated, table.schema)


def type_guard(name: QName, negated: bool = False) -> ch.Guard:
    return ch.Guard("type", (name.name,), negated, name.schema)


def object_guard(
    kind: str, name: QName, table: QName | None, negated: bool = False
) -> tuple[ch.Guard, ...]:
    if kind in ("extension", "schema"):
        return (ch.Guard(kind, (name.name,), negated, ""),)
    if kind == "sequence":
        return (ch.Guard("sequence", (name.name,), negated, name.schema),)
    if kind in ("type", "domain"):
        return (type_guard(name, negated),)
    if kind not in OBJECT_KINDS:
        return ()
    if kind in _ON_TABLE:
        if table is None:
            return ()
        return (ch.Guard("object", (kind, name.name, table.name), negated, table.schema),)
    if kind in ("function", "procedure") and table is not None:  # one overload: its arguments
        return (ch.Guard("object", (kind, name.name, table.name), negated, name.schema),)
    return (ch.Guard("object", (kind, name.name), negated, name.schema),)


def _object_table(cat: Catalog, kind: str, name: QName) -> QName | None:
    return next((tb for (_, _, tb), _ in cat.objects_named(kind, name)), None)


_PART = re.compile(r'"((?:[^"]|"")*)"|([A-Za-z_][\w$]*)')


def _parts(target: str) -> list[str] | None:
    """``"a".b`` → ``["a", "b"]`` (unquoted names folded); None for anything else."""
    parts: list[str] = []
    rest = target.strip()
    while True:
        m = _PART.match(rest)
        if m is None:
            return None
        quoted, bare = m.groups()
        parts.append(quoted.replace('""', '"') if quoted is not None else bare.lower())
        rest = rest[m.end() :]
        if not rest:
            return parts
        if not rest.startswith("."):
            return None
        rest = rest[1:]


def _commented(c: ch.SetComment, cat: Catalog) -> tuple[ch.Guard, ...]:
    """COMMENT ON needs its object; the target is the catalog's quoted name."""
    parts = _parts(c.target)
    if parts is None:
        return ()
    if c.target_kind == "COLUMN":
        if len(parts) < 2:
            return ()
        return (_column(QName("" if len(parts) < 3 else parts[-3], parts[-2]), parts[-1]),)
    name = QName(parts[-2] if len(parts) > 1 else "", parts[-1])
    if c.target_kind in ("TABLE", "FOREIGN TABLE"):
        return (_table(name),)
    if c.target_kind == "INDEX":
        table = index_table(cat, name)
        return (_index(table, name.name),) if table is not None else ()
    kind = c.target_kind.lower()
    return object_guard(kind, name, None) if kind not in _ON_TABLE else ()


def wrap(guards: tuple[ch.Guard, ...], change: ch.Change) -> ch.Change:
    for g in reversed(guards):
        change = ch.Guarded(g, (change,))
    return change
