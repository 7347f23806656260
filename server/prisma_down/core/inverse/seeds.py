"""The inverse of ``INSERT INTO t (cols) SELECT …`` into a table that already had rows.

A plain INSERT that succeeded met no row with the key of any row it added (else it would
have failed on the key). So when the inserted columns cover a key (primary key, unique
constraint, unique index on plain columns, every column NOT NULL) and the query yields the
same key values when run again (``read.seeds`` marks those columns ``stable``), the rows it
added are the rows whose key the query yields: down.sql deletes exactly those. The query
runs when down.sql does, on the data of that moment, which the note says.
"""

from __future__ import annotations

import re

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.inverse.model import Inverse, lossy, never
from prisma_down.core.names import qualified as _t
from prisma_down.core.schema import Constraint, QName, Table

UNKNOWN = "INSERT of rows computed by a query: which rows it added is not known"
_ON_DELETE = re.compile(
    r"\bON\s+DELETE\s+(CASCADE|SET\s+NULL|SET\s+DEFAULT|RESTRICT|NO\s+ACTION)", re.I
)


def keys(t: Table, cat: Catalog) -> list[tuple[str, ...]]:
    """The column sets that identify one row of ``t``: primary key first."""
    out = [k.columns for k in t.constraints if k.kind == "p"]
    out += [k.columns for k in t.constraints if k.kind == "u"]
    out += [
        tuple(e.column for e in ix.elements if e.column)
        for ix in cat.table_indexes(t.name)
        if ix.unique and ix.where is None and all(e.column for e in ix.elements)
    ]
    return [k for k in out if k]


def invert_insert_query(c: ch.InsertRows, cat: Catalog) -> Inverse:
    """DELETE of the rows whose key the query yields; irreversible without such a key."""
    t = cat.tables.get(c.table)
    if t is None:
        return never(f"rows inserted into {_t(c.table)}, a table the history never created")
    primary = {k.columns for k in t.constraints if k.kind == "p"}
    for key in keys(t, cat):
        if not all(k in c.stable for k in key):
            continue
        cols = [t.column(k) for k in key]
        if any(col is None for col in cols):
            continue
        if key not in primary and not all(col is not None and col.not_null for col in cols):
            continue  # a NULL in a unique key matches nothing: such rows would stay
        types = tuple(col.type for col in cols if col is not None)
        delete = ch.DeleteRows(c.table, key, (), c.query, c.columns, types)
        return lossy(_note(c.table, key, cat), delete)
    return never(UNKNOWN)


def within_migration(c: ch.Change, inv: Inverse, before: Catalog) -> Inverse:
    """A query's rows in a table the same migration created go with its DROP TABLE: the
    DELETE would only delete them first, so the statement keeps its note instead."""
    if isinstance(c, ch.InsertRows) and c.query and c.table not in before.tables:
        return never(UNKNOWN)
    return inv


def _note(table: QName, key: tuple[str, ...], cat: Catalog) -> str:
    cols = ", ".join(f'"{k}"' for k in key)
    note = (
        f"deletes the rows of {_t(table)} whose key ({cols}) the INSERT's query yields when "
        "down.sql runs: rows added since with such a key go too, and the query reads "
        "today's data, not the data at migration time; after a migration that failed on "
        "this INSERT's duplicate key, it deletes the rows the INSERT collided with"
    )
    for other, action in _pointing(table, cat):
        if action == "CASCADE":
            note += f"; rows of {_t(other)} that point at them are deleted too (ON DELETE CASCADE)"
        elif action.startswith("SET"):
            note += f"; rows of {_t(other)} that point at them are changed ({action})"
        else:
            note += (
                f"; down.sql's preflight stops it, before any change, while rows of "
                f"{_t(other)} point at them ({action})"
            )
    return note


def _pointing(table: QName, cat: Catalog) -> list[tuple[QName, str]]:
    """Tables whose foreign keys point at ``table``, each with its ON DELETE action."""
    out: list[tuple[QName, str]] = []
    for t in cat.tables.values():
        for k in t.constraints:
            if k.kind == "f" and k.ref_table == table:
                action = on_delete(k)
                if (t.name, action) not in out:
                    out.append((t.name, action))
    return out


def on_delete(k: Constraint) -> str:
    """A foreign key's ON DELETE action, upper case, one space: NO ACTION when unsaid."""
    m = _ON_DELETE.search(k.tail)
    return " ".join(m.group(1).upper().split()) if m else "NO ACTION"
