"""MySQL's inverses where they differ from the generic ``inverse.invert``: implicit indexes
brought back as the server's own, generated key names kept, and every column change undone by
restating the column as it was (``ReplaceColumn``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import catalog as cg
from prisma_down.core import changes as ch
from prisma_down.core import inverse as iv
from prisma_down.core.dialects.mysql.fk_names import (
    is_generated,
    numbered_back,
    server_names,
    with_generated_name,
)
from prisma_down.core.dialects.mysql.indexes import (
    as_index,
    index_columns,
    on_its_table,
    same_column,
    starts_with,
)
from prisma_down.core.schema import Column, Index, QName, Table


def _generic_inverse(change: ch.Change, cat: cg.Catalog) -> iv.Inverse:
    return iv.INVERT[type(change)](change, cat)


def _after(cat: cg.Catalog, change: ch.Change) -> cg.Catalog | None:
    try:
        return cg.apply(cat, change)
    except cg.CatalogError:
        return None


def _gone_implicit(before: cg.Catalog, after: cg.Catalog, table: QName) -> list[Index]:
    """Implicit indexes of ``table`` the change swallowed (a new index may reuse the name)."""
    return [ix for ix in before.table_indexes(table) if ix.implicit and after.index(ix.name) != ix]


def _bring_back(
    after: cg.Catalog, table: QName, gone: list[Index]
) -> tuple[list[ch.Change], list[ch.Change], str]:
    """Changes that give back implicit indexes a new index or key swallowed.

    Returns (before, after, note): run ``before`` ahead of dropping the new index, ``after``
    behind it. An implicit index comes back implicit when its foreign key is still there:
    drop the key, and add it again once the new index is gone (the server re-creates the
    index). Without its key it can only come back as an ordinary index.
    """
    first: list[ch.Change] = []
    last: list[ch.Change] = []
    note = ""
    t = after.tables[table]
    for ix in gone:
        fk = next(
            (k for k in t.constraints if k.kind == "f" and k.columns == index_columns(ix)),
            None,
        )
        if fk is not None:
            first.append(ch.DropConstraint(table, fk.name, kind="f"))
            state = _after(after, first[-1])
            if state is not None and server_names(state, table, fk):
                last.append(ch.AddConstraint(table, replace(fk, name="")))
            else:
                if is_generated(table, fk.name):  # its index would take the key's name
                    last.append(ch.CreateIndex(replace(ix, implicit=False)))
                last.append(iv.re_add(table, fk))
        else:
            first.append(ch.CreateIndex(replace(ix, implicit=False)))
            note = (
                f"index `{ix.name.name}` comes back as an ordinary index, "
                "no longer the foreign key's own"
            )
    return first, last, note


def _invert_add_constraint(c: ch.AddConstraint, cat: cg.Catalog) -> iv.Inverse:
    c = with_generated_name(cat, c) if c.table in cat.tables else c
    after = _after(cat, c)
    t = cat.tables.get(c.table)
    if after is None or t is None:
        return _generic_inverse(c, cat)
    k = c.constraint
    out: list[ch.Change] = [ch.DropConstraint(c.table, k.name, kind=k.kind)]
    out += [
        ch.DropIndex(ix.name, table=c.table)
        for ix in after.table_indexes(c.table)
        if ix.implicit and ix.name not in cat.indexes
    ]
    first, last, note = _bring_back(after, c.table, _gone_implicit(cat, after, c.table))
    if k.kind == "p":
        for name in k.columns:
            col = t.column(name)
            if col is not None and not col.not_null:
                out.append(ch.ReplaceColumn(c.table, name, col))
    return iv.Inverse((*first, *out, *last), iv.Risk.EXACT, note)


def _invert_create_index(c: ch.CreateIndex, cat: cg.Catalog) -> iv.Inverse:
    after = _after(cat, c)
    if after is None or (c.if_not_exists and c.index.name in cat.indexes):
        return _generic_inverse(c, cat)
    ix = c.index
    first, last, note = _bring_back(after, ix.table, _gone_implicit(cat, after, ix.table))
    drop = ch.DropIndex(ix.name, table=ix.table)
    return iv.Inverse((*first, drop, *last), iv.Risk.EXACT, note)


def _invert_drop_constraint(c: ch.DropConstraint, cat: cg.Catalog) -> iv.Inverse:
    """A generated foreign key name comes back as it was, and its index's name too.

    Written without a name, the key would get the next free number, not its own
    (``generated_fk_name``); written with it, the index MySQL makes for it is named after
    the key and swallows the server's own index on those columns (checked on MariaDB
    10.11). So that index is made an ordinary one first, in the same statement.
    """
    inv = _generic_inverse(as_index(cat, c), cat)
    t = cat.tables.get(c.table)
    k = t.constraint(c.name) if t else None
    after = _after(cat, c)
    if k is None or k.kind != "f" or after is None or not is_generated(c.table, k.name):
        return inv
    if server_names(after, c.table, k):  # unnamed, as it was first added
        back = ch.AddConstraint(c.table, replace(k, name=""))
        return replace(
            inv, changes=tuple(back if x == iv.re_add(c.table, k) else x for x in inv.changes)
        )
    if _served_explicitly(after, c.table, k.columns):
        return inv
    own = [
        ix
        for ix in after.table_indexes(c.table)
        if ix.implicit and starts_with(index_columns(ix), k.columns)
    ]
    if not own:
        return inv
    keep: list[ch.Change] = [
        ch.DropIndex(own[0].name, table=c.table),
        ch.CreateIndex(replace(own[0], implicit=False)),
    ]
    return replace(inv, changes=(*keep, *inv.changes))


def _served_explicitly(cat: cg.Catalog, table: QName, columns: tuple[str, ...]) -> bool:
    t = cat.tables[table]
    if any(k.kind == "p" and starts_with(k.columns, columns) for k in t.constraints):
        return True
    return any(
        not ix.implicit and starts_with(index_columns(ix), columns)
        for ix in cat.table_indexes(table)
    )


def _invert_drop_table(c: ch.DropTable, cat: cg.Catalog) -> iv.Inverse:
    inv = _generic_inverse(c, cat)
    t = cat.tables.get(c.name)
    if t is None:
        return inv
    # an implicit index comes back with its foreign key, as the server's own again; a
    # generated key name comes back unnamed where the server gives that name again
    # (``generated_fk_name``), else named, and then its index must be made first
    named = numbered_back(c.name, [x for x in inv.changes if isinstance(x, ch.AddConstraint)])
    own = {
        ix.name
        for ix in cat.table_indexes(c.name)
        if ix.implicit
        and any(
            k.kind == "f" and k.columns == index_columns(ix) and k.name not in named
            for k in t.constraints
        )
    }
    steps = tuple(
        ch.AddConstraint(x.table, replace(x.constraint, name=""), x.not_valid)
        if isinstance(x, ch.AddConstraint)
        and x.table == c.name
        and x.constraint.name in _own_names(t, own, cat)
        else x
        for x in inv.changes
        if not (isinstance(x, ch.CreateIndex) and x.index.name in own)
    )
    return replace(inv, changes=steps)


def _own_names(t: Table, own: set[QName], cat: cg.Catalog) -> set[str]:
    """Generated names of the keys whose implicit index comes back with them."""
    out = set()
    for ix in cat.table_indexes(t.name):
        if ix.name in own:
            for k in t.constraints:
                if (
                    k.kind == "f"
                    and k.columns == index_columns(ix)
                    and is_generated(t.name, k.name)
                ):
                    out.add(k.name)
    return out


def _invert_drop_column(c: ch.DropColumn, cat: cg.Catalog) -> iv.Inverse:
    t = cat.tables.get(c.table)
    col = t.column(c.name) if t else None
    after = _after(cat, c)
    if t is None or col is None or after is None:
        return _generic_inverse(c, cat)
    out: list[ch.Change] = [ch.AddColumn(c.table, col)]
    for k in t.constraints:
        if k.kind == "p" and k.columns and any(same_column(x, c.name) for x in k.columns):
            if after.tables[c.table].constraint(k.name) is not None:
                out.insert(0, ch.DropConstraint(c.table, k.name, kind="p"))
            if _is_auto(col):  # its key in the same clause list (see _is_auto)
                out[-1] = ch.AddColumn(c.table, col, (k,))
            else:
                out.append(ch.AddConstraint(c.table, k))
    for ix in cat.table_indexes(c.table):
        if not any(e.column is not None and same_column(e.column, c.name) for e in ix.elements):
            continue
        if ix.name in after.indexes:
            out.append(ch.DropIndex(ix.name, table=c.table))
        out.append(ch.CreateIndex(ix))
    cons, _, fks = cg.column_dependents(cat, c.table, c.name)
    out += [iv.re_add(c.table, k) for k in cons if k.kind in "cf"]
    out += [iv.re_add(tn, k) for tn, k in fks]
    note = f"column `{c.table.name}`.`{c.name}` comes back empty: its values are lost"
    if col.not_null and col.default is None and not col.identity and not col.generated:
        note += " (NOT NULL without a default: fill it before re-adding if the table has rows)"
    return iv.Inverse(tuple(out), iv.Risk.LOSES_DATA, note)


def _is_auto(col: Column) -> bool:
    """An AUTO_INCREMENT column: it must be part of a key in the statement that adds it
    ("there can be only one auto column and it must be defined as a key", ER 1075), so its
    key is written into the same ADD COLUMN (one statement, one guard), never after it."""
    return "AUTO_INCREMENT" in (col.identity or "").upper()


_LITERAL_DEFAULT = re.compile(r"^(?:'(?:[^'\\]|''|\\.)*'|-?\d+(?:\.\d+)?|NULL|TRUE|FALSE)$", re.I)


def _invert_set_default(c: ch.SetColumnDefault, cat: cg.Catalog) -> iv.Inverse:
    """ALTER COLUMN SET DEFAULT takes a literal only in MySQL: restate the column otherwise."""
    t = cat.tables.get(c.table)
    before = t.column(c.column) if t else None
    if before is None or before.default is None or _LITERAL_DEFAULT.match(before.default):
        return _generic_inverse(c, cat)
    return iv.Inverse((ch.ReplaceColumn(c.table, c.column, before),))


def _enum_values(type_text: str) -> set[str] | None:
    m = re.fullmatch(r"\s*(?:ENUM|SET)\s*\((.*)\)\s*", type_text, re.I | re.S)
    if m is None:
        return None
    return set(re.findall(r"'((?:[^'\\]|''|\\.)*)'", m.group(1)))


def _type_key(type_text: str) -> str:
    return re.sub(r"\s+", "", type_text).lower()


def _invert_replace_column(c: ch.ReplaceColumn, cat: cg.Catalog) -> iv.Inverse:
    """MODIFY / CHANGE back to the column as it was: exact unless values may not fit back."""
    t = cat.tables.get(c.table)
    before = t.column(c.column) if t else None
    if before is None:
        return _generic_inverse(c, cat)
    back = ch.ReplaceColumn(c.table, c.new.name, before)
    now, then = _enum_values(c.new.type), _enum_values(before.type)
    same = _type_key(c.new.type) == _type_key(before.type)
    if not same and not (now is not None and then is not None and now <= then):
        return iv.Inverse(
            (back,),
            iv.Risk.LOSES_DATA,
            f"values of `{c.table.name}`.`{c.new.name}` that do not fit {before.type} "
            "make this fail or are cut to fit",
        )
    note = "fails if NULL values were written since" if before.not_null > c.new.not_null else ""
    return iv.Inverse((back,), iv.Risk.EXACT, note)


INVERT: dict[type[Any], Callable[[Any, cg.Catalog], iv.Inverse]] = {
    ch.DropConstraint: _invert_drop_constraint,
    ch.DropObject: lambda c, cat: _generic_inverse(on_its_table(cat, c), cat),
    ch.AddConstraint: _invert_add_constraint,
    ch.CreateIndex: _invert_create_index,
    ch.DropTable: _invert_drop_table,
    ch.DropColumn: _invert_drop_column,
    ch.SetColumnDefault: _invert_set_default,
    ch.ReplaceColumn: _invert_replace_column,
}
