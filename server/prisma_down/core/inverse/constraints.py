"""Inverses of constraint and index changes: what was dropped is added back as it stood (NOT
VALID stays NOT VALID), what was added is dropped with the index it took over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog, CatalogError, comments_on, using_index
from prisma_down.core.inverse.model import NOTHING, Inverse, exact, never
from prisma_down.core.names import comment_target
from prisma_down.core.schema import Constraint, QName


def re_add(table: QName, k: Constraint) -> ch.AddConstraint:
    """ADD CONSTRAINT as it stood: one added NOT VALID and never validated stays NOT VALID."""
    return ch.AddConstraint(table, k, k.not_valid)


def invert_add_constraint(c: ch.AddConstraint, cat: Catalog) -> Inverse:
    out: list[ch.Change] = [ch.DropConstraint(c.table, c.constraint.name)]
    t = cat.tables.get(c.table)
    columns = c.constraint.columns
    try:
        backing = using_index(cat, c.table, c.constraint)
    except CatalogError as e:
        return never(str(e))
    if backing is not None:
        out.append(ch.CreateIndex(backing))
        columns = tuple(e.column or "" for e in backing.elements)
    if c.constraint.kind == "p" and t is not None:
        for name in columns:
            col = t.column(name)
            if col is not None and not col.not_null:
                out.append(ch.SetColumnNotNull(c.table, name, False))
    return exact(*out)


def _drop_constraint(c: ch.DropConstraint, cat: Catalog) -> Inverse:
    t = cat.tables.get(c.table)
    k = t.constraint(c.name) if t else None
    if k is None:
        if c.if_exists:
            return NOTHING
        return never(f'constraint "{c.name}" is not created earlier in the history')
    return exact(re_add(c.table, k))


def _validate_constraint(c: ch.ValidateConstraint, cat: Catalog) -> Inverse:
    """Nothing un-validates a constraint: drop it and add it back NOT VALID, as it was."""
    t = cat.tables.get(c.table)
    k = t.constraint(c.name) if t else None
    if k is None:
        return never(f'constraint "{c.name}" is not created earlier in the history')
    if not k.not_valid:
        return NOTHING
    return exact(ch.DropConstraint(c.table, c.name), re_add(c.table, k))


def _rename_constraint(c: ch.RenameConstraint, cat: Catalog) -> Inverse:
    return exact(ch.RenameConstraint(c.table, c.new, c.old))


def _create_index(c: ch.CreateIndex, cat: Catalog) -> Inverse:
    if c.if_not_exists and c.index.name in cat.indexes:
        return NOTHING
    return exact(ch.DropIndex(c.index.name, concurrently=c.concurrently, table=c.index.table))


def _drop_index(c: ch.DropIndex, cat: Catalog) -> Inverse:
    ix = cat.index(c.name)
    if ix is None:
        if c.if_exists:
            return NOTHING
        return never(f'index "{c.name.name}" is not created earlier in the history')
    comments = comments_on(cat, "INDEX", comment_target(ix.name))
    return exact(ch.CreateIndex(ix, concurrently=c.concurrently), *comments)


def _rename_index(c: ch.RenameIndex, cat: Catalog) -> Inverse:
    return exact(ch.RenameIndex(c.new, c.old, c.table))


INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    ch.AddConstraint: invert_add_constraint,
    ch.DropConstraint: _drop_constraint,
    ch.ValidateConstraint: _validate_constraint,
    ch.RenameConstraint: _rename_constraint,
    ch.CreateIndex: _create_index,
    ch.DropIndex: _drop_index,
    ch.RenameIndex: _rename_index,
}
