"""PostgreSQL: a NOT NULL column whose values are lost comes back filled with a placeholder.

When a migration drops a NOT NULL column that has no default, its values are gone; down.sql
must still put the column back NOT NULL, which fails on a table with rows. Instead of
stopping, the column is added with a stated placeholder as its default and the default is
dropped right after, so the schema is exactly as before and every existing row holds the
placeholder (the ``loses-data`` note says which). PostgreSQL fills existing rows from the
default in the same statement: "When a column is added with ADD COLUMN and a non-volatile
DEFAULT is specified, the default is evaluated at the time of the statement and the result
stored in the table's metadata. That value will be used for the column for all existing
rows" (sql-altertable.html, Notes).

Only types whose placeholder is certain to be accepted get one; the rest (inet, domains
that may carry a CHECK, composite and other user types) keep the preflight's stop. So does
a column that a constraint or unique index of the table before the migration names: a
placeholder shared by every row cannot satisfy a unique key, point at a parent row, or be
known to pass a CHECK.
"""

from __future__ import annotations

import re
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.catalog import Catalog, type_base
from prisma_down.core.inverse import Inverse, Risk
from prisma_down.core.preflight import table_name
from prisma_down.core.schema import Column, QName

_NUMBERS = ("integer", "int", "int2", "int4", "int8", "smallint", "bigint", "numeric", "decimal",
            "real", "float4", "float8", "double precision", "money")  # fmt: skip
# JSON gets '{}' rather than 'null': a JSON null in a NOT NULL column reads back in Prisma
# as JsonNull, which code expecting an object trips over, and a CHECK on jsonb_typeof(…) =
# 'object' (the usual one) accepts '{}'.
_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        ("text", "varchar", "character varying", "char", "character", "bpchar", "citext"), "''"
    ),
    **dict.fromkeys(_NUMBERS, "0"),
    **dict.fromkeys(("boolean", "bool"), "false"),
    **dict.fromkeys(("timestamp", "timestamp without time zone"), "'1970-01-01 00:00:00'"),
    **dict.fromkeys(("timestamptz", "timestamp with time zone"), "'1970-01-01 00:00:00+00'"),
    "date": "'1970-01-01'",
    **dict.fromkeys(("time", "time without time zone"), "'00:00:00'"),
    **dict.fromkeys(("timetz", "time with time zone"), "'00:00:00+00'"),
    "interval": "'0'",
    "uuid": "'00000000-0000-0000-0000-000000000000'",
    **dict.fromkeys(("json", "jsonb"), "'{}'"),
    "bytea": "''",
}
_PRECISION = re.compile(r"\s*\([^)]*\)")


def placeholder(type_text: str, before: Catalog) -> str | None:
    """The value every existing row gets in a re-added column of ``type_text``, as SQL; None
    when no value is certain to be accepted (unknown, domain or composite types)."""
    name, suffix = type_base(type_text)
    if suffix:
        return "'{}'"  # an empty array, of any element type
    e = before.enums.get(name)
    if e is not None:
        return escape.literal(e.values[0], "postgres") if e.values else None
    if name.schema or type_text.strip().startswith('"'):
        return None  # a user type the catalog does not know as an enum
    family = " ".join(_PRECISION.sub(" ", name.name).split())
    return _FAMILIES.get(family)


def _named(before: Catalog, table: QName, column: str) -> bool:
    """Whether a constraint or unique index of ``table`` before the migration names
    ``column`` (a placeholder shared by every row may not satisfy it)."""
    t = before.tables.get(table)
    if t is None:
        return True
    word = re.compile(rf'(?<![\w$"]){re.escape(column)}(?![\w$"])|"{re.escape(column)}"', re.I)
    for k in t.constraints:
        if column in k.columns or word.search(k.tail or ""):
            return True
    for ix in before.table_indexes(table):
        if ix.unique and any(e.column == column or word.search(str(e)) for e in ix.elements):
            return True
    return False


def _wanted(c: ch.AddColumn, after: Catalog, before: Catalog) -> str | None:
    """The placeholder for ``c`` when it puts back a NOT NULL column whose values are lost;
    ``after``: the catalog as down.sql finds it when it undoes that change."""
    col: Column = c.column
    if not col.not_null or col.default is not None or col.identity or col.serial:
        return None
    if col.generated:
        return None
    t = after.tables.get(c.table)
    if t is None or t.column(col.name) is not None or _named(before, c.table, col.name):
        return None
    return placeholder(col.type, before)


def refill(inv: Inverse, after: Catalog, before: Catalog) -> Inverse:
    """``inv`` with each NOT NULL column it re-adds without values filled with a placeholder
    (``ADD COLUMN … NOT NULL DEFAULT p`` then ``DROP DEFAULT``), its note saying so."""
    notes: list[str] = []

    def rewrite(changes: tuple[ch.Change, ...]) -> tuple[ch.Change, ...]:
        out: list[ch.Change] = []
        for c in changes:
            if isinstance(c, ch.Guarded):
                out.append(ch.Guarded(c.guard, rewrite(c.changes)))
                continue
            value = _wanted(c, after, before) if isinstance(c, ch.AddColumn) else None
            if not isinstance(c, ch.AddColumn) or value is None:
                out.append(c)
                continue
            out.append(replace(c, column=replace(c.column, default=value)))
            out.append(ch.SetColumnDefault(c.table, c.column.name, None))
            notes.append(
                f'column {table_name(c.table)}."{c.column.name}" comes back NOT NULL with the '
                f"placeholder {value} in every existing row: its values are lost"
            )
        return tuple(out)

    changes = rewrite(inv.changes)
    if not notes:
        return inv
    lost = re.compile(r'column "[^;]*?" comes back empty: its values are lost \(NOT NULL[^)]*\)')
    note = lost.sub("", inv.note).strip("; ")
    note = "; ".join([*notes, note] if note else notes)
    risk = inv.risk if inv.risk is Risk.IRREVERSIBLE else Risk.LOSES_DATA
    return Inverse(changes, risk, note, inv.checks)
