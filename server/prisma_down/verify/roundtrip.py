"""Prove down.sql files on a real database: up, snapshot, down, compare, up again, compare.

One database per history: each migration is checked in turn on top of the state its
predecessors left, as ``prisma migrate deploy`` would have built it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prisma_down.verify.snapshot import snapshot
from prisma_down.verify.snapshot_diff import diff

Apply = Callable[[Any, str], "str | None"]
NO_DOWN = "no-down"

# Where a script failed, as the MariaDB and SQLite runners say it and the editor reads it
STATEMENT_AT = re.compile(r"\(statement at line (\d+)\)$")


def failed_at(message: str, script: str, start: int) -> str:
    """``message`` of the statement of ``script`` starting at offset ``start``, with its line."""
    return f"{message} (statement at line {script.count(chr(10), 0, start) + 1})"


@dataclass(frozen=True)
class RowsReport:
    """What the rows of one migration's round trip showed (``verify`` without ``--empty``).

    ``inserted``: rows generated per table before the migration (table as shown, count);
    ``refused``: rows the engine refused even after retries (table, count, its last
    message); ``compared``: tables held to the rows they had before; ``lost``: what the
    steps that said they lose data lost; ``up_error``: migration.sql fails on these rows,
    so the migration was verified on empty tables instead.
    """

    inserted: tuple[tuple[str, int], ...] = ()
    refused: tuple[tuple[str, int, str], ...] = ()
    compared: int = 0
    lost: tuple[str, ...] = ()
    up_error: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What happened to one migration. ``status`` is one of:

    ``restored`` down.sql gave back the schema before the migration and up re-applied the same;
    ``mismatch`` down.sql ran but left a different schema (``differences`` name each);
    ``down-failed`` down.sql raised an error; ``reapply-failed`` / ``reapply-mismatch`` up did
    not re-apply cleanly after down; ``up-failed`` migration.sql itself failed on this server
    (nothing about down.sql can be said); ``no-down`` (:data:`NO_DOWN`) there is no readable
    down.sql to run. With rows (:mod:`prisma_down.verify.withrows`), a down.sql that fails
    is ``stopped-clean`` (the database is as it was before down.sql) or ``stopped-halfway``
    (it is not: ``differences`` say what the stopped run changed), and ``rows`` tells
    what the rows showed.
    """

    name: str
    status: str
    differences: tuple[str, ...] = ()
    error: str | None = None
    rows: RowsReport | None = None

    @property
    def ok(self) -> bool:
        return self.status == "restored"


def verify_history(
    conn: Any,
    migrations: Iterable[tuple[str, str, str]],
    apply: Apply,
    snapshot: Callable[[Any], Any] = snapshot,
    diff: Callable[[Any, Any], list[str]] = diff,
) -> list[Verdict]:
    """Check ``(name, up_sql, down_sql)`` in order on ``conn``, an empty database.

    ``snapshot``/``diff`` default to PostgreSQL's; other servers pass their own. After a
    failing script the database stays where the script stopped, and the next migrations
    are checked from there.
    """
    out: list[Verdict] = []
    for name, up, down in migrations:
        before = snapshot(conn)
        err = apply(conn, up)
        if err is not None:
            out.append(Verdict(name, "up-failed", error=err))
            continue
        after = snapshot(conn)
        err = apply(conn, down)
        if err is not None:
            out.append(Verdict(name, "down-failed", error=err))
            continue
        restored = snapshot(conn)
        differences = tuple(diff(before, restored))
        err = apply(conn, up)
        if err is not None:
            out.append(Verdict(name, "reapply-failed", differences, err))
            continue
        again = snapshot(conn)
        if differences:
            out.append(Verdict(name, "mismatch", differences))
            continue
        redo = tuple(diff(after, again))
        out.append(Verdict(name, "reapply-mismatch", redo) if redo else Verdict(name, "restored"))
    return out
