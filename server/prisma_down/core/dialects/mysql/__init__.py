"""MySQL and MariaDB: implicit indexes for keys, `quoted` names, no transactional DDL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, Lexicon


def read_statement(text: str) -> tuple[ch.Change, ...]:
    from prisma_down.core.dialects.mysql import read
    from prisma_down.core.read import data

    try:
        return read.read(text)
    except read.NotDdlError:
        return data.read(read.cursor(text), text, "mysql")


def render_change(change: ch.Change) -> str:
    from prisma_down.core.dialects.mysql import render as mysql

    return mysql.render(change)


def render_changes(changes: Sequence[ch.Change]) -> list[str]:
    from prisma_down.core.dialects.mysql import render as mysql

    return mysql.render_all(changes)


def statement_cursor(text: str) -> Any:
    from prisma_down.core.dialects.mysql import read

    return read.cursor(text)


def preflight_statements(checks: Sequence[Any]) -> list[str]:
    from prisma_down.core.dialects.mysql import render

    return render.preflight(checks)


def build() -> Dialect:
    from prisma_down.core.dialects.mysql import overrides as mysql

    return Dialect(
        name="mysql",
        title="MySQL",
        sqlglot="mysql",
        lexicon=Lexicon(hash_comments=True, backslash_strings=True, backticks=True),
        read=read_statement,
        cursor=statement_cursor,
        preflight=preflight_statements,
        render=render_change,
        render_all=render_changes,
        apply=mysql.APPLY,
        invert=mysql.INVERT,
        quotes=("`", "`"),
        strings="expression",
        double_quotes_are_strings=True,
        fold_names=False,
        undo_by_statement=True,
        names_ignore_case=True,
        index_names_per_table=True,
        expands_view_stars=True,
        partial_states="every",
        guards_partial=True,
    )
