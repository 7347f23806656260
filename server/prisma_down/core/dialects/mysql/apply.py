"""How MySQL's statements move the catalog where they differ from the generic ``catalog.apply``:
implicit foreign-key indexes made and swallowed, DROP COLUMN shrinking indexes and the primary
key, indexes and generated key names following a renamed table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import catalog as cg
from prisma_down.core import changes as ch
from prisma_down.core.dialects.mysql.fk_names import (
    GENERATED_FK,
    with_generated_name,
)
from prisma_down.core.dialects.mysql.indexes import (
    as_index,
    index_columns,
    index_for_keys,
    index_key,
    on_its_table,
    same_column,
    swallow,
    with_indexes,
)
from prisma_down.core.schema import QName


def _generic(cat: cg.Catalog, change: ch.Change) -> cg.Catalog:
    return cg.APPLY[type(change)](cat, change)


def _create_table(cat: cg.Catalog, c: ch.CreateTable) -> cg.Catalog:
    exists = c.table.name in cat.tables
    cat = _generic(cat, c)
    if exists:
        return cat  # IF NOT EXISTS: nothing happened
    for ix in c.indexes:
        cat = _generic(cat, ch.CreateIndex(ix))
    return index_for_keys(cat, c.table.name)


def _add_constraint(cat: cg.Catalog, c: ch.AddConstraint) -> cg.Catalog:
    c = with_generated_name(cat, c)
    cat = _generic(cat, c)
    k = c.constraint
    if k.kind == "f":
        return index_for_keys(cat, c.table)
    if k.kind in "pu":
        return swallow(cat, c.table, k.columns, QName("", ""))
    return cat


def _create_index(cat: cg.Catalog, c: ch.CreateIndex) -> cg.Catalog:
    """The implicit indexes it can stand in for go first: their names are free again."""
    ix = c.index
    if ix.table in cat.tables and not (c.if_not_exists and ix.name in cat.indexes):
        cat = swallow(cat, ix.table, index_columns(ix), QName("", ""))
    return _generic(cat, c)


def _drop_column(cat: cg.Catalog, c: ch.DropColumn) -> cg.Catalog:
    t = cat.tables.get(c.table)
    if t is None or t.column(c.name) is None:
        return _generic(cat, c)  # says what is missing (or nothing, with IF EXISTS)
    indexes = cat.indexes
    for key in cat.indexes.on(c.table):
        tb, ix = indexes[key]
        if any(e.column is not None and same_column(e.column, c.name) for e in ix.elements):
            rest = tuple(
                e for e in ix.elements if e.column is None or not same_column(e.column, c.name)
            )
            if not rest:
                indexes = indexes.delete(key)
                continue
            indexes = indexes.set(key, (tb, replace(ix, elements=rest)))
    constraints = []
    for k in t.constraints:
        if k.kind == "p" and any(same_column(x, c.name) for x in k.columns):
            rest_cols = tuple(x for x in k.columns if not same_column(x, c.name))
            if rest_cols:
                constraints.append(replace(k, columns=rest_cols))
            continue
        constraints.append(k)
    t = replace(t, constraints=tuple(constraints))
    cat = cg.set_table(with_indexes(cat, indexes), t)
    return _generic(cat, c)  # the column, and its checks and foreign keys


def _rename_table(cat: cg.Catalog, c: ch.RenameTable) -> cg.Catalog:
    """Indexes move with the table; so do generated foreign key names: RENAME TABLE
    "changes internally generated foreign key constraint names and user-defined foreign key
    constraint names that begin with the string tbl_name_ibfk_ to reflect the new table
    name" (MySQL 8.0 Reference Manual, RENAME TABLE; MariaDB's InnoDB does the same)."""
    cat = _generic(cat, c)
    t = cat.tables.get(c.new)
    if t is not None and c.old.name != c.new.name:
        old = re.escape(c.old.name) + GENERATED_FK
        renamed = tuple(
            replace(k, name=f"{c.new.name}_ibfk_{m.group(1)}")
            if k.kind == "f" and (m := re.fullmatch(old, k.name))
            else k
            for k in t.constraints
        )
        cat = cg.set_table(cat, replace(t, constraints=renamed))
    moves = {}
    for key in cat.indexes.on(c.new):
        tb, ix = cat.indexes[key]
        new = index_key(c.new, ix.name.name)
        moves[key] = (new, (tb, replace(ix, name=new)))
    return with_indexes(cat, cat.indexes.rekeyed(moves))


def _rename_index(cat: cg.Catalog, c: ch.RenameIndex) -> cg.Catalog:
    cat = _generic(cat, c)
    hit = cat.indexes.get(c.new)
    if hit is None or not hit[1].implicit:
        return cat
    return with_indexes(cat, cat.indexes.set(c.new, (hit[0], replace(hit[1], implicit=False))))


def _drop_object(cat: cg.Catalog, c: ch.DropObject) -> cg.Catalog:
    return _generic(cat, on_its_table(cat, c))


APPLY: dict[type[Any], Callable[[cg.Catalog, Any], cg.Catalog]] = {
    ch.DropConstraint: lambda cat, c: _generic(cat, as_index(cat, c)),
    ch.DropObject: _drop_object,
    ch.CreateTable: _create_table,
    ch.AddConstraint: _add_constraint,
    ch.CreateIndex: _create_index,
    ch.DropColumn: _drop_column,
    ch.RenameTable: _rename_table,
    ch.RenameIndex: _rename_index,
}
