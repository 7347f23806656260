"""Applying column alterations, constraints and indexes."""

from __future__ import annotations

from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core.catalog.edit import (
    add_constraint,
    drop_index_named,
    map_columns,
    require_table,
    set_table,
)
from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog, CatalogError, with_maps
from prisma_down.core.catalog.tables import rename_column
from prisma_down.core.schema import Constraint, Index, QName


def alter_type(cat: Catalog, c: ch.AlterColumnType) -> Catalog:
    t = require_table(cat, c.table)
    return set_table(
        cat,
        map_columns(t, c.column, lambda x: replace(x, type=c.type, collate=c.collate, serial=None)),
    )


def replace_column(cat: Catalog, c: ch.ReplaceColumn) -> Catalog:
    if c.new.name != c.column:
        cat = rename_column(cat, ch.RenameColumn(c.table, c.column, c.new.name))
    t = require_table(cat, c.table)
    return set_table(cat, map_columns(t, c.new.name, lambda _: c.new))


def set_default(cat: Catalog, c: ch.SetColumnDefault) -> Catalog:
    t = require_table(cat, c.table)
    return set_table(
        cat,
        map_columns(
            t,
            c.column,
            lambda x: replace(
                x, default=c.default, serial=x.serial if c.default == x.default else None
            ),
        ),
    )


def set_not_null(cat: Catalog, c: ch.SetColumnNotNull) -> Catalog:
    t = require_table(cat, c.table)
    return set_table(cat, map_columns(t, c.column, lambda x: replace(x, not_null=c.not_null)))


def set_identity(cat: Catalog, c: ch.SetColumnIdentity) -> Catalog:
    t = require_table(cat, c.table)
    return set_table(
        cat,
        map_columns(
            t,
            c.column,
            lambda x: replace(x, identity=c.identity, not_null=True if c.identity else x.not_null),
        ),
    )


def add_cons(cat: Catalog, c: ch.AddConstraint) -> Catalog:
    k = c.constraint
    backing = using_index(cat, c.table, k)
    if backing is not None:  # ADD CONSTRAINT ... USING INDEX: the index becomes the constraint
        k = replace(k, columns=tuple(e.column or "" for e in backing.elements), tail="")
        cat = drop_index_named(cat, {backing.name})
    return add_constraint(cat, c.table, replace(k, not_valid=c.not_valid))


def using_index(cat: Catalog, table: QName, k: Constraint) -> Index | None:
    """The index an ``ADD CONSTRAINT ... USING INDEX x`` takes over, if that is what ``k`` is."""
    if k.columns or not k.tail.startswith("USING INDEX "):
        return None
    ix = cat.index(QName(table.schema, k.tail[len("USING INDEX ") :]))
    if ix is None:
        raise CatalogError(f'index "{k.tail[12:]}" does not exist')
    return ix


def drop_cons(cat: Catalog, c: ch.DropConstraint) -> Catalog:
    t = require_table(cat, c.table)
    if t.constraint(c.name) is None:
        if c.if_exists:
            return cat
        raise CatalogError(f'constraint "{c.name}" does not exist on {c.table}')
    return set_table(
        cat, replace(t, constraints=tuple(k for k in t.constraints if k.name != c.name))
    )


def validate_cons(cat: Catalog, c: ch.ValidateConstraint) -> Catalog:
    t = require_table(cat, c.table)
    if t.constraint(c.name) is None:
        raise CatalogError(f'constraint "{c.name}" does not exist on {c.table}')
    return set_table(
        cat,
        replace(
            t,
            constraints=tuple(
                replace(k, not_valid=False) if k.name == c.name else k for k in t.constraints
            ),
        ),
    )


def rename_constraint(cat: Catalog, c: ch.RenameConstraint) -> Catalog:
    t = require_table(cat, c.table)
    if t.constraint(c.old) is None:
        raise CatalogError(f'constraint "{c.old}" does not exist on {c.table}')
    return set_table(
        cat,
        replace(
            t,
            constraints=tuple(
                replace(k, name=c.new) if k.name == c.old else k for k in t.constraints
            ),
        ),
    )


def create_index(cat: Catalog, c: ch.CreateIndex) -> Catalog:
    ix = c.index
    if ix.name in cat.indexes or constraint_named(cat, ix.name):
        if c.if_not_exists:
            return cat
        raise CatalogError(f'index "{ix.name}" already exists')
    if ("materialized view", ix.table, None) not in cat.objects:  # it may index one
        require_table(cat, ix.table)
    return with_maps(cat, indexes=cat.indexes.set(ix.name, (ix.table, ix)))


def constraint_named(cat: Catalog, name: QName) -> tuple[QName, Constraint] | None:
    """A primary-key/unique constraint whose backing index is called ``name``."""
    for tn in cat.tables.with_constraint(name.name):
        t = cat.tables[tn]
        if t.name.schema == name.schema:
            for k in t.constraints:
                if k.name == name.name and k.kind in "pux":
                    return t.name, k
    return None


def drop_index(cat: Catalog, c: ch.DropIndex) -> Catalog:
    if c.name not in cat.indexes:
        if c.if_exists:
            return cat
        raise CatalogError(f'index "{c.name}" does not exist')
    return drop_index_named(cat, {c.name})


def rename_index(cat: Catalog, c: ch.RenameIndex) -> Catalog:
    hit = cat.indexes.get(c.old)
    if hit is None:
        owner = constraint_named(cat, c.old)
        if owner is None:
            raise CatalogError(f'index "{c.old}" does not exist')
        return rename_constraint(cat, ch.RenameConstraint(owner[0], c.old.name, c.new.name))
    indexes = cat.indexes.delete(c.old).set(c.new, (hit[0], replace(hit[1], name=c.new)))
    return with_maps(cat, indexes=indexes)
