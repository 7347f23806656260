"""The inverse of each change, worked out from the catalog as it stood just before it.

Every inverse carries its risk: ``exact``, ``loses-data`` (undoing it discards data written
since, or a restored object comes back empty) or ``irreversible`` (nothing can undo it).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog import (
    Catalog,
    CatalogError,
    column_dependents,
    comment_target,
    comments_on,
    qualified,
    quote,
    type_base,
    using_index,
)
from prisma_down.core.dependents import RELATIONS, around, restore_relation
from prisma_down.core.preflight import Check
from prisma_down.core.schema import Column, Constraint, Enum, Opaque, QName
from prisma_down.core.value_map import mapped_back
from prisma_down.core.view_stars import expand


class Risk(enum.Enum):
    EXACT = "exact"
    LOSES_DATA = "loses-data"
    IRREVERSIBLE = "irreversible"

    @property
    def rank(self) -> int:
        return ("exact", "loses-data", "irreversible").index(self.value)


@dataclass(frozen=True)
class Inverse:
    changes: tuple[ch.Change, ...]
    risk: Risk = Risk.EXACT
    note: str = ""  # why it loses data / cannot be undone, in a reviewer's words
    checks: tuple[Check, ...] = ()  # what rows must satisfy first (core.preflight)


NOTHING = Inverse(())


def invert(change: ch.Change, cat: Catalog) -> Inverse:
    if _on_temporary_table(change, cat):
        return NOTHING  # temporary tables vanish with the session that applied the migration
    handler = _INVERT.get(type(change))
    if cat.dialect == "mysql":  # what MySQL does by itself: core.mysql
        from prisma_down.core import mysql

        handler = mysql.INVERT.get(type(change), handler)
    if cat.dialect == "sqlite":  # tables redefined rather than altered: core.sqlite
        from prisma_down.core import sqlite

        handler = sqlite.INVERT.get(type(change), handler)
    if cat.dialect == "tsql":  # defaults are constraints, ALTER COLUMN restates: core.tsql
        from prisma_down.core import tsql

        handler = tsql.INVERT.get(type(change), handler)
    if cat.dialect == "cockroachdb":  # DROP VALUE; types changed by drop + re-add: core.cockroach
        from prisma_down.core import cockroach

        handler = cockroach.INVERT.get(type(change), handler)
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


def _exact(*changes: ch.Change, note: str = "") -> Inverse:
    return Inverse(tuple(changes), Risk.EXACT, note)


def _lossy(note: str, *changes: ch.Change) -> Inverse:
    return Inverse(tuple(changes), Risk.LOSES_DATA, note)


def _never(note: str) -> Inverse:
    return Inverse((), Risk.IRREVERSIBLE, note)


def _t(name: QName) -> str:
    return quote(name.name) if not name.schema else f"{quote(name.schema)}.{quote(name.name)}"


def _create_table(c: ch.CreateTable, cat: Catalog) -> Inverse:
    if c.if_not_exists and c.table.name in cat.tables:
        return NOTHING
    return _lossy(f"rows written to {_t(c.table.name)} since are lost", ch.DropTable(c.table.name))


def re_add(table: QName, k: Constraint) -> ch.AddConstraint:
    """ADD CONSTRAINT as it stood: one added NOT VALID and never validated stays NOT VALID."""
    return ch.AddConstraint(table, k, k.not_valid)


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
        return _never(f"table {_t(c.name)} is not created earlier in the history")
    t = cat.tables[c.name]
    if not t.columns and t.tail:
        return _never(f"table {_t(c.name)} was created from a query: its columns are unknown")
    return _lossy(
        f"table {_t(c.name)} comes back empty: its rows are lost", *restore_table(cat, c.name)
    )


def _rename_table(c: ch.RenameTable, cat: Catalog) -> Inverse:
    return _exact(ch.RenameTable(c.new, c.old))


def _add_column(c: ch.AddColumn, cat: Catalog) -> Inverse:
    t = cat.tables.get(c.table)
    if c.if_not_exists and t is not None and t.column(c.column.name):
        return NOTHING
    return _lossy(
        f'values written to {_t(c.table)}."{c.column.name}" since are lost',
        ch.DropColumn(c.table, c.column.name),
    )


def _drop_column(c: ch.DropColumn, cat: Catalog) -> Inverse:
    t = cat.tables.get(c.table)
    col = t.column(c.name) if t else None
    if t is None or col is None:
        if c.if_exists:
            return NOTHING
        return _never(f'column {_t(c.table)}."{c.name}" is not created earlier in the history')
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
    return _lossy(note, *out)


def _rename_column(c: ch.RenameColumn, cat: Catalog) -> Inverse:
    return _exact(ch.RenameColumn(c.table, c.new, c.old))


def _column_before(cat: Catalog, table: QName, name: str) -> Column | None:
    t = cat.tables.get(table)
    return t.column(name) if t else None


def _missing_column(table: QName, name: str) -> Inverse:
    return _never(f'column {_t(table)}."{name}" is not created earlier in the history')


def cast_back(cat: Catalog, column: str, current: str, previous: str) -> str | None:
    """A USING expression converting ``current`` values back to ``previous``, or None."""
    if _norm(current) == _norm(previous):
        return None
    cur, cur_arr = type_base(current)
    prev, _ = type_base(previous)
    via = ""
    if cur in cat.enums or prev in cat.enums:
        via = "::text[]" if cur_arr else "::text"
    return f"{quote(column)}{via}::{previous}"


def _norm(type_text: str) -> str:
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
        return _missing_column(c.table, c.column)
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
        return replace(_exact(*steps) if mapped.exact else _lossy(mapped.note, *steps),
                       note=mapped.note, checks=mapped.checks)  # fmt: skip
    if _norm(c.type) == _norm(before.type) or _widens(cat, c.type, before.type):
        return _exact(*steps)
    return _lossy(
        f'values of {_t(c.table)}."{c.column}" that do not convert back to '
        f"{before.type} make this fail or change",
        *steps,
    )


def _replace_column(c: ch.ReplaceColumn, cat: Catalog) -> Inverse:
    """MODIFY / CHANGE back to the whole previous definition (and name)."""
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return _missing_column(c.table, c.column)
    back = ch.ReplaceColumn(c.table, c.new.name, before)
    if _norm(c.new.type) != _norm(before.type):
        return _lossy(
            f'values of {_t(c.table)}."{c.column}" that do not convert back to '
            f"{before.type} make this fail or change",
            back,
        )
    note = "fails if NULL values were written since" if before.not_null > c.new.not_null else ""
    return _exact(back, note=note)


def _set_default(c: ch.SetColumnDefault, cat: Catalog) -> Inverse:
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return _missing_column(c.table, c.column)
    return _exact(ch.SetColumnDefault(c.table, c.column, before.default))


def _set_not_null(c: ch.SetColumnNotNull, cat: Catalog) -> Inverse:
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return _missing_column(c.table, c.column)
    if before.not_null == c.not_null:
        return NOTHING
    note = "" if not before.not_null else "fails if NULL values were written since"
    return _exact(ch.SetColumnNotNull(c.table, c.column, before.not_null), note=note)


def _set_identity(c: ch.SetColumnIdentity, cat: Catalog) -> Inverse:
    before = _column_before(cat, c.table, c.column)
    if before is None:
        return _missing_column(c.table, c.column)
    out: list[ch.Change] = [ch.SetColumnIdentity(c.table, c.column, before.identity)]
    if c.identity and not before.not_null:
        out.append(ch.SetColumnNotNull(c.table, c.column, False))
    return _exact(*out)


def _add_constraint(c: ch.AddConstraint, cat: Catalog) -> Inverse:
    out: list[ch.Change] = [ch.DropConstraint(c.table, c.constraint.name)]
    t = cat.tables.get(c.table)
    columns = c.constraint.columns
    try:
        backing = using_index(cat, c.table, c.constraint)
    except CatalogError as e:
        return _never(str(e))
    if backing is not None:
        out.append(ch.CreateIndex(backing))
        columns = tuple(e.column or "" for e in backing.elements)
    if c.constraint.kind == "p" and t is not None:
        for name in columns:
            col = t.column(name)
            if col is not None and not col.not_null:
                out.append(ch.SetColumnNotNull(c.table, name, False))
    return _exact(*out)


def _drop_constraint(c: ch.DropConstraint, cat: Catalog) -> Inverse:
    t = cat.tables.get(c.table)
    k = t.constraint(c.name) if t else None
    if k is None:
        if c.if_exists:
            return NOTHING
        return _never(f'constraint "{c.name}" is not created earlier in the history')
    return _exact(re_add(c.table, k))


def _validate_constraint(c: ch.ValidateConstraint, cat: Catalog) -> Inverse:
    """Nothing un-validates a constraint: drop it and add it back NOT VALID, as it was."""
    t = cat.tables.get(c.table)
    k = t.constraint(c.name) if t else None
    if k is None:
        return _never(f'constraint "{c.name}" is not created earlier in the history')
    if not k.not_valid:
        return NOTHING
    return _exact(ch.DropConstraint(c.table, c.name), re_add(c.table, k))


def _rename_constraint(c: ch.RenameConstraint, cat: Catalog) -> Inverse:
    return _exact(ch.RenameConstraint(c.table, c.new, c.old))


def _create_index(c: ch.CreateIndex, cat: Catalog) -> Inverse:
    if c.if_not_exists and c.index.name in cat.indexes:
        return NOTHING
    return _exact(ch.DropIndex(c.index.name, concurrently=c.concurrently, table=c.index.table))


def _drop_index(c: ch.DropIndex, cat: Catalog) -> Inverse:
    ix = cat.index(c.name)
    if ix is None:
        if c.if_exists:
            return NOTHING
        return _never(f'index "{c.name.name}" is not created earlier in the history')
    comments = comments_on(cat, "INDEX", comment_target(ix.name))
    return _exact(ch.CreateIndex(ix, concurrently=c.concurrently), *comments)


def _rename_index(c: ch.RenameIndex, cat: Catalog) -> Inverse:
    return _exact(ch.RenameIndex(c.new, c.old, c.table))


def _create_enum(c: ch.CreateEnum, cat: Catalog) -> Inverse:
    return _exact(ch.DropEnum(c.enum.name))


def _drop_enum(c: ch.DropEnum, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.name)
    if e is None:
        o = cat.object("type", c.name)
        if o is not None:
            return _exact(ch.CreateObject(o), *comments_on(cat, "TYPE", comment_target(c.name)))
        if c.if_exists:
            return NOTHING
        return _never(f'type "{c.name.name}" is not created earlier in the history')
    return _exact(ch.CreateEnum(e), *comments_on(cat, "TYPE", comment_target(c.name)))


def _rename_enum(c: ch.RenameEnum, cat: Catalog) -> Inverse:
    return _exact(ch.RenameEnum(c.new, c.old))


def _add_enum_value(c: ch.AddEnumValue, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.enum)
    if e is None:
        return _never(f'enum "{c.enum.name}" is not created earlier in the history')
    if c.value in e.values and c.if_not_exists:
        return NOTHING
    return _lossy(
        f"rows holding '{c.value}' make this fail: change them first",
        *replace_enum(cat, c.enum, e.values),
    )


def _rename_enum_value(c: ch.RenameEnumValue, cat: Catalog) -> Inverse:
    return _exact(ch.RenameEnumValue(c.enum, c.new, c.old))


def _drop_enum_value(c: ch.DropEnumValue, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.enum)
    if e is None or c.value not in e.values:
        return _never(f"enum value '{c.value}' is not created earlier in the history")
    i = e.values.index(c.value)
    before = e.values[i + 1] if i + 1 < len(e.values) else None
    return _exact(ch.AddEnumValue(c.enum, c.value, before=before))


def _replace_enum(c: ch.ReplaceEnum, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.enum)
    if e is None:
        return _never(f'enum "{c.enum.name}" is not created earlier in the history')
    return _exact(*replace_enum(cat, c.enum, e.values))


def replace_enum(cat: Catalog, name: QName, values: tuple[str, ...]) -> list[ch.Change]:
    """Recreate enum ``name`` with ``values`` the way Prisma does: ``X_new``, cast, rename, drop."""
    new, old = name.renamed(name.name + "_new"), name.renamed(name.name + "_old")
    out: list[ch.Change] = [ch.CreateEnum(Enum(new, values))]
    uses = cat.enum_columns(name)
    for table, col in uses:
        _, suffix = type_base(col.type)
        if col.default is not None:
            out.append(ch.SetColumnDefault(table, col.name, None))
        target = qualified(new) + suffix
        via = "::text[]" if suffix else "::text"
        out.append(
            ch.AlterColumnType(table, col.name, target, f"({quote(col.name)}{via}::{target})")
        )
    out += [ch.RenameEnum(name, old), ch.RenameEnum(new, name), ch.DropEnum(old)]
    out += [
        ch.SetColumnDefault(table, col.name, col.default)
        for table, col in uses
        if col.default is not None
    ]
    return out + comments_on(cat, "TYPE", comment_target(name))  # it went with the old type


def as_created(o: Opaque, cat: Catalog) -> Opaque:
    """``o`` to re-create in ``cat``: a view whose stars would now mean other columns than
    when it was created is written with the columns they meant then (core.view_stars)."""
    then = o.expanded
    if then is None:
        return o
    for name, columns in then.columns:
        table = cat.table(name)
        if table is None or any(table.column(c) is None for c in columns):
            return o  # a column renamed since: the spelled-out text would not run
    now = expand(o.sql, cat)
    if now is not None and now.text == then.text:
        return o  # the same columns today: keep the text as its author wrote it
    return replace(o, sql=then.text, expanded=None)


def _create_object(c: ch.CreateObject, cat: Catalog) -> Inverse:
    o = c.object
    prev = cat.object(o.kind, o.name, o.table)
    if prev is not None:
        if c.or_replace and o.kind in ("view", "materialized view"):
            # CREATE OR REPLACE VIEW cannot drop or rename columns: drop it and re-create it
            return _exact(ch.DropObject(o.kind, o.name), ch.CreateObject(as_created(prev, cat)))
        if c.or_replace:
            return _exact(ch.CreateObject(as_created(prev, cat), or_replace=True))
        if c.if_not_exists:
            return NOTHING
    return _exact(ch.DropObject(o.kind, o.name, table=o.table))


def _drop_object(c: ch.DropObject, cat: Catalog) -> Inverse:
    prev: Opaque | None = cat.object(c.kind, c.name, c.table)
    if prev is None and c.kind == "sequence":
        prev = next((o for _, o in cat.objects_named("sequence", c.name)), None)
    if prev is None:
        if c.if_exists:
            return NOTHING
        return _never(
            f'{c.kind} "{c.name.name}" is not created earlier in the history, '
            "so its definition is unknown"
        )
    if prev.kind in RELATIONS:  # with its indexes, triggers and rules: core.dependents
        return _exact(*restore_relation(cat, (prev.kind, prev.name, prev.table)))
    return _exact(
        ch.CreateObject(as_created(prev, cat)),
        *comments_on(cat, c.kind.upper(), comment_target(c.name)),
    )


def _rename_object(c: ch.RenameObject, cat: Catalog) -> Inverse:
    return _exact(ch.RenameObject(c.kind, c.new, c.old))


def _set_comment(c: ch.SetComment, cat: Catalog) -> Inverse:
    return _exact(
        ch.SetComment(c.target_kind, c.target, cat.comments.get((c.target_kind, c.target)))
    )


def _transaction(c: ch.Transaction, cat: Catalog) -> Inverse:
    return _exact(ch.Transaction(not c.begin))


def _session(c: ch.SessionSetting, cat: Catalog) -> Inverse:
    return NOTHING


def _insert(c: ch.InsertRows, cat: Catalog) -> Inverse:
    t = cat.tables.get(c.table)
    if t is None:
        return _never(f"rows inserted into {_t(c.table)}, a table the history never created")
    keys = [k.columns for k in t.constraints if k.kind == "p"]
    keys += [k.columns for k in t.constraints if k.kind == "u"]
    keys += [
        tuple(e.column for e in ix.elements if e.column)
        for ix in cat.table_indexes(c.table)
        if ix.unique and ix.where is None and all(e.column for e in ix.elements)
    ]
    for key in keys:
        if key and all(k in c.columns for k in key):
            pos = [c.columns.index(k) for k in key]
            values = tuple(tuple(row[p] for p in pos) for row in c.rows)
            if all(_literal(v) for row in values for v in row):
                return _exact(ch.DeleteRows(c.table, key, values))
    return _never(f"rows inserted into {_t(c.table)} have no literal key to delete them by")


_LITERAL = re.compile(r"^(?:'(?:[^']|'')*'(?:::[\w\" \[\]()]+)?|-?\d+(?:\.\d+)?|TRUE|FALSE)$", re.I)


def _literal(v: str) -> bool:
    return bool(_LITERAL.match(v.strip()))


def _data(c: ch.DataChange, cat: Catalog) -> Inverse:
    return _never(c.what)


def _unsupported(c: ch.Unsupported, cat: Catalog) -> Inverse:
    return _never(c.what)


def _delete_rows(c: ch.DeleteRows, cat: Catalog) -> Inverse:
    return _never(f"rows deleted from {_t(c.table)} cannot be restored")


def _verbatim(c: ch.Verbatim, cat: Catalog) -> Inverse:
    return _never("a statement kept verbatim has no known inverse")


_INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    ch.CreateTable: _create_table,
    ch.DropTable: _drop_table,
    ch.RenameTable: _rename_table,
    ch.AddColumn: _add_column,
    ch.DropColumn: _drop_column,
    ch.RenameColumn: _rename_column,
    ch.AlterColumnType: _alter_type,
    ch.ReplaceColumn: _replace_column,
    ch.SetColumnDefault: _set_default,
    ch.SetColumnNotNull: _set_not_null,
    ch.SetColumnIdentity: _set_identity,
    ch.AddConstraint: _add_constraint,
    ch.DropConstraint: _drop_constraint,
    ch.ValidateConstraint: _validate_constraint,
    ch.RenameConstraint: _rename_constraint,
    ch.CreateIndex: _create_index,
    ch.DropIndex: _drop_index,
    ch.RenameIndex: _rename_index,
    ch.CreateEnum: _create_enum,
    ch.DropEnum: _drop_enum,
    ch.RenameEnum: _rename_enum,
    ch.AddEnumValue: _add_enum_value,
    ch.RenameEnumValue: _rename_enum_value,
    ch.DropEnumValue: _drop_enum_value,
    ch.ReplaceEnum: _replace_enum,
    ch.CreateObject: _create_object,
    ch.DropObject: _drop_object,
    ch.RenameObject: _rename_object,
    ch.SetComment: _set_comment,
    ch.Transaction: _transaction,
    ch.SessionSetting: _session,
    ch.InsertRows: _insert,
    ch.DeleteRows: _delete_rows,
    ch.DataChange: _data,
    ch.Unsupported: _unsupported,
    ch.Verbatim: _verbatim,
}
