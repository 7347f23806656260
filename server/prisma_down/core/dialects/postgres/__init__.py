"""PostgreSQL: transactional DDL, SERIAL sequences, E'' strings, COMMIT-bounded failures."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, Lexicon, lazy
from prisma_down.core.read import postgres as reader
from prisma_down.core.read.postgres_family import statement_reader

_RENDER = "prisma_down.core.render.postgres"


def _ddl(text: str) -> tuple[ch.Change, ...]:
    return reader.read(text, "postgres")


def build() -> Dialect:
    return Dialect(
        name="postgres",
        title="PostgreSQL",
        sqlglot="postgres",
        lexicon=Lexicon(
            cr_ends_comment=True, nested_comments=True, e_strings=True, dollar_quotes=True
        ),
        read=statement_reader("postgres", _ddl),
        render=lazy(_RENDER, "render"),  # loaded when something is rendered
        render_all=lazy(_RENDER, "render_all"),
        strings="escape",
        default_schema="public",
        serial_sequences=True,
        expands_view_stars=True,
        partial_states="commits",
        guards_partial=True,
        framing="prisma_down.core.preflight_pg",
    )
