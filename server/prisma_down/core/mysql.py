"""What MySQL and MariaDB do by themselves, mirrored by the catalog and the inverter.

``catalog.apply`` and ``inverse.invert`` take these handlers over the generic ones when the
catalog's dialect is ``mysql``. Checked on MariaDB 10.11; MySQL 8 documents the same:

- Index names are per table: an index is keyed ``QName(<table>, <index>)`` (``index_key``).
- A foreign key on columns no index starts with gets an index of its own, named like the
  key ("implicit"). Dropping the key leaves it. Creating another index (or primary key) that
  starts with its columns drops it silently; renaming it makes it an ordinary index.
- DROP COLUMN takes the column out of every index and the primary key; an index left
  without columns goes.
- MODIFY / CHANGE restate the whole column, so every column change is undone by restating
  the column as it was (``ReplaceColumn``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import catalog as cg
from prisma_down.core import changes as ch
from prisma_down.core import inverse as iv
from prisma_down.core.catalog_maps import Indexes
from prisma_down.core.schema import Column, Constraint, Index, IndexElement, QName, Table


def index_key(table: QName, name: str) -> QName:
    """How the catalog keys index ``name`` of ``table``: MySQL scopes index names per table."""
    return QName(str(table), name)


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()  # MySQL column names are case-insensitive


def _columns(ix: Index) -> tuple[str, ...] | None:
    """An index's columns, or None when it has expressions (it serves no foreign key)."""
    if any(e.column is None for e in ix.elements) or ix.method in ("FULLTEXT", "SPATIAL"):
        return None
    return tuple(e.column or "" for e in ix.elements)


def _starts_with(columns: tuple[str, ...] | None, prefix: tuple[str, ...]) -> bool:
    return (
        columns is not None
        and len(columns) >= len(prefix)
        and all(_same(a, b) for a, b in zip(columns, prefix, strict=False))
    )


def _served(cat: cg.Catalog, table: QName, columns: tuple[str, ...]) -> bool:
    """Whether some index or the primary key of ``table`` starts with ``columns``."""
    t = cat.tables[table]
    if any(k.kind == "p" and _starts_with(k.columns, columns) for k in t.constraints):
        return True
    return any(_starts_with(_columns(ix), columns) for ix in cat.table_indexes(table))


def _with_indexes(cat: cg.Catalog, indexes: Indexes) -> cg.Catalog:
    return replace(cat, indexes=indexes)


def _index_for_keys(cat: cg.Catalog, table: QName) -> cg.Catalog:
    """Give every foreign key of ``table`` that no index serves its implicit index."""
    for k in cat.tables[table].constraints:
        if k.kind != "f" or _served(cat, table, k.columns):
            continue
        key = index_key(table, k.name)
        if re.fullmatch(re.escape(table.name) + r"_ibfk_\d+", k.name):  # a key without a name
            key = _free_name(cat, table, k.columns[0])
        ix = Index(key, table, tuple(IndexElement(c) for c in k.columns), implicit=True)
        cat = _with_indexes(cat, cat.indexes.set(key, (table, ix)))
    return cat


def _free_name(cat: cg.Catalog, table: QName, first: str) -> QName:
    """The name MySQL gives an unnamed index: its first column, then ``_2``, ``_3`` ..."""
    name, n = first, 2
    while index_key(table, name) in cat.indexes:
        name, n = f"{first}_{n}", n + 1
    return index_key(table, name)


def _swallow(
    cat: cg.Catalog, table: QName, columns: tuple[str, ...] | None, keep: QName
) -> cg.Catalog:
    """Drop the implicit indexes a new index (or primary key) on ``columns`` can stand in for."""
    if not columns:
        return cat
    gone = {
        ix.name
        for ix in cat.table_indexes(table)
        if ix.implicit and ix.name != keep and _starts_with(columns, _columns(ix) or ("",) * 99)
    }
    if not gone:
        return cat
    return _with_indexes(cat, cat.indexes.without(gone))


def _generic(cat: cg.Catalog, change: ch.Change) -> cg.Catalog:
    return cg._APPLY[type(change)](cat, change)


# -- the catalog
def _create_table(cat: cg.Catalog, c: ch.CreateTable) -> cg.Catalog:
    exists = c.table.name in cat.tables
    cat = _generic(cat, c)
    if exists:
        return cat  # IF NOT EXISTS: nothing happened
    for ix in c.indexes:
        cat = _generic(cat, ch.CreateIndex(ix))
    return _index_for_keys(cat, c.table.name)


_GENERATED_FK = r"_ibfk_(\d+)"


def generated_fk_name(cat: cg.Catalog, table: QName) -> str:
    """The name MySQL gives a foreign key added by ALTER TABLE without one.

    ``<table>_ibfk_<n>``, n one more than the highest such number on the table (MySQL 8.0
    Reference Manual, "FOREIGN KEY Constraints", Identifiers: "a constraint name is generated
    automatically"; InnoDB's "tbl_name_ibfk_N"). Checked on MariaDB 10.11: after dropping
    ``_ibfk_1`` of ``_ibfk_1``/``_ibfk_2``, the next one is ``_ibfk_3``.
    """
    t = cat.tables.get(table)
    pattern = re.escape(table.name) + _GENERATED_FK
    numbers = [
        int(m.group(1))
        for k in (t.constraints if t else ())
        if (m := re.fullmatch(pattern, k.name)) is not None
    ]
    return f"{table.name}_ibfk_{max(numbers, default=0) + 1}"


def _named(cat: cg.Catalog, c: ch.AddConstraint) -> ch.AddConstraint:
    """An unnamed foreign key of ALTER TABLE under the name the server gives it."""
    if c.constraint.kind != "f" or c.constraint.name:
        return c
    return replace(c, constraint=replace(c.constraint, name=generated_fk_name(cat, c.table)))


def _add_constraint(cat: cg.Catalog, c: ch.AddConstraint) -> cg.Catalog:
    c = _named(cat, c)
    cat = _generic(cat, c)
    k = c.constraint
    if k.kind == "f":
        return _index_for_keys(cat, c.table)
    if k.kind in "pu":
        return _swallow(cat, c.table, k.columns, QName("", ""))
    return cat


def _create_index(cat: cg.Catalog, c: ch.CreateIndex) -> cg.Catalog:
    """The implicit indexes it can stand in for go first: their names are free again."""
    ix = c.index
    if ix.table in cat.tables and not (c.if_not_exists and ix.name in cat.indexes):
        cat = _swallow(cat, ix.table, _columns(ix), QName("", ""))
    return _generic(cat, c)


def _drop_column(cat: cg.Catalog, c: ch.DropColumn) -> cg.Catalog:
    t = cat.tables.get(c.table)
    if t is None or t.column(c.name) is None:
        return _generic(cat, c)  # says what is missing (or nothing, with IF EXISTS)
    indexes = cat.indexes
    for key in cat.indexes.on(c.table):
        tb, ix = indexes[key]
        if any(e.column is not None and _same(e.column, c.name) for e in ix.elements):
            rest = tuple(e for e in ix.elements if e.column is None or not _same(e.column, c.name))
            if not rest:
                indexes = indexes.delete(key)
                continue
            indexes = indexes.set(key, (tb, replace(ix, elements=rest)))
    constraints = []
    for k in t.constraints:
        if k.kind == "p" and any(_same(x, c.name) for x in k.columns):
            rest_cols = tuple(x for x in k.columns if not _same(x, c.name))
            if rest_cols:
                constraints.append(replace(k, columns=rest_cols))
            continue
        constraints.append(k)
    t = replace(t, constraints=tuple(constraints))
    cat = cg._set_table(_with_indexes(cat, indexes), t)
    return _generic(cat, c)  # the column, and its checks and foreign keys


def _rename_table(cat: cg.Catalog, c: ch.RenameTable) -> cg.Catalog:
    """Indexes move with the table; so do generated foreign key names: RENAME TABLE
    "changes internally generated foreign key constraint names and user-defined foreign key
    constraint names that begin with the string tbl_name_ibfk_ to reflect the new table
    name" (MySQL 8.0 Reference Manual, RENAME TABLE; MariaDB's InnoDB does the same)."""
    cat = _generic(cat, c)
    t = cat.tables.get(c.new)
    if t is not None and c.old.name != c.new.name:
        old = re.escape(c.old.name) + _GENERATED_FK
        renamed = tuple(
            replace(k, name=f"{c.new.name}_ibfk_{m.group(1)}")
            if k.kind == "f" and (m := re.fullmatch(old, k.name))
            else k
            for k in t.constraints
        )
        cat = cg._set_table(cat, replace(t, constraints=renamed))
    moves = {}
    for key in cat.indexes.on(c.new):
        tb, ix = cat.indexes[key]
        new = index_key(c.new, ix.name.name)
        moves[key] = (new, (tb, replace(ix, name=new)))
    return _with_indexes(cat, cat.indexes.rekeyed(moves))


def _rename_index(cat: cg.Catalog, c: ch.RenameIndex) -> cg.Catalog:
    cat = _generic(cat, c)
    hit = cat.indexes.get(c.new)
    if hit is None or not hit[1].implicit:
        return cat
    return _with_indexes(cat, cat.indexes.set(c.new, (hit[0], replace(hit[1], implicit=False))))


def _on_its_table(cat: cg.Catalog, c: ch.DropObject) -> ch.DropObject:
    """DROP TRIGGER names no table in MySQL: the catalog keys a trigger with its table."""
    if c.table is not None:
        return c
    for (_, _, table), _ in cat.objects_named(c.kind, c.name):
        if table is not None:
            return replace(c, table=table)
    return c


def _drop_object(cat: cg.Catalog, c: ch.DropObject) -> cg.Catalog:
    return _generic(cat, _on_its_table(cat, c))


def _as_index(cat: cg.Catalog, c: ch.DropConstraint) -> ch.DropConstraint | ch.DropIndex:
    """DROP CONSTRAINT of a UNIQUE key drops an index: MySQL keeps unique keys as indexes."""
    t = cat.tables.get(c.table)
    key = index_key(c.table, c.name)
    if t is not None and t.constraint(c.name) is None and key in cat.indexes:
        return ch.DropIndex(key, c.if_exists, table=c.table)
    return c


APPLY: dict[type[Any], Callable[[cg.Catalog, Any], cg.Catalog]] = {
    ch.DropConstraint: lambda cat, c: _generic(cat, _as_index(cat, c)),
    ch.DropObject: _drop_object,
    ch.CreateTable: _create_table,
    ch.AddConstraint: _add_constraint,
    ch.CreateIndex: _create_index,
    ch.DropColumn: _drop_column,
    ch.RenameTable: _rename_table,
    ch.RenameIndex: _rename_index,
}


# -- the inverses
def _generic_inverse(change: ch.Change, cat: cg.Catalog) -> iv.Inverse:
    return iv._INVERT[type(change)](change, cat)


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
            (k for k in t.constraints if k.kind == "f" and k.columns == _columns(ix)),
            None,
        )
        if fk is not None:
            first.append(ch.DropConstraint(table, fk.name, kind="f"))
            state = _after(after, first[-1])
            if state is not None and _server_names(state, table, fk):
                last.append(ch.AddConstraint(table, replace(fk, name="")))
            else:
                if _is_generated(table, fk.name):  # its index would take the key's name
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
    c = _named(cat, c) if c.table in cat.tables else c
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


def _is_generated(table: QName, name: str) -> bool:
    return re.fullmatch(re.escape(table.name) + _GENERATED_FK, name) is not None


def _invert_drop_constraint(c: ch.DropConstraint, cat: cg.Catalog) -> iv.Inverse:
    """A generated foreign key name comes back as it was, and its index's name too.

    Written without a name, the key would get the next free number, not its own
    (``generated_fk_name``); written with it, the index MySQL makes for it is named after
    the key and swallows the server's own index on those columns (checked on MariaDB
    10.11). So that index is made an ordinary one first, in the same statement.
    """
    inv = _generic_inverse(_as_index(cat, c), cat)
    t = cat.tables.get(c.table)
    k = t.constraint(c.name) if t else None
    after = _after(cat, c)
    if k is None or k.kind != "f" or after is None or not _is_generated(c.table, k.name):
        return inv
    if _server_names(after, c.table, k):  # unnamed, as it was first added
        back = ch.AddConstraint(c.table, replace(k, name=""))
        return replace(
            inv, changes=tuple(back if x == iv.re_add(c.table, k) else x for x in inv.changes)
        )
    if _served_explicitly(after, c.table, k.columns):
        return inv
    own = [
        ix
        for ix in after.table_indexes(c.table)
        if ix.implicit and _starts_with(_columns(ix), k.columns)
    ]
    if not own:
        return inv
    keep: list[ch.Change] = [
        ch.DropIndex(own[0].name, table=c.table),
        ch.CreateIndex(replace(own[0], implicit=False)),
    ]
    return replace(inv, changes=(*keep, *inv.changes))


def _server_names(cat: cg.Catalog, table: QName, k: Constraint) -> bool:
    """Whether adding ``k`` without a name to ``table`` as it is in ``cat`` gives it its name."""
    return _is_generated(table, k.name) and generated_fk_name(cat, table) == k.name


def _served_explicitly(cat: cg.Catalog, table: QName, columns: tuple[str, ...]) -> bool:
    t = cat.tables[table]
    if any(k.kind == "p" and _starts_with(k.columns, columns) for k in t.constraints):
        return True
    return any(
        not ix.implicit and _starts_with(_columns(ix), columns) for ix in cat.table_indexes(table)
    )


def _invert_drop_table(c: ch.DropTable, cat: cg.Catalog) -> iv.Inverse:
    inv = _generic_inverse(c, cat)
    t = cat.tables.get(c.name)
    if t is None:
        return inv
    # an implicit index comes back with its foreign key, as the server's own again; a
    # generated key name comes back unnamed where the server gives that name again
    # (``generated_fk_name``), else named, and then its index must be made first
    named = _numbered_back(c.name, [x for x in inv.changes if isinstance(x, ch.AddConstraint)])
    own = {
        ix.name
        for ix in cat.table_indexes(c.name)
        if ix.implicit
        and any(
            k.kind == "f" and k.columns == _columns(ix) and k.name not in named
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
                if k.kind == "f" and k.columns == _columns(ix) and _is_generated(t.name, k.name):
                    out.add(k.name)
    return out


def _numbered_back(table: QName, adds: list[ch.AddConstraint]) -> set[str]:
    """Generated key names the server would not give again when the keys are added in this
    order (each gets the highest number so far plus one): those must be written out."""
    highest = 0
    out = set()
    for a in adds:
        m = re.fullmatch(re.escape(table.name) + _GENERATED_FK, a.constraint.name)
        if a.table != table or a.constraint.kind != "f" or m is None:
            continue
        n = int(m.group(1))
        if n != highest + 1:
            out.add(a.constraint.name)
        highest = max(highest, n)
    return out


def _invert_drop_column(c: ch.DropColumn, cat: cg.Catalog) -> iv.Inverse:
    t = cat.tables.get(c.table)
    col = t.column(c.name) if t else None
    after = _after(cat, c)
    if t is None or col is None or after is None:
        return _generic_inverse(c, cat)
    out: list[ch.Change] = [ch.AddColumn(c.table, col)]
    for k in t.constraints:
        if k.kind == "p" and k.columns and any(_same(x, c.name) for x in k.columns):
            if after.tables[c.table].constraint(k.name) is not None:
                out.insert(0, ch.DropConstraint(c.table, k.name, kind="p"))
            if _is_auto(col):  # its key in the same clause list (see _is_auto)
                out[-1] = ch.AddColumn(c.table, col, (k,))
            else:
                out.append(ch.AddConstraint(c.table, k))
    for ix in cat.table_indexes(c.table):
        if not any(e.column is not None and _same(e.column, c.name) for e in ix.elements):
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
    ch.DropObject: lambda c, cat: _generic_inverse(_on_its_table(cat, c), cat),
    ch.AddConstraint: _invert_add_constraint,
    ch.CreateIndex: _invert_create_index,
    ch.DropTable: _invert_drop_table,
    ch.DropColumn: _invert_drop_column,
    ch.SetColumnDefault: _invert_set_default,
    ch.ReplaceColumn: _invert_replace_column,
}


__all__ = ["APPLY", "INVERT", "index_key"]
