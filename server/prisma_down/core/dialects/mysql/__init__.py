"""MySQL and MariaDB: implicit indexes for keys, `quoted` names, no transactional DDL."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, Lexicon, lazy

_READ = "prisma_down.core.dialects.mysql.read"
_RENDER = "prisma_down.core.dialects.mysql.render"


def read_statement(text: str) -> tuple[ch.Change, ...]:
    from prisma_down.core.dialects.mysql import read
    from prisma_down.core.read import data

    try:
        return read.read(text)
    except read.NotDdlError:
        return data.read(read.cursor(text), text, "mysql")


def build() -> Dialect:
    from prisma_down.core.dialects.mysql import overrides as mysql

    return Dialect(
        name="mysql",
        title="MySQL",
        sqlglot="mysql",
        lexicon=Lexicon(hash_comments=True, backslash_strings=True, backticks=True),
        read=read_statement,
        cursor=lazy(_READ, "cursor"),
        preflight=lazy(_RENDER, "preflight"),
        render=lazy(_RENDER, "render"),
        render_all=lazy(_RENDER, "render_all"),
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
