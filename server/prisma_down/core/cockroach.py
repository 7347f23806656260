"""What CockroachDB does differently when a change is undone: inverters that replace inverse.py's.

``inverse.invert`` takes these over the generic ones when the catalog's dialect is
``cockroachdb``. From the CockroachDB documentation (ALTER TYPE, ALTER COLUMN) and the way
Prisma's CockroachDB migrations are written:

- ``ALTER TYPE … DROP VALUE`` exists, so a value added to an enum is dropped again (Prisma
  does the same), instead of PostgreSQL's ``X_new`` replacement.
- Changing a column's type in place is limited (``enable_experimental_alter_column_type_
  general``); Prisma drops the column and adds it back with the new type, and so does the
  way back: the column comes back empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core import inverse as iv
from prisma_down.core.catalog import Catalog


def _add_enum_value(c: ch.AddEnumValue, cat: Catalog) -> iv.Inverse:
    e = cat.enums.get(c.enum)
    if e is None:
        return iv._never(f'enum "{c.enum.name}" is not created earlier in the history')
    if c.value in e.values and c.if_not_exists:
        return iv.NOTHING
    return iv._lossy(
        f"rows holding '{c.value}' make this fail: change them first",
        ch.DropEnumValue(c.enum, c.value),
    )


def _alter_type(c: ch.AlterColumnType, cat: Catalog) -> iv.Inverse:
    """DROP COLUMN, then the column as it was, with its indexes and constraints."""
    t = cat.tables.get(c.table)
    before = t.column(c.column) if t is not None else None
    if before is None:
        return iv._missing_column(c.table, c.column)
    if iv._norm(c.type) == iv._norm(before.type):
        return iv._exact(ch.AlterColumnType(c.table, c.column, before.type, None, before.collate))
    restore = iv._drop_column(ch.DropColumn(c.table, c.column), cat)
    return iv._lossy(
        f'column {iv._t(c.table)}."{c.column}" is dropped and added back as {before.type} '
        "(CockroachDB changes a type that way): its values are lost",
        ch.DropColumn(c.table, c.column),
        *restore.changes,
    )


INVERT: dict[type[Any], Callable[[Any, Catalog], iv.Inverse]] = {
    ch.AddEnumValue: _add_enum_value,
    ch.AlterColumnType: _alter_type,
}
