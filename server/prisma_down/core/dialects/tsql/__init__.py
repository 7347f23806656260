"""SQL Server: batches without ';', defaults as constraints, [bracketed] names, N'' strings,
and Prisma's TRY/CATCH transaction around every script."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, Lexicon


def read(text: str) -> tuple[ch.Change, ...]:
    from prisma_down.core.read import data, tsql

    try:
        return tsql.read(text)
    except tsql.NotDdlError:
        return data.read(tsql.cursor(text), text, "tsql")


def split(text: str) -> Any:
    from prisma_down.core.read.tsql_split import split_tsql

    return split_tsql(text)


def render(change: ch.Change) -> str:
    from prisma_down.core.render import tsql

    return tsql.render(change)


def render_all(changes: Sequence[ch.Change]) -> list[str]:
    from prisma_down.core.render import tsql

    return tsql.render_all(changes)


def wrap(body: str) -> str:
    from prisma_down.core.render import tsql

    return tsql.wrap(body)


def build() -> Dialect:
    from prisma_down.core import tsql

    return Dialect(
        name="tsql",
        title="SQL Server",
        sqlglot="tsql",
        lexicon=Lexicon(brackets=True),
        read=read,
        render=render,
        render_all=render_all,
        apply=tsql.APPLY,
        invert=tsql.INVERT,
        split=split,
        wrap=wrap,
        quotes=("[", "]"),
        strings="national",
        fold_names=False,
        default_schema="dbo",
    )
