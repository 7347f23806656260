"""The tables of a live database as the rows verify writes see them, read from its catalog.

Each engine's rows module (``postgres_rows``, ``mysql_rows``, ``sqlite_rows``) reads these
from the engine itself (pg_catalog, information_schema, PRAGMA), never from prisma-down's
own catalog: the rows are an independent check of what the engine worked out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

Name = tuple[str, str]
"""(schema, table); SQLite's schema is ``main``."""


@dataclass(frozen=True)
class Kind:
    """What values a column takes, in words every engine's type maps to.

    ``name``: int, decimal, float, bool, text, char, date, timestamp, timestamptz, time,
    timetz, interval, year, uuid, json, bytes, enum, set, bit, varbit, inet, cidr, macaddr,
    money, tsvector, xml, point, range, array or unknown. ``size``: an int's bits, a text's,
    char's, bytes' or bit string's length, a decimal's precision; ``scale``: a decimal's;
    ``labels``: an enum's or set's (or the values a CHECK allows a text column);
    ``element``: an array's; ``sub``: a range's element type name (int, numeric, date, ts).
    """

    name: str
    size: int | None = None
    scale: int | None = None
    labels: tuple[str, ...] = ()
    element: Kind | None = None
    sub: str = ""
    unsigned: bool = False
    fixed: bool = False  # bytes of a fixed length (MySQL BINARY(n))


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    type_sql: str  # the engine's spelling, for casts (PostgreSQL's format_type)
    nullable: bool
    default: str | None = None  # its DEFAULT expression, None without one
    auto: bool = False  # identity, serial, AUTO_INCREMENT, rowid: left to the database
    generated: bool = False  # computed from other columns: never written


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: Name
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: Name
    columns: tuple[Column, ...]
    keys: tuple[tuple[str, ...], ...] = ()  # the primary key's and every unique one's columns
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[str, ...] = ()  # CHECK constraints as the engine prints them

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Pick:
    """A value taken from a parent row: ``column`` of row ``offset`` of ``table``, its rows
    ordered by ``key`` (rows with a NULL in ``key`` left out). With ``free``, only rows no
    row of ``free[0]`` points at yet through the column pairs ``free[1]`` (child, parent):
    a one-to-one reference. Values an insert writes are either this, None (NULL), or a
    value from :mod:`prisma_down.verify.values`."""

    table: Name
    key: tuple[str, ...]
    column: str
    offset: int
    free: tuple[Name, tuple[tuple[str, str], ...]] | None = None

    def where(self, q: Callable[[str], str], qt: Callable[[Name], str]) -> str:
        """The condition on the parent's rows, names quoted by ``q`` and ``qt``."""
        parts = [f"{q(k)} IS NOT NULL" for k in self.key]
        if self.free is not None:
            child, pairs = self.free
            on = " AND ".join(f"prisma_down_c.{q(c)} = prisma_down_p.{q(p)}" for c, p in pairs)
            parts.append(f"NOT EXISTS (SELECT 1 FROM {qt(child)} AS prisma_down_c WHERE {on})")
        return " AND ".join(parts) or "1 = 1"


@dataclass(frozen=True)
class Rows:
    """A table's rows as a multiset of tuples, each value as text (None for NULL), the
    columns in name order so that a column put back at the end compares equal."""

    columns: tuple[str, ...]
    rows: Counter[tuple[str | None, ...]] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.rows.values())

    def project(self, columns: Sequence[str]) -> Counter[tuple[str | None, ...]]:
        """The rows restricted to ``columns`` (each must be one of this table's)."""
        at = [self.columns.index(c) for c in columns]
        out: Counter[tuple[str | None, ...]] = Counter()
        for row, n in self.rows.items():
            out[tuple(row[i] for i in at)] += n
        return out


RowSets = Mapping[Name, Rows]


@dataclass(frozen=True)
class Stop:
    """How a script run statement by statement ended: ``error`` None when it ran through;
    ``seen`` what ``inspect`` found where it stopped; ``rewound``: the database is back as
    it was before the script (the engine could undo the stop), else it stays where it
    stopped, and ``start`` is what ``inspect`` found before the script ran."""

    error: str | None
    seen: Any = None
    rewound: bool = False
    start: Any = None


@dataclass(frozen=True)
class RowsEngine:
    """What an engine offers the rows check: read its tables, write and read rows, empty
    them, and run a script the way a client without a transaction would (``stepwise``)."""

    tables: Callable[[Any], list[Table]]
    counts: Callable[[Any, Sequence[Table]], dict[Name, int]]
    insert: Callable[[Any, Table, Sequence[tuple[Column, Any]]], str | None]
    rows: Callable[[Any], dict[Name, Rows]]
    empty: Callable[[Any, Sequence[Table]], None]
    stepwise: Callable[[Any, str, Callable[[], Any]], Stop]
    default_schema: Callable[[Any], str]


_STRING = re.compile(r"'((?:[^']|'')*)'")
_LIST = re.compile(r"\bIN\s*\(|=\s*ANY\s*\(", re.I)


def check_labels(columns: Sequence[Column], checks: Sequence[str]) -> list[Column]:
    """Columns whose CHECK allows only listed strings (``"status" IN ('a', 'b')``, which
    PostgreSQL prints as ``= ANY (ARRAY['a'::text, …])``) get those strings as labels, so
    generated rows pass it. Other CHECKs are met by chance or by retrying."""
    out = list(columns)
    for check in checks:
        if not _LIST.search(check):
            continue
        bare = _STRING.sub("''", check)
        named = [
            i
            for i, c in enumerate(out)
            if c.kind.name in ("text", "char")
            and (f'"{c.name}"' in bare or f"`{c.name}`" in bare or _word(c.name, bare))
        ]
        labels = tuple(dict.fromkeys(m.replace("''", "'") for m in _STRING.findall(check)))
        if len(named) == 1 and labels:
            col = out[named[0]]
            out[named[0]] = replace(col, kind=replace(col.kind, labels=labels))
    return out


def _word(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w\"`]){re.escape(name)}(?![\w\"`])", text) is not None


def fk_order(tables: Sequence[Table]) -> list[Table]:
    """Parents before children. A cycle is broken at the table with the fewest parents
    still to fill through NOT NULL columns (its nullable references start out NULL)."""
    by_name = {t.name: t for t in tables}
    left = dict(by_name)
    out: list[Table] = []

    def waits_on(t: Table, strict: bool) -> set[Name]:
        found = set()
        for fk in t.foreign_keys:
            if fk.table == t.name or fk.table not in left:
                continue
            if strict:
                cols = [t.column(c) for c in fk.columns]
                if all(c is not None and c.nullable for c in cols):
                    continue
            found.add(fk.table)
        return found

    while left:
        ready = [t for t in left.values() if not waits_on(t, False)]
        if not ready:
            ready = [min(left.values(), key=lambda t: (len(waits_on(t, True)), t.name))]
        for t in sorted(ready, key=lambda t: t.name):
            out.append(t)
            del left[t.name]
    return out


def shown(name: Name, default_schema: str) -> str:
    """``"User"``, or ``"audit"."User"`` outside the default schema."""
    schema, table = name
    q = '"' + table.replace('"', '""') + '"'
    return q if schema == default_schema else '"' + schema.replace('"', '""') + '".' + q


__all__ = [
    "Column",
    "ForeignKey",
    "Kind",
    "Name",
    "Pick",
    "RowSets",
    "Rows",
    "RowsEngine",
    "Stop",
    "Table",
    "check_labels",
    "fk_order",
    "shown",
]
