"""One statement of PostgreSQL syntax (PostgreSQL, CockroachDB) → the changes it makes.

A ``DO`` block is read statement by statement; DDL by the engine's reader; anything else
as a data statement. Both engines' dialects read through here: a generic module, so that
neither dialect package imports the other.
"""

from __future__ import annotations

from collections.abc import Callable

from prisma_down.core import changes as ch
from prisma_down.core.read import data, do_block, postgres, read_inner

Reader = Callable[[str], tuple[ch.Change, ...]]


def statement_reader(dialect: str, ddl: Reader) -> Reader:
    """The reader of one statement of ``dialect``, whose DDL ``ddl`` reads."""

    def read(text: str) -> tuple[ch.Change, ...]:
        if text[:2].upper() == "DO":
            block = do_block.read(text, dialect, read_inner)
            if block is not None:
                return block
        try:
            return ddl(text)
        except Exception as e:
            if not postgres.is_not_ddl(e):
                raise
        return data.read(postgres.cursor(text, dialect), text, dialect)

    return read
