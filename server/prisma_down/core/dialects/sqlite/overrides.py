"""What SQLite does differently when a change is undone: inverters that replace inverse.py's.

SQLite alters a table in place only to add, drop or rename a column; anything else is a
redefinition (a new table, the rows copied over, the old one dropped, the new one renamed),
and so is the way back. Constraints live in CREATE TABLE, so a restored table brings them
with it, and foreign keys pointing at a dropped table never went away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.inverse import Inverse, Risk
from prisma_down.core.schema import Column, QName, Table


def _t(name: QName) -> str:
    return f'"{name.name}"'


def _columns(table: QName, names: list[str]) -> str:
    return ", ".join(f'{_t(table)}."{n}"' for n in names)


def redefine_back(
    cat: Catalog,
    old: Table,
    new: Table,
    copied: tuple[tuple[str, str], ...],
    computed: tuple[tuple[str, str], ...] = (),
) -> Inverse:
    """Redefine ``new`` back into ``old``, copying every column both have.

    ``copied`` pairs (column of ``new``, column of ``old``) the way up filled them: a column
    filled from another name is copied back to that name. ``computed`` pairs a column of
    ``new`` with the expression the way up filled it from (``coalesce("a", 'x')``): the
    values it changed are copied back as they are now, not as they were.
    """
    back: dict[str, str] = {}  # column of old ← column of new
    for new_col, old_col in copied:
        if old.column(old_col) is not None and new.column(new_col) is not None:
            back.setdefault(old_col, new_col)
    for col in old.columns:
        if col.name not in back and new.column(col.name) is not None:
            back[col.name] = col.name
    empty = [col for col in old.columns if col.name not in back]
    filled = {col.name: _placeholder(cat, old, col) for col in empty if _needs_value(old, col)}
    indexes = tuple(cat.table_indexes(old.name))
    change = ch.RedefineTable(old, tuple(back.items()), indexes, tuple(filled.items()))
    lost = [col.name for col in new.columns if col.name not in back.values()]
    # DROP TABLE takes the table's triggers with it
    triggers = [ch.CreateObject(o) for o in cat.objects_on(old.name)]
    notes = []
    plain = [c.name for c in empty if c.name not in filled]
    if plain:
        names = _columns(old.name, plain)
        if len(plain) == 1:
            notes.append(f"column {names} comes back empty: its values are lost")
        else:
            notes.append(f"columns {names} come back empty: their values are lost")
    for name, value in filled.items():
        notes.append(
            f"column {_columns(old.name, [name])} is NOT NULL without a default: it comes "
            f"back filled with {value}, its values are lost"
        )
    if lost:
        notes.append(f"values of {_columns(new.name, lost)} written since are lost")
    plain_copies = {n for n, _ in copied}
    expressions: dict[str, list[str]] = {}
    for name, expression in computed:
        if name in back.values() and name not in plain_copies:
            expressions.setdefault(name, []).append(expression)
    for name, found in expressions.items():
        shown = found[0] if len(found[0]) <= 60 else found[0][:57] + "..."
        more = f" (and {len(found) - 1} other expressions)" if len(found) > 1 else ""
        notes.append(
            f"values of {_columns(new.name, [name])} may differ from the old ones: the "
            f"migration filled it with {shown}{more}, and values it changed are not restored"
        )
    if notes:
        return Inverse((change, *triggers), Risk.LOSES_DATA, "; ".join(notes))
    tightened = [
        c.name
        for c in old.columns
        if c.not_null and not getattr(new.column(back[c.name]), "not_null", True)
    ]
    note = "the copy fails if NULL values were written since" if tightened else ""
    return Inverse((change, *triggers), Risk.EXACT, note)


def _needs_value(t: Table, col: Column) -> bool:
    """NOT NULL without a default, and not the rowid (INTEGER PRIMARY KEY numbers itself)."""
    if not col.not_null or col.default is not None or col.generated:
        return False
    pk = [k for k in t.constraints if k.kind == "p"]
    rowid = len(pk) == 1 and pk[0].columns == (col.name,) and col.type.upper() == "INTEGER"
    return not rowid


def _placeholder(cat: Catalog, t: Table, col: Column) -> str:
    """A value for a column that must hold one: distinct per row where the column is a key.

    By SQLite's type affinity rules (https://sqlite.org/datatype3.html, 3.1): text for
    CHAR/CLOB/TEXT, a blob for BLOB or no type, else a number.
    """
    keys = [k.columns for k in t.constraints if k.kind in "pu"]
    keys += [
        tuple(e.column or "" for e in ix.elements) for ix in cat.table_indexes(t.name) if ix.unique
    ]
    if any(col.name in key for key in keys):
        return "row_number() OVER ()"
    kind = col.type.upper()
    if "INT" in kind:
        return "0"
    if any(w in kind for w in ("CHAR", "CLOB", "TEXT")):
        return "''"
    if "BLOB" in kind or not kind:
        return "X''"
    return "0"


def _redefine_table(c: ch.RedefineTable, cat: Catalog) -> Inverse:
    old = cat.tables.get(c.table.name)
    if old is None:
        return Inverse(
            (), Risk.IRREVERSIBLE, f"table {_t(c.table.name)} is not created earlier in the history"
        )
    return redefine_back(cat, old, c.table, c.copied, c.filled)


def _drop_table(c: ch.DropTable, cat: Catalog) -> Inverse:
    """CREATE TABLE as it was, with its constraints; then its indexes and triggers."""
    t = cat.tables.get(c.name)
    if t is None:
        if c.if_exists:
            return Inverse(())
        return Inverse(
            (), Risk.IRREVERSIBLE, f"table {_t(c.name)} is not created earlier in the history"
        )
    if not t.columns and t.tail:
        return Inverse(
            (),
            Risk.IRREVERSIBLE,
            f"table {_t(c.name)} was created from a query: its columns are unknown",
        )
    out: list[ch.Change] = [ch.CreateTable(t)]
    out += [ch.CreateIndex(ix) for ix in cat.table_indexes(c.name)]
    out += [ch.CreateObject(o) for o in cat.objects_on(c.name)]
    return Inverse(
        tuple(out), Risk.LOSES_DATA, f"table {_t(c.name)} comes back empty: its rows are lost"
    )


def _add_column(c: ch.AddColumn, cat: Catalog) -> Inverse:
    """DROP COLUMN; a column with a foreign key cannot be dropped: redefine the table back."""
    t = cat.tables.get(c.table)
    if t is None or not any(k.kind in "fpu" for k in c.constraints):  # CHECK on itself: fine
        return Inverse(
            (ch.DropColumn(c.table, c.column.name),),
            Risk.LOSES_DATA,
            f'values written to {_t(c.table)}."{c.column.name}" since are lost',
        )
    added = replace(t, columns=(*t.columns, c.column), constraints=(*t.constraints, *c.constraints))
    return redefine_back(cat, t, added, ())


def _drop_column(c: ch.DropColumn, cat: Catalog) -> Inverse:
    """The table redefined back: ADD COLUMN would put the column last, without its keys."""
    t = cat.tables.get(c.table)
    if t is None or t.column(c.name) is None:
        return Inverse(
            (),
            Risk.IRREVERSIBLE,
            f'column {_t(c.table)}."{c.name}" is not created earlier in the history',
        )
    rest = replace(t, columns=tuple(x for x in t.columns if x.name != c.name))
    return redefine_back(cat, t, rest, ())


def _drop_object(c: ch.DropObject, cat: Catalog) -> Inverse:
    """DROP VIEW / DROP TRIGGER: the definition as created (a trigger by name alone)."""
    prev = next((o for _, o in cat.objects_named(c.kind, c.name)), None)
    if prev is None:
        if c.if_exists:
            return Inverse(())
        return Inverse(
            (), Risk.IRREVERSIBLE, f'{c.kind} "{c.name.name}" is not created earlier in the history'
        )
    return Inverse((ch.CreateObject(prev),))


def _rename_table(c: ch.RenameTable, cat: Catalog) -> Inverse:
    """RENAME back, unless it would carry other tables' foreign keys along.

    "Beginning with release 3.26.0, FOREIGN KEY constraints are always converted when a
    table is renamed, unless the PRAGMA legacy_alter_table=ON setting is engaged"
    (https://sqlite.org/lang_altertable.html; with foreign_keys=ON they are converted
    anyway, and that PRAGMA is a no-op inside a transaction). Renaming ``X`` back to
    ``new_X`` would then point every table that references ``X`` (a table the migration
    dropped and replaced) at ``new_X``, and dropping ``new_X`` leaves them dangling. Such
    a rename is undone by copying the rows into the old table instead: DROP TABLE leaves
    references in other tables as they are.
    """
    t = cat.tables.get(c.old)
    referrers = [n for n in cat.tables.referencing(c.new) if n not in (c.new, c.old)]
    if t is None or not referrers or c.new in cat.tables:
        return Inverse((ch.RenameTable(c.new, c.old),))
    cols = ", ".join(f'"{x.name}"' for x in t.columns)
    copy = f"INSERT INTO {_t(c.old)} ({cols}) SELECT {cols} FROM {_t(c.new)}"
    out: list[ch.Change] = [
        ch.SessionSetting("PRAGMA defer_foreign_keys=ON"),
        ch.SessionSetting("PRAGMA foreign_keys=OFF"),
        ch.CreateTable(t),
        ch.Verbatim(copy),
        ch.DropTable(c.new),
        *(ch.CreateIndex(ix) for ix in cat.table_indexes(c.old)),
        ch.SessionSetting("PRAGMA foreign_keys=ON"),
        ch.SessionSetting("PRAGMA defer_foreign_keys=OFF"),
    ]
    return Inverse(tuple(out))


INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    ch.RenameTable: _rename_table,
    ch.DropObject: _drop_object,
    ch.RedefineTable: _redefine_table,
    ch.DropTable: _drop_table,
    ch.AddColumn: _add_column,
    ch.DropColumn: _drop_column,
}
