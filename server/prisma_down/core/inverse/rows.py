"""Inverses of rows and session statements: inserted rows are deleted by a literal key (or,
for INSERT … SELECT, by the keys the query yields: ``seeds``); what no statement can undo
(deleted rows, arbitrary data changes) is irreversible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.inverse.model import NOTHING, Inverse, exact, never
from prisma_down.core.inverse.seeds import invert_insert_query, keys
from prisma_down.core.names import qualified as _t


def _transaction(c: ch.Transaction, cat: Catalog) -> Inverse:
    return exact(ch.Transaction(not c.begin))


def _session(c: ch.SessionSetting, cat: Catalog) -> Inverse:
    return NOTHING


def _insert(c: ch.InsertRows, cat: Catalog) -> Inverse:
    if c.query:
        return invert_insert_query(c, cat)
    t = cat.tables.get(c.table)
    if t is None:
        return never(f"rows inserted into {_t(c.table)}, a table the history never created")
    for key in keys(t, cat):
        if key and all(k in c.columns for k in key):
            pos = [c.columns.index(k) for k in key]
            values = tuple(tuple(row[p] for p in pos) for row in c.rows)
            if all(_literal(v) for row in values for v in row):
                return exact(ch.DeleteRows(c.table, key, values))
    return never(f"rows inserted into {_t(c.table)} have no literal key to delete them by")


_LITERAL = re.compile(r"^(?:'(?:[^']|'')*'(?:::[\w\" \[\]()]+)?|-?\d+(?:\.\d+)?|TRUE|FALSE)$", re.I)


def _literal(v: str) -> bool:
    return bool(_LITERAL.match(v.strip()))


def _data(c: ch.DataChange, cat: Catalog) -> Inverse:
    return never(c.what)


def _unsupported(c: ch.Unsupported, cat: Catalog) -> Inverse:
    return never(c.what)


def _delete_rows(c: ch.DeleteRows, cat: Catalog) -> Inverse:
    return never(f"rows deleted from {_t(c.table)} cannot be restored")


def _verbatim(c: ch.Verbatim, cat: Catalog) -> Inverse:
    return never("a statement kept verbatim has no known inverse")


INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    ch.Transaction: _transaction,
    ch.SessionSetting: _session,
    ch.InsertRows: _insert,
    ch.DeleteRows: _delete_rows,
    ch.DataChange: _data,
    ch.Unsupported: _unsupported,
    ch.Verbatim: _verbatim,
}
