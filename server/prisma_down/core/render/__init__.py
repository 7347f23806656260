"""Renderers: changes → SQL text, through the dialect (each renderer loaded when used)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, of

if TYPE_CHECKING:  # data_checks reads render.rows (a DELETE's condition): no cycle at run time
    from prisma_down.core.data_checks import Check


def render(change: ch.Change, dialect: Dialect | str) -> str:
    """One change as SQL of ``dialect``, without the terminating ``;``: one statement, or
    several joined by ``;`` and a newline (a table redefinition, a guarded MySQL one)."""
    return of(dialect).render(change)


def render_all(changes: Sequence[ch.Change], dialect: Dialect | str) -> list[str]:
    """Statements for ``changes`` in order.

    Each item is ONE statement (``core.down`` checks the file splits back into them).
    MySQL joins clauses on one table into one statement; PostgreSQL puts guarded
    changes in a row into one DO block; SQLite writes each one runnable after a half-applied
    migration; a table redefinition (SQLite, SQL Server) is several.
    """
    d = of(dialect)
    if d.render_all is None:
        return [d.render(change) for change in changes]
    return d.render_all(changes)


def preflight(checks: Sequence[Check], dialect: str | Dialect) -> list[str]:
    """Statements that stop down.sql before its first change when a data check fails;
    none for a dialect without a ``preflight`` of its own (yet)."""
    f = of(dialect).preflight
    if not checks or f is None:
        return []
    return list(f(checks))
