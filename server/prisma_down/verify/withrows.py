"""One migration's round trip on a database that holds rows, as a real rollback meets it.

Before the migration every table is topped up with generated rows (:mod:`.fill`); then
snapshot (schema and rows), migration.sql, down.sql, compare, migration.sql again, compare,
as :func:`~prisma_down.verify.roundtrip.verify_history` does, plus:

- after down.sql, every table the engine's analysis called exact for this migration
  (:func:`prisma_down.core.touched.table_risks`) must hold the rows it held before; the
  others report what they lost;
- down.sql runs as a client without a transaction of its own runs it (psql, a GUI, MySQL):
  statement by statement. When it fails, the database where it stopped is compared with the
  one before down.sql: ``stopped-clean`` (the same: the file stopped before changing
  anything, or inside its own transaction) or ``stopped-halfway``;
- a migration.sql that fails on the rows (a NOT NULL column added without a default) is
  verified on empty tables instead, and says so.

After a trial that leaves the database wrong, ``restart`` rebuilds the history before the
migration (tables empty) and migration.sql is applied again, so the next migration starts
where the history says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from prisma_down.core.schema import QName
from prisma_down.core.touched import TableRisks
from prisma_down.verify import rowdiff
from prisma_down.verify.fill import FillReport, fill
from prisma_down.verify.live import Name, RowsEngine, RowSets, shown
from prisma_down.verify.roundtrip import RowsReport, Verdict, verify_history
from prisma_down.verify.target import Target, one_line

STOPPED_CLEAN = "stopped-clean"
STOPPED_HALFWAY = "stopped-halfway"
STOPPED = frozenset({STOPPED_CLEAN, STOPPED_HALFWAY})


@dataclass(frozen=True)
class Moment:
    """The schema and every table's rows at one moment."""

    schema: Any
    rows: RowSets


def verify_with_rows(
    target: Target,
    engine: RowsEngine,
    name: str,
    up: str,
    down: str,
    risks: TableRisks,
    restart: Callable[[], None],
) -> Verdict:
    """The round trip of one migration with rows; ``target.conn`` holds the history before
    it, and holds it with this migration applied afterwards."""
    conn = target.conn
    schema = engine.default_schema(conn)

    def qname(n: Name) -> QName:
        return QName("" if n[0] == schema else n[0], n[1])

    filled = fill(conn, engine, engine.tables(conn), name, lambda n: qname(n) in risks.risks)
    report = _report(filled, schema)

    def moment() -> Moment:
        return Moment(target.snapshot(conn), engine.rows(conn))

    before = moment()
    error = target.apply(conn, up)
    if error is not None:
        return _on_empty_tables(target, engine, name, up, down, before, error, report, restart)
    after = target.snapshot(conn)
    stop = engine.stepwise(conn, down, moment)
    if stop.error is not None:
        seen: Moment = stop.seen
        start: Moment = stop.start if stop.start is not None else moment()  # rewound: now
        changed = target.diff(after, seen.schema)
        changed += rowdiff.compare(start.rows, seen.rows, lambda _: True, schema).differences
        status = STOPPED_HALFWAY if changed else STOPPED_CLEAN
        if not stop.rewound and changed:
            _rebuild(target, up, restart)
        return Verdict(name, status, tuple(_stopped(d) for d in changed), stop.error, report)
    restored = moment()
    differences = target.diff(before.schema, restored.schema)
    check = rowdiff.compare(before.rows, restored.rows, lambda n: risks.exact(qname(n)), schema)
    report = replace(report, compared=check.compared, lost=check.lost)
    differences += check.differences
    error = target.apply(conn, up)
    if error is not None:
        if target.diff(restored.schema, target.snapshot(conn)):
            _rebuild(target, up, restart)
        else:  # migration.sql changed nothing: empty the tables, apply it again
            engine.empty(conn, engine.tables(conn))
            if target.apply(conn, up) is not None:
                _rebuild(target, up, restart)
        return Verdict(name, "reapply-failed", tuple(differences), error, report)
    if differences:
        return Verdict(name, "mismatch", tuple(differences), None, report)
    redo = tuple(target.diff(after, target.snapshot(conn)))
    if redo:
        return Verdict(name, "reapply-mismatch", redo, None, report)
    return Verdict(name, "restored", (), None, report)


def _on_empty_tables(
    target: Target,
    engine: RowsEngine,
    name: str,
    up: str,
    down: str,
    before: Moment,
    error: str,
    report: RowsReport,
    restart: Callable[[], None],
) -> Verdict:
    """migration.sql failed with the rows: back to the state before it, tables emptied,
    and the round trip without rows."""
    conn = target.conn
    now = target.snapshot(conn)
    known = [] if target.diff(before.schema, now) else [now]
    if not known:
        restart()  # it stopped halfway (MySQL commits each statement): rebuild the history
    else:
        engine.empty(conn, engine.tables(conn))

    def first_known(c: Any) -> Any:  # the schema as it is now, already read once
        return known.pop() if known else target.snapshot(c)

    (verdict,) = verify_history(conn, [(name, up, down)], target.apply, first_known, target.diff)
    return replace(verdict, rows=replace(report, up_error=one_line(error)))


def _rebuild(target: Target, up: str, restart: Callable[[], None]) -> None:
    """The history before the migration from scratch, then the migration: where the next
    migration expects the database."""
    restart()
    target.apply(target.conn, up)


def _stopped(difference: str) -> str:
    """A difference between the database before down.sql and where it stopped."""
    return f"where down.sql stopped: {difference}"


def _report(filled: FillReport, schema: str) -> RowsReport:
    return RowsReport(
        inserted=tuple((shown(n, schema), k) for n, k in sorted(filled.inserted.items())),
        refused=tuple(
            (shown(n, schema), k, one_line(why)) for n, (k, why) in sorted(filled.refused.items())
        ),
    )


__all__ = ["STOPPED", "STOPPED_CLEAN", "STOPPED_HALFWAY", "verify_with_rows"]
