"""The inverse of each change, worked out from the catalog as it stood just before it.

``invert`` looks up the handler for a change's type (the dialect's override first) and steps
around whatever depends on it. The model (``Inverse``, ``Risk``) is in ``model``; the
handlers, one module per family of change: ``tables`` (tables and columns), ``constraints``
(constraints and indexes), ``enums``, ``objects`` and ``rows``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.dependents import around
from prisma_down.core.inverse import constraints, enums, objects, rows, tables
from prisma_down.core.inverse.constraints import invert_add_constraint, re_add
from prisma_down.core.inverse.enums import replace_enum
from prisma_down.core.inverse.model import NOTHING, Inverse, Risk, exact, lossy, never
from prisma_down.core.inverse.tables import (
    cast_back,
    invert_drop_column,
    missing_column,
    normalized_type,
    restore_table,
)
from prisma_down.core.schema import QName

__all__ = [
    "INVERT",
    "NOTHING",
    "Inverse",
    "Risk",
    "cast_back",
    "exact",
    "invert",
    "invert_add_constraint",
    "invert_drop_column",
    "lossy",
    "missing_column",
    "never",
    "normalized_type",
    "re_add",
    "replace_enum",
    "restore_table",
]

INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    **tables.INVERT,
    **constraints.INVERT,
    **enums.INVERT,
    **objects.INVERT,
    **rows.INVERT,
}


def invert(change: ch.Change, cat: Catalog) -> Inverse:
    if _on_temporary_table(change, cat):
        return NOTHING  # temporary tables vanish with the session that applied the migration
    handler = cat.dialect.invert.get(type(change), INVERT.get(type(change)))
    if handler is None:
        return Inverse((), Risk.IRREVERSIBLE, f"no inverse known for {type(change).__name__}")
    inv = handler(change, cat)
    stepped = around(change, inv.changes, cat)  # what depends on it: core.dependents
    return inv if stepped == inv.changes else replace(inv, changes=stepped)


def _on_temporary_table(change: ch.Change, cat: Catalog) -> bool:
    if isinstance(change, ch.CreateTable):
        return change.table.prefix == "TEMPORARY"
    name = getattr(change, "table", None)
    if isinstance(change, ch.CreateIndex):
        name = change.index.table
    elif isinstance(change, ch.DropTable):
        name = change.name
    elif isinstance(change, ch.DropIndex) and change.name in cat.indexes:
        name = cat.indexes[change.name][0]
    if not isinstance(name, QName):
        return False
    t = cat.tables.get(name)
    return t is not None and t.prefix == "TEMPORARY"
