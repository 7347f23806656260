"""What SQL Server does by itself, mirrored by the catalog and the inverter.

``catalog.apply`` and ``inverse.invert`` take these handlers over the generic ones when the
catalog's dialect is ``tsql``. From the SQL Server documentation (ALTER TABLE, sp_rename,
"Specify Default Values for Columns"):

- A default is a constraint of its own (kind ``d`` here) with a name; DROP COLUMN fails
  while one (or an index, or a key) still uses the column, so an added column goes back by
  dropping its constraints first.
- ``ALTER COLUMN`` restates type, collation and nullability; the column keeps its
  IDENTITY and its default. Left out, nullability becomes NULL: so every change of a
  column is undone by restating it as it was (``ReplaceColumn``).
- ``sp_rename 'dbo.x', 'y'`` renames whatever object ``x`` is: a table or a constraint.
- Prisma changes what ALTER cannot (IDENTITY) by redefining the table (``_prisma_new_T``);
  the way back is the same redefinition, to the old definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import catalog as cg
from prisma_down.core import changes as ch
from prisma_down.core import inverse as iv
from prisma_down.core.schema import Column, Constraint, QName, Table


def _t(name: QName) -> str:
    return f"[{name.schema or 'dbo'}].[{name.name}]"


# -- the catalog
def _replace_column(cat: cg.Catalog, c: ch.ReplaceColumn) -> cg.Catalog:
    """ALTER COLUMN: the new type, collation and nullability; IDENTITY and default stay."""
    t = cg.require_table(cat, c.table)
    old = cg.require_column(t, c.column)
    new = replace(c.new, identity=old.identity, default=old.default, generated=old.generated)
    return cg.set_table(cat, cg.map_columns(t, c.column, lambda _: new))


def _apply_default(cat: cg.Catalog, c: ch.SetColumnDefault) -> cg.Catalog:
    """A default dropped by column (the ``sys.default_constraints`` lookup) goes named or not."""
    cat = cg.set_default(cat, c)
    if c.default is not None:
        return cat
    t = cg.require_table(cat, c.table)
    kept = tuple(k for k in t.constraints if not (k.kind == "d" and k.columns == (c.column,)))
    return cg.set_table(cat, replace(t, constraints=kept))


def owner(cat: cg.Catalog, name: QName) -> tuple[str, QName | None]:
    """What ``sp_rename 'dbo.name', …`` renames: ("table", None), ("constraint", table), …"""
    if name in cat.tables:
        return "table", None
    for tn in cat.tables.with_constraint(name.name):
        t = cat.tables[tn]
        if t.name.schema == name.schema and t.constraint(name.name) is not None:
            return "constraint", t.name
    for kind, n, _ in cat.objects.named(name.name):
        if n == name:
            return kind, None
    return "", None


def _rename_object(cat: cg.Catalog, c: ch.RenameObject) -> cg.Catalog:
    if c.kind != "object":
        return cg.rename_object(cat, c)
    kind, table = owner(cat, c.old)
    if kind == "table":
        return _rename_table(cat, ch.RenameTable(c.old, c.new))
    if kind == "constraint" and table is not None:
        return cg.rename_constraint(cat, ch.RenameConstraint(table, c.old.name, c.new.name))
    if kind:
        return cg.rename_object(cat, ch.RenameObject(kind, c.old, c.new))
    raise cg.CatalogError(f'object "{c.old}" does not exist')


def _rename_table(cat: cg.Catalog, c: ch.RenameTable) -> cg.Catalog:
    """Index names are per table (``read_lexis.index_key``): their keys follow the table."""
    cat = cg.rename_table(cat, c)
    old, new = str(c.old), str(c.new)
    moves = {}
    for k in cat.indexes.on(c.new):  # keyed with the table's name (read_lexis.index_key)
        if k.schema == old:
            tb, ix = cat.indexes[k]
            moves[k] = (QName(new, k.name), (tb, replace(ix, name=QName(new, ix.name.name))))
    return replace(cat, indexes=cat.indexes.rekeyed(moves))


def _rename_index(cat: cg.Catalog, c: ch.RenameIndex) -> cg.Catalog:
    """sp_rename of a unique or primary key's index renames the constraint."""
    if c.old not in cat.indexes and c.table is not None:
        t = cat.tables.get(c.table)
        if t is not None and t.constraint(c.old.name) is not None:
            return cg.rename_constraint(cat, ch.RenameConstraint(c.table, c.old.name, c.new.name))
    return cg.rename_index(cat, c)


APPLY: dict[type[Any], Callable[[cg.Catalog, Any], cg.Catalog]] = {
    ch.RenameTable: _rename_table,
    ch.RenameIndex: _rename_index,
    ch.ReplaceColumn: _replace_column,
    ch.SetColumnDefault: _apply_default,
    ch.RenameObject: _rename_object,
}


# -- the inverter
def _defaults(t: Table, column: str) -> list[Constraint]:
    return [k for k in t.constraints if k.kind == "d" and k.columns == (column,)]


def _add_column(c: ch.AddColumn, cat: cg.Catalog) -> iv.Inverse:
    """Its constraints (a named default among them) first: DROP COLUMN fails while they stand."""
    out: list[ch.Change] = [ch.DropConstraint(c.table, k.name) for k in reversed(c.constraints)]
    if c.column.default is not None:
        out.append(ch.SetColumnDefault(c.table, c.column.name, None))
    out.append(ch.DropColumn(c.table, c.column.name))
    return iv.lossy(f"values written to {_t(c.table)}.[{c.column.name}] since are lost", *out)


def _drop_column(c: ch.DropColumn, cat: cg.Catalog) -> iv.Inverse:
    """ADD the column with its named default in the same clause: NOT NULL needs it there."""
    inv = iv.invert_drop_column(c, cat)
    t = cat.tables.get(c.table)
    if t is None or not inv.changes or not isinstance(inv.changes[0], ch.AddColumn):
        return inv
    inline = _defaults(t, c.name)
    first = replace(inv.changes[0], constraints=tuple(inline))
    rest = [
        x
        for x in inv.changes[1:]
        if not (isinstance(x, ch.AddConstraint) and x.constraint in inline)
    ]
    return replace(inv, changes=(first, *rest))


def _add_constraint(c: ch.AddConstraint, cat: cg.Catalog) -> iv.Inverse:
    """A primary key made its columns NOT NULL: ALTER COLUMN restates the whole column."""
    inv = iv.invert_add_constraint(c, cat)
    t = cat.tables.get(c.table)
    out: list[ch.Change] = []
    for x in inv.changes:
        col = t.column(x.column) if t is not None and isinstance(x, ch.SetColumnNotNull) else None
        if isinstance(x, ch.SetColumnNotNull) and col is not None:
            out.append(ch.ReplaceColumn(c.table, x.column, col))
        else:
            out.append(x)
    return replace(inv, changes=tuple(out))


def _set_default(c: ch.SetColumnDefault, cat: cg.Catalog) -> iv.Inverse:
    t = cat.tables.get(c.table)
    col = t.column(c.column) if t is not None else None
    if t is None or col is None:
        return iv.missing_column(c.table, c.column)
    out: list[ch.Change] = []
    if c.default is not None:
        out.append(ch.SetColumnDefault(c.table, c.column, None))
    out += [ch.AddConstraint(c.table, k) for k in _defaults(t, c.column)]
    if col.default is not None:
        out.append(ch.SetColumnDefault(c.table, c.column, col.default))
    return iv.exact(*out)


def _redefine_table(c: ch.RedefineTable, cat: cg.Catalog) -> iv.Inverse:
    """The same redefinition back to the old definition, copying the columns both have.

    The constraints of the new table go first (the new one takes their names), and so do
    foreign keys pointing at it (DROP TABLE fails while one does); the old indexes and
    those foreign keys come back after it.
    """
    old = cat.tables.get(c.table.name)
    if old is None:
        return iv.never(f"table {_t(c.table.name)} is not created earlier in the history")
    back: dict[str, str] = {}  # column of old <- column of new
    for new_col, old_col in c.copied:
        if old.column(old_col) is not None and c.table.column(new_col) is not None:
            back.setdefault(old_col, new_col)
    for col in old.columns:
        if col.name not in back and c.table.column(col.name) is not None:
            back[col.name] = col.name
    fks = cat.foreign_keys_to(old.name)
    out: list[ch.Change] = [ch.DropConstraint(tn, k.name) for tn, k in fks]
    out += [ch.DropConstraint(old.name, k.name) for k in reversed(c.table.constraints)]
    out.append(ch.RedefineTable(old, tuple(back.items())))
    out += [ch.CreateIndex(ix) for ix in cat.table_indexes(old.name)]
    out += [iv.re_add(tn, k) for tn, k in fks]
    notes = []
    empty = [col.name for col in old.columns if col.name not in back]
    if empty:
        notes.append(f"columns {', '.join(empty)} of {_t(old.name)} come back empty")
    lost = [col.name for col in c.table.columns if col.name not in back.values()]
    if lost:
        notes.append(f"values of {', '.join(lost)} written since are lost")
    changed = [n for n, m in back.items() if not _same_type(old.column(n), c.table.column(m))]
    if changed:
        notes.append(f"values of {', '.join(changed)} that do not convert back make this fail")
    if notes:
        return iv.lossy("; ".join(notes), *out)
    return iv.exact(*out)


def _same_type(a: Column | None, b: Column | None) -> bool:
    return (
        a is not None and b is not None and iv.normalized_type(a.type) == iv.normalized_type(b.type)
    )


INVERT: dict[type[Any], Callable[[Any, cg.Catalog], iv.Inverse]] = {
    ch.AddColumn: _add_column,
    ch.DropColumn: _drop_column,
    ch.AddConstraint: _add_constraint,
    ch.SetColumnDefault: _set_default,
    ch.RedefineTable: _redefine_table,
}
