"""Inverses of table and column changes: a dropped table or column comes back as it stood,
with its indexes, constraints and comments; a type change casts back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.catalog import Catalog, column_dependents, comments_on, type_base
from prisma_down.core.inverse.casts import first_element, no_cast, without_cast
from prisma_down.core.inverse.constraints import re_add
from prisma_down.core.inverse.model import NOTHING, Inverse, exact, lossy, never
from prisma_down.core.names import comment_target, quote
from prisma_down.core.names import qualified as _t
from prisma_down.core.schema import Column, QName
from prisma_down.core.value_map import mapped_back


def _create_table(c: ch.CreateTable, cat: Catalog) -> Inverse:
    if c.if_not_exists and c.table.name in cat.tables:
        return NOTHING
    return lossy(f"rows written to {_t(c.table.name)} since are lost", ch.DropTable(c.table.name))


def restore_table(cat: Catalog, name: QName) -> list[ch.Change]:
    """CREATE TABLE as it was, then its indexes, its foreign keys, and the ones pointing at it.

    NOT VALID constraints come after the table too: CREATE TABLE marks every constraint valid.
    """
    t = cat.tables[name]
    later = [k for k in t.constraints if k.kind == "f" or k.not_valid]
    out: list[ch.Change] = [
        ch.CreateTable(replace(t, constraints=tuple(k for k in t.constraints if k not in later)))
    ]
    out += [ch.CreateIndex(ix) for ix in cat.table_indexes(name)]
    out += [re_add(name, k) for k in later]
    out += [re_add(tn, k) for tn, k in cat.foreign_keys_to(name)]
    out += [ch.CreateObject(o) for o in cat.objects_on(name) if o.kind != "sequence"]
    out += comments_on(cat, "TABLE", comment_target(name))
    for ix in cat.table_indexes(name):
        out += comments_on(cat, "INDEX", comment_target(ix.name))
    return out


def _drop_table(c: ch.DropTable, cat: Catalog) -> Inverse:
    if c.name not in cat.tables:
        if c.if_exists:
            return NOTHING
        return never(f"table {_t(c.name)} is not created earlier in the history")
    t = cat.tables[c.name]
    if not t.columns and t.tail:
        return never(f"table {_t(c.name)} was created from a query: its columns are unknown")
    return lossy(
        f"table {_t(c.name)} comes back empty: its rows are lost",
        *restore_table(cat, c.name),
    )


def _rename_table(c: ch.RenameTable, cat: Catalog) -> Inverse:
    return exact(ch.RenameTable(c.new, c.old))


def _add_column(c: ch.AddColumn, cat: Catalog) -> Inverse:
    t = cat.tables.get(c.table)
    if c.if_not_exists and t is not None and t.column(c.column.name):
        return NOTHING
    return lossy(
        f'values written to {_t(c.table)}."{c.column.name}" since are lost',
        ch.DropColumn(c.table, c.column.name),
    )


def invert_drop_column(c: ch.DropColumn, cat: Catalog) -> Inverse:
    t = cat.tables.get(c.table)
    col = t.column(c.name) if t else None
    if t is None or col is None:
        if c.if_exists:
            return NOTHING
        return never(f'column {_t(c.table)}."{c.name}" is not created earlier in the history')
    cons, idx, fks = column_dependents(cat, c.table, c.name)
    out: list[ch.Change] = [ch.AddColumn(c.table, col)]
    out += [re_add(c.table, k) for k in cons if k.kind != "f"]
    out += [ch.CreateIndex(ix) for ix in idx]
    out += [re_add(c.table, k) for k in cons if k.kind == "f"]
    out += [re_add(tn, k) for tn, k in fks]
    out += comments_on(cat, "COLUMN", comment_target(c.table, c.name))
    for ix in idx:
        out += comments_on(cat, "INDEX", comment_target(ix.name))
    note = f'column {_t(c.table)}."{c.name}" comes back empty: its values are lost'
    if col.not_null and col.default is None and not col.serial and not col.identity:
        note += " (NOT NULL without a default: fill it before re-adding if the table has rows)"
    return lossy(note, *out)


def _rename_column(c: ch.RenameColumn, cat: Catalog) -> Inverse:
    return exact(ch.RenameColumn(c.table, c.new, c.old))


def _column_before(cat: Catalog, table: QName, name: str) -> Column | None:
    t = cat.tables.get(table)
    return t.column(name) if t else None


def missing_column(table: QName, name: str) -> Inverse:
    return never(f'column {_t(table)}."{name}" is not created earlier in the history')


_JSONS = re.compile(r"jsonb?")


def cast_back(cat: Catalog, column: str, current: str, previous: str) -> str | None:
    """A USING expression converting ``current`` values back to ``previous``, or None.

    Where PostgreSQL has no such cast, an array comes back as its first element when that
    casts (``text[]`` to an enum); otherwise the values cannot come back: NULL, so it runs."""
    if normalized_type(current) == normalized_type(previous):
        return None
    if no_cast(current, previous):
        # down.sql also runs where the up stopped before this change: the column still has
        # its old type there, so the CASE keeps its values (through text, which every type
        # casts to and from). ``to_jsonb`` takes any type, so each branch is valid on both.
        col = quote(column)
        same = f"pg_typeof({col}) = {escape.literal(previous, 'postgres')}::regtype"
        back = "NULL"
        if first_element(current, previous) is not None:
            back = f"(to_jsonb({col}) ->> 0)::{previous}"
            if _JSONS.fullmatch(type_base(previous)[0].name.lower()):
                # the element as a document (``->>`` would make a string of it), and SQL NULL
                # where the array held one (to_jsonb writes it as JSON null)
                back = f"NULLIF(to_jsonb({col}) -> 0, 'null'::jsonb)::{previous}"
        return f"CASE WHEN {same} THEN {col}::text::{previous} ELSE {back} END"
    return _cast(cat, quote(column), current, previous)


def _cast(cat: Catalog, expr: str, current: str, previous: str) -> str:
    cur, cur_arr = type_base(current)
    prev, _ = type_base(previous)
    via = ""
    if cur in cat.enums or prev in cat.enums:
        via = "::text[]" if cur_arr else "::text"
    return f"{expr}{via}::{previous}"


def normalized_type(type_text: str) -> str:
    return re.sub(r"\s+", " ", type_text.strip().lower())


def _widens(cat: Catalog, current: str, previous: str) -> bool:
    """Casting ``current`` back to ``previous`` keeps every value: an enum with more values."""
    (cur, cur_arr), (prev, prev_arr) = type_base(current), type_base(previous)
    a, b = cat.enums.get(cur), cat.enums.get(prev)
    return (
        a is not None and b is not None and cur_arr == prev_arr and set(a.values) <= set(b.values)
    )


def _alter_type(c: ch.AlterColumnType, cat: Catalog) -> Inverse:
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return missing_column(c.table, c.column)
    using = cast_back(cat, c.column, c.type, before.type)
    mapped = mapped_back(cat, c, before.type, using)  # a CASE in the up: its inverse mapping
    if mapped is not None:
        using = mapped.using
    back = ch.AlterColumnType(c.table, c.column, before.type, using, before.collate)
    steps: list[ch.Change] = [back]
    if before.default is not None:  # a default that cannot be cast automatically stops ALTER TYPE
        steps = [
            ch.SetColumnDefault(c.table, c.column, None),
            back,
            ch.SetColumnDefault(c.table, c.column, before.default),
        ]
    if mapped is not None:
        return replace(exact(*steps) if mapped.exact else lossy(mapped.note, *steps),
                       note=mapped.note, checks=mapped.checks)  # fmt: skip
    if mapped is None and no_cast(c.type, before.type):
        return without_cast(c, before, back, steps)
    if normalized_type(c.type) == normalized_type(before.type) or _widens(cat, c.type, before.type):
        return exact(*steps)
    return lossy(
        f'values of {_t(c.table)}."{c.column}" that do not convert back to '
        f"{before.type} make this fail or change",
        *steps,
    )


def _replace_column(c: ch.ReplaceColumn, cat: Catalog) -> Inverse:
    """MODIFY / CHANGE back to the whole previous definition (and name)."""
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return missing_column(c.table, c.column)
    back = ch.ReplaceColumn(c.table, c.new.name, before)
    if normalized_type(c.new.type) != normalized_type(before.type):
        return lossy(
            f'values of {_t(c.table)}."{c.column}" that do not convert back to '
            f"{before.type} make this fail or change",
            back,
        )
    note = "fails if NULL values were written since" if before.not_null > c.new.not_null else ""
    return exact(back, note=note)


def _set_default(c: ch.SetColumnDefault, cat: Catalog) -> Inverse:
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return missing_column(c.table, c.column)
    return exact(ch.SetColumnDefault(c.table, c.column, before.default))


def _set_not_null(c: ch.SetColumnNotNull, cat: Catalog) -> Inverse:
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return missing_column(c.table, c.column)
    if before.not_null == c.not_null:
        return NOTHING
    note = "" if not before.not_null else "fails if NULL values were written since"
    return exact(ch.SetColumnNotNull(c.table, c.column, before.not_null), note=note)


def _set_identity(c: ch.SetColumnIdentity, cat: Catalog) -> Inverse:
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return missing_column(c.table, c.column)
    out: list[ch.Change] = [ch.SetColumnIdentity(c.table, c.column, before.identity)]
    if c.identity and not before.not_null:
        out.append(ch.SetColumnNotNull(c.table, c.column, False))
    return exact(*out)


INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    ch.CreateTable: _create_table,
    ch.DropTable: _drop_table,
    ch.RenameTable: _rename_table,
    ch.AddColumn: _add_column,
    ch.DropColumn: invert_drop_column,
    ch.RenameColumn: _rename_column,
    ch.AlterColumnType: _alter_type,
    ch.ReplaceColumn: _replace_column,
    ch.SetColumnDefault: _set_default,
    ch.SetColumnNotNull: _set_not_null,
    ch.SetColumnIdentity: _set_identity,
}
