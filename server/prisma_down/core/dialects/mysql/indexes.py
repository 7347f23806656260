"""MySQL's own index rules, which both the catalog and the inverter follow: index names are
per table (``index_key``), and a foreign key no index serves gets an implicit index of its
own, which a later index or primary key on its columns silently replaces.
"""

from __future__ import annotations

import re
from dataclasses import replace

from prisma_down.core import catalog as cg
from prisma_down.core import changes as ch
from prisma_down.core.catalog.maps import Indexes
from prisma_down.core.schema import Index, IndexElement, QName


def index_key(table: QName, name: str) -> QName:
    """How the catalog keys index ``name`` of ``table``: MySQL scopes index names per table."""
    return QName(str(table), name)


def same_column(a: str, b: str) -> bool:
    return a.lower() == b.lower()  # MySQL column names are case-insensitive


def index_columns(ix: Index) -> tuple[str, ...] | None:
    """An index's columns, or None when it has expressions (it serves no foreign key)."""
    if any(e.column is None for e in ix.elements) or ix.method in ("FULLTEXT", "SPATIAL"):
        return None
    return tuple(e.column or "" for e in ix.elements)


def starts_with(columns: tuple[str, ...] | None, prefix: tuple[str, ...]) -> bool:
    return (
        columns is not None
        and len(columns) >= len(prefix)
        and all(same_column(a, b) for a, b in zip(columns, prefix, strict=False))
    )


def _served(cat: cg.Catalog, table: QName, columns: tuple[str, ...]) -> bool:
    """Whether some index or the primary key of ``table`` starts with ``columns``."""
    t = cat.tables[table]
    if any(k.kind == "p" and starts_with(k.columns, columns) for k in t.constraints):
        return True
    return any(starts_with(index_columns(ix), columns) for ix in cat.table_indexes(table))


def with_indexes(cat: cg.Catalog, indexes: Indexes) -> cg.Catalog:
    return replace(cat, indexes=indexes)


def index_for_keys(cat: cg.Catalog, table: QName) -> cg.Catalog:
    """Give every foreign key of ``table`` that no index serves its implicit index."""
    for k in cat.tables[table].constraints:
        if k.kind != "f" or _served(cat, table, k.columns):
            continue
        key = index_key(table, k.name)
        if re.fullmatch(re.escape(table.name) + r"_ibfk_\d+", k.name):  # a key without a name
            key = _free_name(cat, table, k.columns[0])
        ix = Index(key, table, tuple(IndexElement(c) for c in k.columns), implicit=True)
        cat = with_indexes(cat, cat.indexes.set(key, (table, ix)))
    return cat


def _free_name(cat: cg.Catalog, table: QName, first: str) -> QName:
    """The name MySQL gives an unnamed index: its first column, then ``_2``, ``_3`` ..."""
    name, n = first, 2
    while index_key(table, name) in cat.indexes:
        name, n = f"{first}_{n}", n + 1
    return index_key(table, name)


def swallow(
    cat: cg.Catalog, table: QName, columns: tuple[str, ...] | None, keep: QName
) -> cg.Catalog:
    """Drop the implicit indexes a new index (or primary key) on ``columns`` can stand in for."""
    if not columns:
        return cat
    gone = {
        ix.name
        for ix in cat.table_indexes(table)
        if ix.implicit and ix.name != keep and starts_with(columns, index_columns(ix) or ("",) * 99)
    }
    if not gone:
        return cat
    return with_indexes(cat, cat.indexes.without(gone))


def on_its_table(cat: cg.Catalog, c: ch.DropObject) -> ch.DropObject:
    """DROP TRIGGER names no table in MySQL: the catalog keys a trigger with its table."""
    if c.table is not None:
        return c
    for (_, _, table), _ in cat.objects_named(c.kind, c.name):
        if table is not None:
            return replace(c, table=table)
    return c


def as_index(cat: cg.Catalog, c: ch.DropConstraint) -> ch.DropConstraint | ch.DropIndex:
    """DROP CONSTRAINT of a UNIQUE key drops an index: MySQL keeps unique keys as indexes."""
    t = cat.tables.get(c.table)
    key = index_key(c.table, c.name)
    if t is not None and t.constraint(c.name) is None and key in cat.indexes:
        return ch.DropIndex(key, c.if_exists, table=c.table)
    return c
