"""Which tables the steps of a migration touch, and how surely down.sql gives their rows back.

``verify`` fills every table with rows before a migration and, after down.sql, holds the
rows of a table to what they were only where the engine promised it: a table no step
touched, or touched by ``exact`` steps only. A ``loses-data`` or ``irreversible`` step
makes its tables report what was lost instead. A step whose tables cannot be named (a
``DO`` block, SQL not understood) is counted against every table (``unknown``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core import dialects
from prisma_down.core.analysis import ScriptAnalysis
from prisma_down.core.catalog import Catalog
from prisma_down.core.inverse import Risk
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import QName

_ENUM_CHANGES = (
    ch.CreateEnum,
    ch.DropEnum,
    ch.RenameEnum,
    ch.AddEnumValue,
    ch.RenameEnumValue,
    ch.DropEnumValue,
    ch.ReplaceEnum,
)
# Data statements whose rows foreign keys may carry to other tables (ON DELETE CASCADE,
# SET NULL, ON UPDATE CASCADE): their referencing tables count as touched too.
_REACHES = frozenset({"UPDATE", "DELETE", "TRUNCATE", "MERGE"})


@dataclass(frozen=True)
class TableRisks:
    """The worst risk of the steps touching each table (``risks``), and of the steps whose
    tables are unknown (``unknown``: ``exact`` when there is none)."""

    risks: Mapping[QName, Risk]
    unknown: Risk = Risk.EXACT

    def exact(self, table: QName) -> bool:
        """Whether every step that may touch ``table`` is exact (none touching it is too)."""
        return self.unknown is Risk.EXACT and self.risks.get(table, Risk.EXACT) is Risk.EXACT


def table_risks(analysis: ScriptAnalysis, dialect: str) -> TableRisks:
    """Each table a step of ``analysis`` touches (its statement's changes, and the changes
    of their inverses), with the worst risk among those steps."""
    risks: dict[QName, Risk] = {}
    unknown = Risk.EXACT
    cats = (analysis.before, analysis.after)
    for step in analysis.steps:
        risk = step.risk
        changes = [*step.reading.changes, *(c for i in step.inverses for c in i.changes)]
        names: set[QName] = set()
        known = True
        for change in ch.flat(changes):
            found = tables_of(change, cats, step.statement.text, dialect)
            if found is None:
                known = False
            else:
                names |= found
        if not known and risk.rank > unknown.rank:
            unknown = risk
        for name in names:
            if risk.rank > risks.get(name, Risk.EXACT).rank:
                risks[name] = risk
            else:
                risks.setdefault(name, risk)
    return TableRisks(risks, unknown)


def tables_of(
    change: ch.Change, cats: tuple[Catalog, ...], text: str, dialect: str
) -> set[QName] | None:
    """The tables whose rows ``change`` may touch; None when they cannot be named."""
    if isinstance(change, ch.CreateTable):
        return {change.table.name}
    if isinstance(change, ch.DropTable):
        return {change.name}
    if isinstance(change, ch.RenameTable):
        return {change.old, change.new}
    if isinstance(change, ch.RedefineTable):
        return {change.table.name}
    if isinstance(change, ch.CreateIndex):
        return {change.index.table}
    if isinstance(change, ch.DropIndex | ch.RenameIndex):
        name = change.name if isinstance(change, ch.DropIndex) else change.old
        if change.table is not None:
            return {change.table}
        found = {c.indexes[name][0] for c in cats if name in c.indexes}
        return found or set()  # an index the history never made: no rows to touch
    if isinstance(change, _ENUM_CHANGES):
        enum = _enum_name(change)
        return {t for c in cats for t, _ in c.enum_columns(enum)}
    if isinstance(change, ch.CreateObject):
        return {change.object.table} if change.object.table is not None else set()
    if isinstance(change, ch.DropObject):
        return {change.table} if change.table is not None else set()
    if isinstance(change, ch.DataChange | ch.Unsupported):
        return _data_targets(text, dialect, cats)
    if isinstance(change, ch.InsertRows | ch.DeleteRows):
        return {change.table}
    table = getattr(change, "table", None)  # the column and constraint changes
    if isinstance(table, QName):
        return {table}
    # RenameObject, SetComment, Transaction, SessionSetting, Verbatim, AlterSequence: no rows
    return set()


def _enum_name(change: ch.Change) -> QName:
    if isinstance(change, ch.CreateEnum):
        return change.enum.name
    if isinstance(change, ch.DropEnum):
        return change.name
    if isinstance(change, ch.RenameEnum):
        return change.old
    enum = getattr(change, "enum", None)
    assert isinstance(enum, QName)
    return enum


def _data_targets(text: str, dialect: str, cats: tuple[Catalog, ...]) -> set[QName] | None:
    """The table an UPDATE, DELETE, TRUNCATE, INSERT or MERGE writes (TRUNCATE: each one),
    with the tables whose foreign keys reach it for the ones that remove or rewrite rows."""
    try:
        c = _cursor(text, dialect)
        verb = c.next().upper
        if verb == "UPDATE":
            c.accept("ONLY")
            found = [c.qname()]
        elif verb == "DELETE":
            c.expect("FROM")
            c.accept("ONLY")
            found = [c.qname()]
        elif verb in ("INSERT", "REPLACE"):
            c.accept("INTO")
            found = [c.qname()]
        elif verb == "MERGE":
            c.expect("INTO")
            found = [c.qname()]
        elif verb == "TRUNCATE":
            c.accept("TABLE")
            c.accept("ONLY")
            found = [c.qname()]
            while c.accept_punct(","):
                c.accept("ONLY")
                found.append(c.qname())
        else:
            return None
    except ReadError:
        return None
    out = set(found)
    if verb in _REACHES:
        todo = list(found)
        while todo:
            table = todo.pop()
            for cat in cats:
                for child, _ in cat.foreign_keys_to(table):
                    if child not in out:
                        out.add(child)
                        todo.append(child)
    return out


def _cursor(text: str, dialect: str) -> Cursor:
    own = dialects.get(dialect).cursor
    if own is not None:
        return own(text)  # type: ignore[no-any-return]
    from prisma_down.core.read import postgres

    return postgres.cursor(text, dialect)


__all__ = ["TableRisks", "table_risks", "tables_of"]
