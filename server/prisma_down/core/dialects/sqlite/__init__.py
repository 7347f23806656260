"""SQLite: tables redefined rather than altered, NULL-able primary keys, no transactions
around a failed migration's statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, Lexicon


def read_statement(text: str) -> tuple[ch.Change, ...]:
    from prisma_down.core.dialects.sqlite import read as sqlite

    return sqlite.read(text)


def redefinitions(
    texts: Sequence[str], changes: list[tuple[ch.Change, ...]]
) -> list[tuple[ch.Change, ...]]:
    from prisma_down.core.dialects.sqlite import read as sqlite

    return sqlite.redefinitions(texts, changes)


def render_change(change: ch.Change) -> str:
    from prisma_down.core.dialects.sqlite import render as sqlite

    return sqlite.render(change)


def render_changes(changes: Sequence[ch.Change]) -> list[str]:
    from prisma_down.core.dialects.sqlite import render as sqlite

    return sqlite.render_all(changes)


def statement_cursor(text: str) -> Any:
    from prisma_down.core.dialects.sqlite import read

    return read.cursor(text)


def preflight_statements(checks: Sequence[Any]) -> list[str]:
    from prisma_down.core.dialects.sqlite import render

    return render.preflight(checks)


def build() -> Dialect:
    from prisma_down.core.dialects.sqlite import overrides as sqlite

    return Dialect(
        name="sqlite",
        title="SQLite",
        sqlglot="sqlite",
        lexicon=Lexicon(backticks=True, brackets=True, trigger_bodies=True),
        read=read_statement,
        cursor=statement_cursor,
        preflight=preflight_statements,
        render=render_change,
        render_all=render_changes,
        invert=sqlite.INVERT,
        idioms=redefinitions,
        default_schema="main",
        pk_implies_not_null=False,
        keeps_keys_to_dropped_table=True,
        partial_states="every",
    )
