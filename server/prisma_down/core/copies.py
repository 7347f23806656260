"""Where a dropped column's values still are when down.sql puts the column back.

down.sql undoes a migration's steps last first, so when it undoes step ``j`` the database
is as the migration left it right after ``j``: later renames and type changes are already
undone. The catalog after the whole migration is the wrong one to ask (a copy renamed to
the dropped column's name, a table renamed later, a column dropped and re-added under the
same name). ``states`` replays the migration to give each inverse the catalog as it stands
at its step; ``follow`` walks the steps tracking each ``UPDATE t SET tmp = f(col)`` through
renames until ``col`` is dropped, so the column comes back filled by the inverse of ``f``
(``core.conversions``).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core.analysis import ScriptAnalysis, flatten
from prisma_down.core.catalog import Catalog, CatalogError, apply, type_base
from prisma_down.core.conversions import Conversion, read, round_trips
from prisma_down.core.schema import QName
from prisma_down.core.value_map import unquote

_QNAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*))?'
_IDENT = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_UPDATE = re.compile(rf"^\s*UPDATE\s+(?:ONLY\s+)?({_QNAME})(?![\w$.\"])", re.I)
_SET = re.compile(rf"^\s*UPDATE\s+(?:ONLY\s+)?{_QNAME}\s+SET\s+({_IDENT})\s*=\s*(.+?)\s*;?\s*$",
                  re.I | re.S)  # fmt: skip
_EPOCH_FROM = re.compile(r"EXTRACT\s*\(\s*EPOCH\s+FROM\b", re.I)

# per step, per inverse: the catalog before and after the change it undoes, and the change
States = list[list[tuple[Catalog, Catalog, ch.Change]]]


def states(analysis: ScriptAnalysis) -> States | None:
    """The catalog before and after each step's changes, aligned with its inverses (as
    ``analysis.replay`` decided them), or None where they do not line up."""
    cat = analysis.before
    out: States = []
    for step in analysis.steps:
        row: list[tuple[Catalog, Catalog, ch.Change]] = []
        for change in step.reading.changes:
            done = flatten((change,), lambda: cat) if isinstance(change, ch.Guarded) else (change,)  # noqa: B023
            for one in done:
                was = cat
                with contextlib.suppress(CatalogError):  # as replay: the change is skipped
                    cat = apply(cat, one)
                row.append((was, cat, one))
        if len(row) != len(step.inverses):
            return None
        out.append(row)
    return out


def update(text: str) -> tuple[QName, str | None, str | None] | None:
    """``(table, column, expression)`` of an UPDATE: the column and expression only for
    ``UPDATE t SET c = expr`` with nothing else (None for any other UPDATE)."""
    m = _UPDATE.match(text)
    if m is None:
        return None
    table, _ = type_base(m.group(1))
    s = _SET.match(text)
    if s is None:
        return table, None, None
    expression = s.group(2)
    if re.search(r"\b(WHERE|FROM|RETURNING)\b", _EPOCH_FROM.sub("", expression), re.I):
        return table, None, None
    if re.search(r",\s*" + _IDENT + r"\s*=", _EPOCH_FROM.sub("", expression)):
        return table, None, None  # more than one column set
    return table, unquote(s.group(1)), expression


@dataclass
class Copy:
    """Values of ``source`` copied into ``target`` of ``table`` through ``conversion``;
    names as they stand at the step being walked. ``alive``: the copy still holds them."""

    table: QName
    source: str
    target: str
    conversion: Conversion
    dropped: bool = False  # the source is gone
    alive: bool = True


@dataclass(frozen=True)
class Fill:
    """A dropped column to fill back from ``target`` (as named at the step undone) through
    the inverse of ``conversion``; ``table``.``column``: the copy as the migration leaves it."""

    target: str
    conversion: Conversion
    table: QName
    column: str


Fills = dict[tuple[int, int], dict[tuple[QName, str], Fill]]


def follow(analysis: ScriptAnalysis, at: States) -> Fills:
    """``(step, inverse) → {(table, dropped column): where its values are}``, for columns
    the migration copied elsewhere before dropping them, the copy intact to the end."""
    copies: list[Copy] = []
    out: Fills = {}
    pending: list[tuple[tuple[int, int], tuple[QName, str], Copy, str]] = []
    for si, step in enumerate(analysis.steps):
        found = update(step.statement.text)
        if found is not None:
            table, column, expression = found
            for c in copies:
                if c.table == table and (column is None or column in (c.target, c.source)):
                    c.alive = False  # its values overwritten
            cat = at[si][0][0] if at[si] else _after(analysis, at, si)
            t = cat.tables.get(table)
            names = tuple(c.name for c in t.columns) if t is not None else ()
            conv = read(expression, names) if expression is not None else None
            if (
                conv is not None
                and column is not None
                and t is not None
                and (t.column(column) is not None and t.column(conv.source) is not None)
            ):
                copies.append(Copy(table, conv.source, column, conv))
        for ii, (was, now, change) in enumerate(at[si]):
            for c in _walk(change, copies, was, now):
                pending.append(((si, ii), (c.table, c.source), c, c.target))
    for key, dropped, copy, target in pending:
        if copy.alive:
            fill = Fill(target, copy.conversion, copy.table, copy.target)
            out.setdefault(key, {})[dropped] = fill
    return out


def _after(analysis: ScriptAnalysis, at: States, si: int) -> Catalog:
    """The catalog before step ``si`` (one without changes of its own)."""
    for row in reversed(at[:si]):
        if row:
            return row[-1][1]
    return analysis.before


def _walk(change: ch.Change, copies: list[Copy], was: Catalog, now: Catalog) -> list[Copy]:
    """Follow one change: renames move copies, anything that rewrites a copy's values
    before its source is dropped (or drops it) ends it; the copies whose source it drops."""
    dropped: list[Copy] = []
    for c in copies:
        if not c.alive:
            continue
        if isinstance(change, ch.RenameTable) and change.old == c.table:
            c.table = change.new
        elif isinstance(change, ch.DropTable) and change.name == c.table:
            c.alive = False
        elif isinstance(change, ch.RenameColumn) and change.table == c.table:
            if change.old == c.target:
                c.target = change.new
            elif change.old == c.source and not c.dropped:
                c.source = change.new
        elif isinstance(change, ch.DropColumn) and change.table == c.table:
            if change.name == c.target:
                c.alive = False
            elif change.name == c.source and not c.dropped:
                c.dropped = True
                dropped.append(c)
        elif (
            isinstance(change, ch.AlterColumnType)
            and (change.table, change.column) == (c.table, c.target)
            and (not c.dropped or not _back(change, was, now))
        ):
            c.alive = False  # the values changed before the drop, or cannot come back
    return dropped


def _back(change: ch.AlterColumnType, was: Catalog, now: Catalog) -> bool:
    """Whether down.sql's cast back of this type change gives the copy's values back."""
    t = was.tables.get(change.table)
    col = t.column(change.column) if t is not None else None
    return col is not None and round_trips(col.type, change.type, change.using, col.name, now)
