"""SQL Server: batches without ';', defaults as constraints, [bracketed] names, N'' strings,
and Prisma's TRY/CATCH transaction around every script."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, Lexicon


def read_statement(text: str) -> tuple[ch.Change, ...]:
    from prisma_down.core.dialects.tsql import read, read_lexis
    from prisma_down.core.read import data

    try:
        return read.read(text)
    except read_lexis.NotDdlError:
        return data.read(read_lexis.cursor(text), text, "tsql")


def split_batches(text: str) -> Any:
    from prisma_down.core.dialects.tsql.split import split_tsql

    return split_tsql(text)


def render_change(change: ch.Change) -> str:
    from prisma_down.core.dialects.tsql import render as tsql

    return tsql.render(change)


def render_changes(changes: Sequence[ch.Change]) -> list[str]:
    from prisma_down.core.dialects.tsql import render as tsql

    return tsql.render_all(changes)


def wrap_script(body: str) -> str:
    from prisma_down.core.dialects.tsql import render as tsql

    return tsql.wrap(body)


def statement_cursor(text: str) -> Any:
    from prisma_down.core.dialects.tsql import read_lexis

    return read_lexis.cursor(text)


def build() -> Dialect:
    from prisma_down.core.dialects.tsql import overrides as tsql

    return Dialect(
        name="tsql",
        title="SQL Server",
        sqlglot="tsql",
        lexicon=Lexicon(brackets=True),
        read=read_statement,
        cursor=statement_cursor,
        render=render_change,
        render_all=render_changes,
        apply=tsql.APPLY,
        invert=tsql.INVERT,
        split=split_batches,
        wrap=wrap_script,
        quotes=("[", "]"),
        strings="national",
        fold_names=False,
        default_schema="dbo",
    )
