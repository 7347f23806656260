"""The schema at one point of a history: an immutable ``Catalog`` of persistent maps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prisma_down.core import dialects
from prisma_down.core.catalog.maps import (
    Comments,
    Indexes,
    Objects,
    Tables,
    keys_in,
)
from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.dialects import Dialect
from prisma_down.core.pmap import PMap
from prisma_down.core.schema import Column, Constraint, Enum, Index, Opaque, QName, Table


class CatalogError(Exception):
    """A change that does not fit the schema the history built (unknown table, ...)."""


_MAPS: dict[str, type[PMap[Any, Any]]] = {
    "tables": Tables,
    "indexes": Indexes,
    "enums": PMap,
    "objects": Objects,
    "comments": Comments,
}


@dataclass(frozen=True)
class Catalog:
    """The schema at one point of a history. Its maps are persistent (``core.pmap``): a
    change shares everything it did not touch with the catalog it came from. Given plain
    dicts, it converts them."""

    tables: Tables = field(default_factory=Tables)
    indexes: Indexes = field(default_factory=Indexes)  # name → (table, index)
    enums: PMap[QName, Enum] = field(default_factory=PMap)
    objects: Objects = field(default_factory=Objects)
    comments: Comments = field(default_factory=Comments)
    dialect: Dialect = field(default_factory=lambda: dialects.get("postgres"))

    def __post_init__(self) -> None:
        if not isinstance(self.dialect, Dialect):  # a name, at the boundary: tests, adapters
            object.__setattr__(self, "dialect", dialects.get(self.dialect))
        for name, kind in _MAPS.items():
            value = getattr(self, name)
            if value.__class__ is not kind:
                object.__setattr__(self, name, kind(value))

    # -- lookups
    def table(self, name: QName) -> Table | None:
        return self.tables.get(name)

    def index(self, name: QName) -> Index | None:
        hit = self.indexes.get(name)
        return hit[1] if hit else None

    def table_indexes(self, table: QName) -> list[Index]:
        return [self.indexes[n][1] for n in self.indexes.on(table)]

    def object(self, kind: str, name: QName, table: QName | None = None) -> Opaque | None:
        return self.objects.get((kind, name, table))

    def objects_on(self, table: QName) -> list[Opaque]:
        """The objects (triggers, owned sequences, ...) that belong to ``table``, in order."""
        return [self.objects[k] for k in self.objects.on(table)]

    def objects_named(self, kind: str, name: QName) -> list[tuple[ObjectKey, Opaque]]:
        """Objects of ``kind`` called ``name``, whatever table they are keyed with."""
        return [
            (k, self.objects[k]) for k in self.objects.named(name.name, (kind,)) if k[1] == name
        ]

    def foreign_keys_to(self, table: QName) -> list[tuple[QName, Constraint]]:
        out = []
        for tn in self.tables.referencing(table):
            if tn != table:
                out += [
                    (tn, k)
                    for k in self.tables[tn].constraints
                    if k.kind == "f" and k.ref_table == table
                ]
        return out

    def enum_columns(self, enum: QName) -> list[tuple[QName, Column]]:
        out = []
        for tn in self.tables.using_type(enum):
            out += [(tn, c) for c in self.tables[tn].columns if type_refers(c.type, enum)]
        return out

    def owned_sequences(self, table: QName, column: str | None = None) -> list[Opaque]:
        return [
            o
            for (kind, _, tb), o in ((k, self.objects[k]) for k in self.objects.on(table))
            if kind == "sequence"
            and tb == table
            and (column is None or o.sql.endswith(f'."{column}"'))
        ]


def keys_to(cat: Catalog, table: QName, column: str) -> list[tuple[QName, Constraint]]:
    """``foreign_keys_to(table)`` that reference ``column``: usually none, so the tables
    referencing ``table`` are only put in order when some of them do."""
    hits = [
        (tn, k)
        for tn in keys_in(cat.tables.refs, table)
        if tn != table
        for k in cat.tables[tn].constraints
        if k.kind == "f" and column in k.ref_columns and k.ref_table == table  # cheapest first
    ]
    if len(hits) > 1:
        hits.sort(key=lambda hit: cat.tables.seq(hit[0]))  # stable: each table's in order
    return hits


def with_maps(cat: Catalog, **maps: Any) -> Catalog:
    """``replace(cat, **maps)`` without its cost: called for every change of a history, with
    maps of the right kinds (``Tables``, ``Indexes`` ...)."""
    new = object.__new__(Catalog)
    new.__dict__.update(cat.__dict__)
    new.__dict__.update(maps)
    return new


def type_refers(type_text: str, enum: QName) -> bool:
    return type_base(type_text)[0] == enum
