"""Renderers: changes → SQL text, one module per dialect family (each loaded when used)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.data_checks import Check

_MODULES = {"sqlite": "sqlite", "mysql": "mysql", "tsql": "tsql"}


def _module(dialect: str) -> Any:
    return import_module(f"prisma_down.core.render.{_MODULES.get(dialect, 'postgres')}")


def render(change: ch.Change, dialect: str) -> str:
    """One change as SQL of ``dialect``, without the terminating ``;``: one statement, or
    several joined by ``;`` and a newline (a table redefinition, a guarded MySQL one)."""
    text: str = _module(dialect).render(change)
    return text


def render_all(changes: Sequence[ch.Change], dialect: str) -> list[str]:
    """Statements for ``changes`` in order.

    Each item is ONE statement (``core.down`` checks the file splits back into them).
    MySQL joins clauses on one table into one statement; PostgreSQL puts guarded
    changes in a row into one DO block; SQLite writes each one runnable after a half-applied
    migration; a table redefinition (SQLite, SQL Server) is several.
    """
    if dialect in ("mysql", "postgres", "sqlite", "tsql"):
        out: list[str] = _module(dialect).render_all(changes)
        return out
    return [render(change, dialect) for change in changes]


def preflight(checks: Sequence[Check], dialect: str) -> list[str]:
    """Statements that stop down.sql before its first change when a data check fails;
    none for a dialect whose renderer has no ``preflight`` (yet)."""
    if not checks:
        return []
    f = getattr(_module(dialect), "preflight", None)
    return list(f(checks)) if f is not None else []
