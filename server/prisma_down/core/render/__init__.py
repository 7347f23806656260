"""Renderers: changes → SQL text, one module per dialect family."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.render import postgres


def render(change: ch.Change, dialect: str) -> str:
    """One change as one statement of ``dialect``, without the terminating ``;``."""
    return postgres.render(change)
