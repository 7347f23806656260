"""Readers: one statement's text → the changes it makes, per dialect family."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, names, of
from prisma_down.core.read import data
from prisma_down.core.read.tokens import ReadError

# Each dialect's reader is loaded with its Dialect (core.dialects.get): a PostgreSQL history
# (most of them) does not pay for loading the MySQL, SQLite and SQL Server readers.


@dataclass(frozen=True)
class Reading:
    changes: tuple[ch.Change, ...]
    problem: str | None = None  # set when the statement could not be read at all


SUPPORTED = names()


def read_statement(text: str, dialect: Dialect | str) -> Reading:
    """Never raises: an unreadable statement becomes an Unsupported change with a problem."""
    d = of(dialect)
    try:
        return Reading(d.read(text))
    except ReadError as e:
        what = f"statement not understood: {e}"
        return Reading((ch.Unsupported(what),), None if data.parses(text, d.name) else str(e))
    except Exception as e:  # a reader bug must not take the editor down with it
        return Reading((ch.Unsupported(f"statement not understood ({type(e).__name__})"),), str(e))


def idioms(texts: Sequence[str], readings: list[Reading], dialect: Dialect | str) -> list[Reading]:
    """Readings of a whole script with multi-statement idioms read as one change each.

    SQLite: Prisma's table redefinition (``new_X``, copy, drop, rename) is one RedefineTable
    on its CREATE statement; the other statements of the idiom then change nothing.
    """
    group = of(dialect).idioms
    if group is None:
        return readings
    grouped = group(texts, [r.changes for r in readings])
    return [
        r if r.changes == g else Reading(g, r.problem)
        for r, g in zip(readings, grouped, strict=True)
    ]


@functools.lru_cache(maxsize=4096)
def read_inner(text: str, dialect: str) -> tuple[ch.Change, ...]:
    """A statement inside a DO block; generated down.sql repeats many (``ALTER COLUMN …
    SET DATA TYPE`` of each enum change), and a reading is a value: read each once."""
    return read_statement(text, dialect).changes
