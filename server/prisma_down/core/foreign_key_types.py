"""Foreign keys whose two columns one statement changed the type of.

``ALTER TABLE "Node" ALTER COLUMN "id" TYPE text, ALTER COLUMN "parentId" TYPE text`` runs
as one statement; its inverse runs as two, and between them the key joins an ``integer``
with a ``text`` column, which PostgreSQL refuses: "foreign key constraint ... cannot be
implemented" (the columns of a foreign key must be comparable by one btree operator family:
https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK and
https://www.postgresql.org/docs/current/btree-behavior.html). The inverse that would restore
that in-between state drops the key first; the inverse of the change that led into it (it
runs later in down.sql) adds the key back after. Only types whose family is known count:
for any other type nothing is assumed, and nothing changes.
"""

from __future__ import annotations

import re

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.schema import Constraint, QName

_FAMILIES: tuple[set[str], ...] = (
    {"smallint", "int2", "integer", "int", "int4", "bigint", "int8", "smallserial", "serial",
     "bigserial", "serial2", "serial4", "serial8"},
    {"text", "varchar", "character varying", "char", "character", "bpchar", "name"},
    {"numeric", "decimal"},
    {"real", "float4", "double precision", "float8", "float"},
    {"date", "timestamp", "timestamptz", "timestamp without time zone",
     "timestamp with time zone"},
    {"uuid"}, {"boolean", "bool"}, {"bytea"}, {"jsonb"}, {"inet", "cidr"}, {"interval"},
    {"time", "time without time zone"}, {"timetz", "time with time zone"},
)  # fmt: skip


def _family(type_text: str) -> int | None:
    """The btree operator family of a built-in type (types of one family can be joined by
    a foreign key); None for any other type, arrays included."""
    base = re.sub(r"\s*\(.*?\)", "", type_text.strip().lower()).replace('"', "")
    base = re.sub(r"^pg_catalog\.", "", re.sub(r"\s+", " ", base))
    return next((i for i, family in enumerate(_FAMILIES) if base in family), None)


def _apart(a: str, b: str) -> bool:
    """Two types no foreign key can join: both known, in different families."""
    fa, fb = _family(a), _family(b)
    return fa is not None and fb is not None and fa != fb


def _joined(cat: Catalog, table: QName, column: str) -> list[tuple[QName, Constraint, str]]:
    """Foreign keys ``column`` takes part in: (table holding it, key, the other column's type)."""
    out: list[tuple[QName, Constraint, str]] = []
    t = cat.tables.get(table)
    if t is None:
        return out
    for k in t.constraints:
        if k.kind == "f" and column in k.columns and k.ref_table is not None:
            other = cat.tables.get(k.ref_table)
            i = k.columns.index(column)
            col = other.column(k.ref_columns[i]) if other and i < len(k.ref_columns) else None
            if col is not None:
                out.append((table, k, col.type))
    for tn in cat.tables.referencing(table):
        for k in cat.tables[tn].constraints:
            if k.kind == "f" and k.ref_table == table and column in k.ref_columns:
                i = k.ref_columns.index(column)
                col = cat.tables[tn].column(k.columns[i]) if i < len(k.columns) else None
                if col is not None and (tn, k, col.type) not in out:
                    out.append((tn, k, col.type))
    return out


def foreign_keys(up: ch.Change, changes: list[ch.Change], cat: Catalog) -> list[ch.Change]:
    """Two columns joined by a foreign key that one statement changed both of: the state
    between the two type changes has incomparable types, which PostgreSQL refuses. The
    inverse that would restore that state drops the key first; the one that undoes the
    change leading into it adds the key back after."""
    if not isinstance(up, ch.AlterColumnType):
        return changes
    t = cat.tables.get(up.table)
    col = t.column(up.column) if t is not None else None
    if col is None:
        return changes
    before: list[ch.Change] = []
    after: list[ch.Change] = []
    for tn, k, other in _joined(cat, up.table, up.column):
        if _apart(col.type, other) and not _apart(up.type, other):  # restores one never held
            before.append(ch.DropConstraint(tn, k.name, if_exists=True, kind="f"))
        elif _apart(up.type, other) and not _apart(col.type, other):  # undoes one never held
            after.append(ch.AddConstraint(tn, k, k.not_valid))
    if not before and not after:
        return changes
    i = next(
        (
            i
            for i, c in enumerate(changes)
            if isinstance(c, ch.AlterColumnType) and (c.table, c.column) == (up.table, up.column)
        ),
        None,
    )
    if i is None:
        return changes
    return [*changes[:i], *before, changes[i], *after, *changes[i + 1 :]]
