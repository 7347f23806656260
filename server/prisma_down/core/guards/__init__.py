"""Guards that keep down.sql right when migration.sql stopped halfway.

Prisma's recipe for a failed migration is: run down.sql, then mark the migration rolled
back. A failed run leaves a prefix of migration.sql applied. On PostgreSQL that is nothing
(the script runs as one implicit transaction) or everything up to an explicit COMMIT
(Prisma's enum replacement, ``BEGIN; … COMMIT;``, commits what precedes it); on MySQL each
statement commits on its own, so any prefix. down.sql undoes the last statement first, so
in the state after ``k`` statements the inverses of statements ``k..n-1`` must do nothing
and the others their usual work.

``guard`` replays down.sql over the catalog of every such state alongside the complete
run, and wraps an inverse change in ``Guarded`` where running it in some partial state would
fail or change anything: none where it sets what is already so there (a default put back on
a column no earlier statement touched). It prefers the change's natural guard (the object it
acts on exists; the object it creates does not); when that cannot tell the states apart, an
existence fact that can, first one the undone statement itself changed (an enum label it
added, the old name of what it renamed); when none can, the natural guard, which at least
keeps it from failing.

Only PostgreSQL and MySQL. SQLite has no conditional DDL but IF [NOT] EXISTS, which its
renderer writes on every DROP and CREATE of a down.sql (core.render.sqlite); SQL Server's
TRY/CATCH wrapper and CockroachDB's schema changes (run as background jobs) fail in ways
not modelled here, so their down.sql files are left as they were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from prisma_down.core.analysis import ScriptAnalysis
from prisma_down.core.dialects import Dialect, of
from prisma_down.core.guards.natural import index_table, natural
from prisma_down.core.guards.replay import Pairs, Replay, states_of

_COMMIT = re.compile(r"(?:COMMIT|END)\b", re.I)


def stop_points(texts: Sequence[str], dialect: Dialect | str) -> list[int]:
    """Each ``k`` such that a failed run of the script can leave its first ``k`` statements.

    The dialect's ``partial_states``: ``commits`` (PostgreSQL: 0, and the statements up to
    each COMMIT but the last statement, after which nothing can fail); ``every`` (MySQL,
    SQLite: every ``k`` short of all); ``none`` (the others).
    """
    n = len(texts)
    states = of(dialect).partial_states
    if states == "every":
        return list(range(n))
    if states != "commits" or n == 0:
        return []
    return [0] + [i + 1 for i, text in enumerate(texts[:-1]) if _COMMIT.match(text)]


def guard(analysis: ScriptAnalysis, pairs: Pairs, dialect: Dialect | str) -> Pairs:
    """``pairs`` (down.sql's inverses, in order) with the guards a partial state needs."""
    if not of(dialect).guards_partial:
        return pairs
    points = stop_points([s.statement.text for s in analysis.steps], dialect)
    if not points:
        return pairs
    return Replay(analysis, states_of(analysis), points).run(pairs)


__all__ = ["guard", "index_table", "natural", "stop_points"]
