"""SQL Server: batches without ';', defaults as constraints, [bracketed] names, N'' strings,
and Prisma's TRY/CATCH transaction around every script."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, Lexicon, lazy

_RENDER = "prisma_down.core.dialects.tsql.render"


def read_statement(text: str) -> tuple[ch.Change, ...]:
    from prisma_down.core.dialects.tsql import read, read_lexis
    from prisma_down.core.read import data

    try:
        return read.read(text)
    except read_lexis.NotDdlError:
        return data.read(read_lexis.cursor(text), text, "tsql")


def build() -> Dialect:
    from prisma_down.core.dialects.tsql import overrides as tsql

    return Dialect(
        name="tsql",
        title="SQL Server",
        sqlglot="tsql",
        lexicon=Lexicon(brackets=True),
        read=read_statement,
        cursor=lazy("prisma_down.core.dialects.tsql.read_lexis", "cursor"),
        render=lazy(_RENDER, "render"),
        render_all=lazy(_RENDER, "render_all"),
        apply=tsql.APPLY,
        invert=tsql.INVERT,
        split=lazy("prisma_down.core.dialects.tsql.split", "split_tsql"),
        wrap=lazy(_RENDER, "wrap"),
        quotes=("[", "]"),
        strings="national",
        fold_names=False,
        default_schema="dbo",
    )
