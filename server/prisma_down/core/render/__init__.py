"""Renderers: changes → SQL text, one module per dialect family."""

from __future__ import annotations

from collections.abc import Sequence

from prisma_down.core import changes as ch
from prisma_down.core.render import mysql, postgres, sqlite, tsql


def render(change: ch.Change, dialect: str) -> str:
    """One change as one statement of ``dialect``, without the terminating ``;``."""
    if dialect == "sqlite":
        return sqlite.render(change)
    if dialect == "mysql":
        return mysql.render(change)
    if dialect == "tsql":
        return tsql.render(change)
    return postgres.render(change)


def render_all(changes: Sequence[ch.Change], dialect: str) -> list[str]:
    """Statements for ``changes`` in order (MySQL joins clauses on one table into one)."""
    if dialect == "mysql":
        return mysql.render_all(changes)
    if dialect == "postgres":  # guarded changes in a row share a DO block
        return postgres.render_all(changes)
    return [render(change, dialect) for change in changes]
