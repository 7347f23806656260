"""What the database drops along with a column: the constraints, indexes and keys on it."""

from __future__ import annotations

import functools
import re

from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog, keys_to
from prisma_down.core.schema import Constraint, Index, QName


# -- dependents: what the database drops along with a column or a table
@functools.lru_cache(maxsize=2048)
def _mention(column: str) -> re.Pattern[str]:
    """The column's name as an expression mentions it (quoted, or bare when lower case).

    Kept per name: a history drops columns of the same few names again and again, and
    compiling it anew each time was ~6% of ``generate``'s time on trigger.dev.
    """
    bare = re.escape(column) if column.islower() else "(?!)"
    return re.compile(r'(?<![\w"])(?:"' + re.escape(column) + r'"|' + bare + r')(?![\w"])')


def column_dependents(
    cat: Catalog, table: QName, column: str
) -> tuple[list[Constraint], list[Index], list[tuple[QName, Constraint]]]:
    """Constraints and indexes of ``table`` that use ``column``, and foreign keys elsewhere."""
    t = cat.tables[table]

    def mentioned(text: str) -> bool:  # the name must be in the text for the pattern to match
        return column in text and _mention(column).search(text) is not None

    cons = [
        k for k in t.constraints if column in k.columns or (k.kind in "cx" and mentioned(k.tail))
    ]
    idx = [
        ix
        for ix in cat.table_indexes(table)
        if any(
            e.column == column or (e.expression and mentioned(e.expression)) for e in ix.elements
        )
        or column in ix.include
        or (ix.where is not None and mentioned(ix.where))
    ]
    fks = keys_to(cat, table, column)
    return cons, idx, fks
