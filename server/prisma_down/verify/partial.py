"""Half-applied migrations: the states a failed migration.sql leaves, and down.sql from each.

Prisma's recipe for a migration that failed is to run down.sql and mark it rolled back, so
down.sql has to work from wherever the failure left the database. On PostgreSQL
migration.sql is one implicit transaction: a failure leaves nothing, or everything up to an
explicit COMMIT (Prisma's enum replacement, ``BEGIN; … COMMIT;``); on MySQL (and SQLite)
each statement commits on its own, so any number of them (``core.guards.stop_points``).

For each such state: apply that prefix of migration.sql, apply down.sql, compare with the
snapshot from before. A trial that leaves the database wrong is followed by a fresh start:
the database emptied and the history replayed up to the migration. Then the usual check
(``roundtrip.verify_history``) runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from prisma_down.core.guards import stop_points
from prisma_down.core.statements import Script, split
from prisma_down.verify.roundtrip import Apply, Verdict, verify_history

PARTIAL_MISMATCH = "partial-mismatch"
PARTIAL_DOWN_FAILED = "partial-down-failed"
FAILING = frozenset({PARTIAL_MISMATCH, PARTIAL_DOWN_FAILED})


def partial_prefixes(script: Script | str, dialect: str) -> list[tuple[int, str]]:
    """``(k, text)``: each state a failed run can leave, as the migration.sql that makes it.

    ``text`` is migration.sql cut after its ``k``-th statement (``BEGIN … COMMIT`` stays
    whole: PostgreSQL states end at a COMMIT); ``k = 0`` is the empty text.
    """
    if isinstance(script, str):
        script = split(script, dialect)
    statements = script.statements
    out: list[tuple[int, str]] = []
    for k in stop_points([st.text for st in statements], dialect):
        out.append((k, script.text[: statements[k - 1].span.end] if k else ""))
    return out


@dataclass(frozen=True)
class Trial:
    """down.sql applied in one partial state: after ``applied`` of ``total`` statements.

    ``status``: ``restored``, ``partial-mismatch`` (``differences``), ``partial-down-failed``
    (``error``), or ``not-reached`` (the prefix itself failed here: no such state).
    """

    applied: int
    total: int
    line: int  # 1-based line of the statement it stopped before
    status: str
    differences: tuple[str, ...] = ()
    error: str | None = None

    @property
    def where(self) -> str:
        stopped = "statement" if self.total == 1 else "statements"
        return f"after {self.applied} of {self.total} {stopped} (stopped before line {self.line})"

    @property
    def failed(self) -> bool:
        return self.status in FAILING


@dataclass(frozen=True)
class PartialVerdict(Verdict):
    """A migration's verdict with its partial trials; failed trials are named in it too."""

    trials: tuple[Trial, ...] = ()


def verify_partial(
    conn: Any,
    name: str,
    up: str,
    down: str,
    dialect: str,
    apply: Apply,
    snapshot: Callable[[Any], Any],
    diff: Callable[[Any, Any], list[str]],
    restart: Callable[[], None],
    full: Callable[[], Verdict] | None = None,
) -> PartialVerdict:
    """Every partial state of ``up``, then the complete round trip, on ``conn``.

    ``conn`` holds the history up to this migration; ``restart`` brings it back there
    from scratch after a trial that left it wrong. ``full``: the complete round trip to
    run instead of :func:`~prisma_down.verify.roundtrip.verify_history` (the one with rows).
    """
    script = split(up, dialect)
    total = len(script.statements)
    before = snapshot(conn)
    trials: list[Trial] = []
    for k, prefix in partial_prefixes(script, dialect):
        line = script.lines.position(script.statements[k].span.start).line + 1
        trial = _trial(conn, prefix, down, apply, snapshot, diff, before, (k, total, line))
        trials.append(trial)
        if trial.status != "restored":
            restart()
    # the database is as it was before (restored, or started afresh: then look again)
    known = [before] if all(t.status == "restored" for t in trials) else []

    def first_known(c: Any) -> Any:
        return known.pop() if known else snapshot(c)

    if full is not None:
        return _combined(full(), tuple(trials))
    (whole,) = verify_history(conn, [(name, up, down)], apply, first_known, diff)
    return _combined(whole, tuple(trials))


def _trial(
    conn: Any,
    prefix: str,
    down: str,
    apply: Apply,
    snapshot: Callable[[Any], Any],
    diff: Callable[[Any, Any], list[str]],
    before: Any,
    at: tuple[int, int, int],
) -> Trial:
    if prefix.strip():
        error = apply(conn, prefix)
        if error is not None:
            return Trial(*at, "not-reached", error=error)
    error = apply(conn, down)
    if error is not None:
        return Trial(*at, PARTIAL_DOWN_FAILED, error=error)
    differences = tuple(diff(before, snapshot(conn)))
    if differences:
        return Trial(*at, PARTIAL_MISMATCH, differences)
    return Trial(*at, "restored")


def _combined(full: Verdict, trials: tuple[Trial, ...]) -> PartialVerdict:
    """The complete check's verdict, or else the first failed trial's; all failures named."""
    failed = [t for t in trials if t.failed]
    differences = list(full.differences)
    differences += [f"{t.where}: {d}" for t in failed for d in t.differences]
    differences += [f"{t.where}: down.sql failed: {t.error}" for t in failed if t.error]
    status, error = full.status, full.error
    if failed and status not in ("mismatch", "down-failed", "reapply-failed", "reapply-mismatch"):
        first = failed[0]
        status = first.status
        if first.error is not None:
            error = f"{first.where}: {first.error}"
            differences.remove(f"{first.where}: down.sql failed: {first.error}")
    return PartialVerdict(
        full.name, status, tuple(differences), error, rows=full.rows, trials=trials
    )


def verify_partial_history(
    conn: Any,
    migrations: Sequence[tuple[str, str, str]],
    dialect: str,
    apply: Apply,
    snapshot: Callable[[Any], Any],
    diff: Callable[[Any, Any], list[str]],
    reset: Callable[[Any], None],
) -> list[PartialVerdict]:
    """``verify_partial`` for ``(name, up, down)`` in order on ``conn``, an empty database.

    ``reset`` empties the database; the history so far is replayed after it.
    """
    done: list[str] = []

    def restart() -> None:
        reset(conn)
        for text in done:
            apply(conn, text)  # as in the first run: one that failed fails again

    out: list[PartialVerdict] = []
    for name, up, down in migrations:
        out.append(verify_partial(conn, name, up, down, dialect, apply, snapshot, diff, restart))
        done.append(up)
    return out


__all__ = [
    "FAILING",
    "PARTIAL_DOWN_FAILED",
    "PARTIAL_MISMATCH",
    "PartialVerdict",
    "Trial",
    "partial_prefixes",
    "verify_partial",
    "verify_partial_history",
]
