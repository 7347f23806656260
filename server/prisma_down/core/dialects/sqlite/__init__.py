"""SQLite: tables redefined rather than altered, NULL-able primary keys, no transactions
around a failed migration's statements."""

from __future__ import annotations

from prisma_down.core.dialects import Dialect, Lexicon, lazy

_READ = "prisma_down.core.dialects.sqlite.read"
_RENDER = "prisma_down.core.dialects.sqlite.render"


def build() -> Dialect:
    from prisma_down.core.dialects.sqlite import overrides as sqlite

    return Dialect(
        name="sqlite",
        title="SQLite",
        sqlglot="sqlite",
        lexicon=Lexicon(backticks=True, brackets=True, trigger_bodies=True),
        read=lazy(_READ, "read"),
        cursor=lazy(_READ, "cursor"),
        preflight=lazy(_RENDER, "preflight"),
        render=lazy(_RENDER, "render"),
        render_all=lazy(_RENDER, "render_all"),
        invert=sqlite.INVERT,
        idioms=lazy(_READ, "redefinitions"),
        default_schema="main",
        pk_implies_not_null=False,
        keeps_keys_to_dropped_table=True,
        partial_states="every",
    )
