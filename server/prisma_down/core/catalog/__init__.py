"""The schema as of one point in a history, and how each change moves it.

A ``Catalog`` is an immutable value: ``apply`` returns a new one sharing everything that
did not change, so the state before every statement can be kept for free. The rules here
mirror what the database does implicitly (PostgreSQL drops a column's indexes with it,
makes primary-key columns NOT NULL, gives SERIAL columns an owned sequence, ...); what one
engine does its own way comes from the catalog's Dialect (``Dialect.apply``).

``model`` the Catalog; ``maps`` its persistent maps; ``apply`` the handler of each change
(``tables``, ``alter``, ``types``, ``comments``, over the shared edits in ``edit``);
``dependents`` what goes with a column; ``holds`` whether an existence guard is true.
"""

from __future__ import annotations

from prisma_down.core.catalog.alter import (
    constraint_named,
    rename_constraint,
    rename_index,
    set_default,
    using_index,
)
from prisma_down.core.catalog.apply import APPLY, apply
from prisma_down.core.catalog.comments import comments_on
from prisma_down.core.catalog.dependents import column_dependents
from prisma_down.core.catalog.edit import (
    map_columns,
    require_column,
    require_table,
    serial_default,
    serial_sequence,
    set_table,
)
from prisma_down.core.catalog.holds import holds
from prisma_down.core.catalog.maps import ObjectKey, type_base
from prisma_down.core.catalog.model import Catalog, CatalogError, type_refers
from prisma_down.core.catalog.tables import rename_table
from prisma_down.core.catalog.types import rename_object

__all__ = [
    "APPLY",
    "Catalog",
    "CatalogError",
    "ObjectKey",
    "apply",
    "column_dependents",
    "comments_on",
    "constraint_named",
    "holds",
    "map_columns",
    "rename_constraint",
    "rename_index",
    "rename_object",
    "rename_table",
    "require_column",
    "require_table",
    "serial_default",
    "serial_sequence",
    "set_default",
    "set_table",
    "type_base",
    "type_refers",
    "using_index",
]
