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
that may carry a CHECK, composite and other user types) keep the preflight's stop. A column
that a unique index or unique constraint names gets a distinct value per row instead
(``distinct``): a number from a temporary sequence. A column a foreign key, CHECK, primary
key, exclusion constraint or index expression names keeps the stop (``_named``).
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


# A temporary sequence numbers the rows of a column that comes back under a unique key. Its
# nextval() in the ADD COLUMN default is volatile, so PostgreSQL computes it for each existing
# row: "Adding a column with a volatile DEFAULT … will require the entire table and its indexes
# to be rewritten" (sql-altertable.html, Notes); "if the default value is volatile (e.g.,
# clock_timestamp()) each row will need to be updated with the value calculated at the time
# ALTER TABLE is executed" (ddl-alter.html, Adding a Column). nextval never hands out a value
# twice ("each will safely receive a distinct sequence value"; a new sequence returns
# "successive values beginning with 1", functions-sequence.html), so the column holds 1, 2,
# 3, … and every unique key over it holds, with or without other columns, partial or not.
# It needs no extension and works on every version Prisma supports (gen_random_uuid() is
# core only from PostgreSQL 13, and random values are distinct only by likelihood). The
# sequence lives in pg_temp (gone with the session at the latest, never clashing with the
# database's names; creating it needs the TEMPORARY privilege, which PUBLIC has by default)
# and down.sql drops it right after the default, in its one transaction: no trace is left.
SEQUENCE = "pg_temp.prisma_down_row_number"
_NEXT = f"nextval('{SEQUENCE}')"
_INTEGERS = ("integer", "int", "int2", "int4", "int8", "smallint", "bigint")
# type family → (default expression, how the values read in the note)
_DISTINCT: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        ("text", "varchar", "character varying", "char", "character", "bpchar", "citext"),
        (f"{_NEXT}::text", "'1', '2', '3', …"),
    ),
    # a smallint column overflows past 32,767 rows: the statement fails and the transaction
    # leaves the database as it was
    **dict.fromkeys(_INTEGERS, (_NEXT, "1, 2, 3, …")),
    "uuid": (
        f"lpad(to_hex({_NEXT}), 32, '0')::uuid",
        "'00000000-0000-0000-0000-000000000001', '…-000000000002', …",
    ),
}


def distinct(type_text: str) -> tuple[str, str] | None:
    """``(default, shown)``: a default that gives each existing row of a re-added column of
    ``type_text`` a value of its own, and how the note shows them; None for other types
    (arrays, enums, dates, … keep the preflight's stop)."""
    name, suffix = type_base(type_text)
    if suffix or name.schema or type_text.strip().startswith('"'):
        return None
    return _DISTINCT.get(" ".join(_PRECISION.sub(" ", name.name).split()))


def _named(before: Catalog, table: QName, column: str) -> tuple[str, ...] | None:
    """The unique keys of ``table`` before the migration that name ``column`` (``()`` for
    none); None when anything else names it, where no placeholder is safe: a foreign key of
    the table or of another table pointing at it (a made-up value would attach each row to
    an arbitrary parent, or leave children pointing at the wrong row: deliberate, such a
    column stops in the preflight), a CHECK or exclusion constraint (not known to pass), a
    primary key (what other rows point at), or an index expression (not known distinct)."""
    t = before.tables.get(table)
    if t is None:
        return None
    word = re.compile(rf'(?<![\w$"]){re.escape(column)}(?![\w$"])|"{re.escape(column)}"', re.I)
    keys: list[str] = []
    for k in t.constraints:
        if column not in k.columns and not word.search(k.tail or ""):
            continue
        if k.kind != "u" or column not in k.columns:
            return None
        keys.append(k.name)
    for ix in before.table_indexes(table):
        if not ix.unique:
            continue
        named = [e for e in ix.elements if e.column == column or word.search(str(e))]
        if any(e.column != column for e in named):
            return None  # an expression over the column: its values need not differ
        if named:
            keys.append(ix.name.name)  # distinct in every row: in any subset (WHERE) too
        elif word.search(ix.where or ""):
            return None  # which rows the key covers depends on the made-up values
    for other in before.tables.values():
        for k in other.constraints:
            if k.kind == "f" and k.ref_table == table and column in k.ref_columns:
                return None
    return tuple(keys)


def _wanted(c: ch.AddColumn, after: Catalog, before: Catalog) -> str | None:
    """The placeholder for ``c`` when it puts back a NOT NULL column whose values are lost;
    ``after``: the catalog as down.sql finds it when it undoes that change."""
    col: Column = c.column
    if not col.not_null or col.default is not None or col.identity or col.serial:
        return None
    if col.generated:
        return None
    t = after.tables.get(c.table)
    keys = _named(before, c.table, col.name)
    if t is None or t.column(col.name) is not None or keys is None:
        return None
    if keys:
        found = distinct(col.type)
        return found[0] if found else None
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
            where = f'{table_name(c.table)}."{c.column.name}"'
            if SEQUENCE not in value:
                out.append(replace(c, column=replace(c.column, default=value)))
                out.append(ch.SetColumnDefault(c.table, c.column.name, None))
                notes.append(
                    f"column {where} comes back NOT NULL with the placeholder {value} in "
                    "every existing row: its values are lost"
                )
                continue
            out.append(ch.Verbatim(f"CREATE TEMPORARY SEQUENCE {SEQUENCE}"))
            out.append(replace(c, column=replace(c.column, default=value)))
            out.append(ch.SetColumnDefault(c.table, c.column.name, None))
            out.append(ch.Verbatim(f"DROP SEQUENCE {SEQUENCE}"))
            keys = _named(before, c.table, c.column.name) or ()
            held = ", ".join(f'"{k}"' for k in keys) + (" hold" if len(keys) > 1 else " holds")
            shown = (distinct(c.column.type) or ("", ""))[1]
            notes.append(
                f"column {where} comes back NOT NULL with the placeholder {shown} (a number "
                f"of its own in each existing row, counting from 1, so {held}): its values "
                "are lost"
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
