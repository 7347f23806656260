"""Fill every table with a few generated rows before a migration's round trip.

Tables are filled parents first (:func:`~prisma_down.verify.live.fk_order`), each up to
:data:`ROWS` rows, and the tables the migration touches get :data:`FRESH` more (up to
:data:`CAP`), so that they hold values of their newest columns and labels. Rows vary on
purpose: the first row of a table sets every column, the next one leaves every column with a
default to it, the next one writes NULL wherever that is allowed, the rest mix the three.
A foreign key points at a real parent row; a self-reference at the row itself or an
earlier one; a reference to a table with no rows yet is NULL where it may be.

Everything is drawn from a random generator seeded with the migration's and the table's
names: the same history fills the same rows. A row the engine refuses (a CHECK, a unique
key, a trigger) is tried again with other values, then with as little as the table
requires, then given up and counted with the engine's message: never fatal.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prisma_down.verify.live import Column, ForeignKey, Name, Pick, RowsEngine, Table, fk_order
from prisma_down.verify.values import Unwritable, value

ROWS = 3  # every table holds at least this many rows before a migration
FRESH = 2  # rows added to each table the migration touches ...
CAP = 12  # ... while it holds fewer than this
_ATTEMPTS = 4


@dataclass
class FillReport:
    """Rows that went in per table, and rows given up with the engine's last message."""

    inserted: dict[Name, int] = field(default_factory=dict)
    refused: dict[Name, tuple[int, str]] = field(default_factory=dict)


class _Refused(Exception):
    """This row cannot be written at all (no parent row, no value of a required type)."""


def fill(
    conn: Any,
    engine: RowsEngine,
    tables: Sequence[Table],
    seed: str,
    touched: Callable[[Name], bool] = lambda _: False,
) -> FillReport:
    """Top up every table of ``tables`` (the live schema) with generated rows."""
    report = FillReport()
    counts = engine.counts(conn, tables)
    for t in fk_order(tables):
        have = counts.get(t.name, 0)
        want = max(ROWS - have, 0)
        if touched(t.name) and have + want < CAP:
            want += min(FRESH, CAP - have - want)
        if not want:
            continue
        digest = hashlib.sha256(f"{seed}\0{t.name[0]}\0{t.name[1]}".encode()).digest()
        rng = random.Random(digest)
        for k in range(want):
            n = counts.get(t.name, 0)
            error = _one_row(conn, engine, t, rng, n, counts)
            if error is None:
                counts[t.name] = n + 1
                report.inserted[t.name] = report.inserted.get(t.name, 0) + 1
            else:  # the next rows would meet the same refusal: given up with it
                report.refused[t.name] = (want - k, error)
                break
    return report


def _one_row(
    conn: Any, engine: RowsEngine, t: Table, rng: random.Random, n: int, counts: dict[Name, int]
) -> str | None:
    """Insert one row, trying again with other values; the last error, or None."""
    error = "no attempt"
    for attempt in range(_ATTEMPTS):
        style = "least" if attempt == _ATTEMPTS - 1 else ("full", "defaults", "nulls", "mix")[n % 4]
        if attempt and style != "least":
            style = "mix"
        try:
            cells = _row(t, rng, n, attempt, style, counts)
        except _Refused as refused:
            return str(refused)
        error = engine.insert(conn, t, cells) or ""
        if not error:
            return None
    return error


def _row(
    t: Table, rng: random.Random, n: int, attempt: int, style: str, counts: dict[Name, int]
) -> list[tuple[Column, Any]]:
    """The columns to write and their values (a column left out takes its default)."""
    refs: dict[str, tuple[int, int]] = {}  # column → (foreign key, its position in it)
    for i, fk in enumerate(t.foreign_keys):
        for j, name in enumerate(fk.columns):
            refs.setdefault(name, (i, j))
    own: dict[str, Any] = {}
    cells: list[tuple[Column, Any]] = []
    for col in t.columns:
        if col.auto or col.generated or col.name in refs:
            continue
        choice = _how(col, style, rng)
        if choice == "default":
            continue
        if choice == "null":
            cells.append((col, None))
            continue
        try:
            own[col.name] = value(col.kind, rng, n)
        except Unwritable as e:
            if col.default is not None:
                continue
            if col.nullable:
                cells.append((col, None))
                continue
            raise _Refused(f'no value can be generated for column "{col.name}" ({e})') from None
        cells.append((col, own[col.name]))
    for i, fk in enumerate(t.foreign_keys):
        columns = [c for c in fk.columns if refs.get(c, (-1, 0))[0] == i]
        if not columns:
            continue
        cols = [c for c in (t.column(name) for name in columns) if c is not None]
        nullable = all(c.nullable for c in cols)
        picked = _parent(t, fk, own, n, attempt, rng, counts)
        if picked is None or (nullable and style == "nulls") or (nullable and style == "least"):
            if not nullable:
                raise _Refused(f"no row in {fk.table[1]} for its foreign key to point at")
            cells += [(c, None) for c in cols]
            continue
        by_name = {c.name: c for c in cols}
        for name, ref in zip(fk.columns, fk.ref_columns, strict=False):
            if name in by_name:
                cells.append((by_name[name], picked(ref)))
    return cells


def _how(col: Column, style: str, rng: random.Random) -> str:
    """``value``, ``default`` (leave it out) or ``null`` for one column of one row."""
    if style == "full":
        return "value"
    if style == "defaults" and col.default is not None:
        return "default"
    if style == "nulls" and col.nullable:
        return "null"
    if style == "least":
        if col.default is not None:
            return "default"
        return "null" if col.nullable else "value"
    if style == "mix":
        roll = rng.random()
        if col.default is not None and roll < 0.3:
            return "default"
        if col.nullable and roll > 0.8:
            return "null"
    return "value"


def _parent(
    t: Table,
    fk: ForeignKey,
    own: dict[str, Any],
    n: int,
    attempt: int,
    rng: random.Random,
    counts: dict[Name, int],
) -> Callable[[str], Any] | None:
    """How to fill a foreign key's columns from one parent row, or None when there is
    none: a self-reference points at the row itself when it writes the referenced columns;
    a one-to-one reference (its columns are a unique key) at a parent row no row points at."""
    parent, ref_columns = fk.table, fk.ref_columns
    if parent == t.name and all(r in own for r in ref_columns) and attempt % 2 == 0:
        return lambda ref: own[ref]
    rows = counts.get(parent, 0)
    if rows == 0:
        return None
    if set(fk.columns) in [set(k) for k in t.keys]:
        free = (t.name, tuple(zip(fk.columns, ref_columns, strict=False)))
        return lambda ref: Pick(parent, ref_columns, ref, attempt, free)
    offset = (n + attempt * rng.randint(1, 7)) % rows
    return lambda ref: Pick(parent, ref_columns, ref, offset)


__all__ = ["CAP", "FRESH", "ROWS", "FillReport", "fill"]
