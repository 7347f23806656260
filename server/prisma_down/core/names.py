"""Names as the catalog keys and writes them: quoting, qualified names, comment targets,
and the names PostgreSQL makes up for what a statement does not name.

The catalog keys every object by its name quoted the PostgreSQL way (``"schema"."name"``),
whatever the engine; ``core.escape`` writes names into generated SQL for one engine.
"""

from __future__ import annotations

from prisma_down.core.dialects import Dialect
from prisma_down.core.schema import QName

MAXLEN = 63  # PostgreSQL's NAMEDATALEN - 1: longer names are cut


def quote(name: str) -> str:
    """``name`` in double quotes, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def qualified(name: QName) -> str:
    """``"schema"."name"``, or ``"name"`` when the schema is the current one ("")."""
    return f"{quote(name.schema)}.{quote(name.name)}" if name.schema else quote(name.name)


def quote_for(name: str, dialect: Dialect) -> str:
    """``name`` quoted inside an expression kept as text: ``"…"`` unless the engine reads
    that as a string (MySQL), then its own identifier quotes."""
    if not dialect.double_quotes_are_strings:
        return quote(name)
    left, right = dialect.quotes
    return left + name.replace(right, right + right) + right


def comment_target(name: QName, column: str | None = None) -> str:
    """How the catalog keys the target of COMMENT ON TABLE/COLUMN/INDEX/...: fully quoted."""
    target = qualified(name)
    return target if column is None else f"{target}.{quote(column)}"


def pg_name(table: str, columns: tuple[str, ...] | list[str], label: str) -> str:
    """The name PostgreSQL chooses (ChooseRelationName): ``table_columns_label``, the longer
    of the two parts cut byte by byte until it fits in ``MAXLEN``."""
    name1, name2 = table, "_".join(columns)
    avail = MAXLEN - len(label) - 1 - (1 if name2 else 0)
    l1, l2 = len(name1.encode()), len(name2.encode())
    while l1 + l2 > avail:
        if l1 > l2:
            l1 -= 1
        else:
            l2 -= 1
    n1 = name1.encode()[:l1].decode(errors="ignore")
    n2 = name2.encode()[:l2].decode(errors="ignore")
    return f"{n1}_{n2}_{label}" if n2 else f"{n1}_{label}"
