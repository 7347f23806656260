"""Readers: one statement's text → the changes it makes, per dialect family."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core.read import data, postgres
from prisma_down.core.read.tokens import ReadError

# The other dialects' readers are imported where they are used: a PostgreSQL history (most
# of them) should not pay for loading the MySQL, SQLite and SQL Server readers at start-up.


@dataclass(frozen=True)
class Reading:
    changes: tuple[ch.Change, ...]
    problem: str | None = None  # set when the statement could not be read at all


SUPPORTED = ("postgres", "sqlite", "mysql", "tsql", "cockroachdb")


def read_statement(text: str, dialect: str) -> Reading:
    """Never raises: an unreadable statement becomes an Unsupported change with a problem."""
    if dialect in ("postgres", "cockroachdb") and text[:2].upper() == "DO":
        from prisma_down.core.read import do_block

        block = do_block.read(text, dialect, _read_inner)
        if block is not None:
            return Reading(block)
    try:
        if dialect == "sqlite":
            from prisma_down.core.read import sqlite

            return Reading(sqlite.read(text))
        if dialect == "mysql":
            from prisma_down.core.read import mysql

            try:
                return Reading(mysql.read(text))
            except mysql.NotDdlError:
                return Reading(data.read(mysql.cursor(text), text, dialect))
        if dialect == "tsql":
            from prisma_down.core.read import tsql

            try:
                return Reading(tsql.read(text))
            except tsql.NotDdlError:
                return Reading(data.read(tsql.cursor(text), text, dialect))
        try:
            if dialect == "cockroachdb":
                from prisma_down.core.read import cockroach

                return Reading(cockroach.read(text))
            return Reading(postgres.read(text, dialect))
        except Exception as e:
            if not postgres.is_not_ddl(e):
                raise
        return Reading(data.read(postgres.cursor(text, dialect), text, dialect))
    except ReadError as e:
        what = f"statement not understood: {e}"
        return Reading((ch.Unsupported(what),), None if data.parses(text, dialect) else str(e))
    except Exception as e:  # a reader bug must not take the editor down with it
        return Reading((ch.Unsupported(f"statement not understood ({type(e).__name__})"),), str(e))


def idioms(texts: Sequence[str], readings: list[Reading], dialect: str) -> list[Reading]:
    """Readings of a whole script with multi-statement idioms read as one change each.

    SQLite: Prisma's table redefinition (``new_X``, copy, drop, rename) is one RedefineTable
    on its CREATE statement; the other statements of the idiom then change nothing.
    """
    if dialect != "sqlite":
        return readings
    from prisma_down.core.read import sqlite

    grouped = sqlite.redefinitions(texts, [r.changes for r in readings])
    return [
        r if r.changes == g else Reading(g, r.problem)
        for r, g in zip(readings, grouped, strict=True)
    ]


@functools.lru_cache(maxsize=4096)
def _read_inner(text: str, dialect: str) -> tuple[ch.Change, ...]:
    """A statement inside a DO block; generated down.sql repeats many (``ALTER COLUMN …
    SET DATA TYPE`` of each enum change), and a reading is a value: read each once."""
    return read_statement(text, dialect).changes
