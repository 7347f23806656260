"""Readers: one statement's text → the changes it makes, per dialect family."""

from __future__ import annotations

from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core.read import data, do_block, postgres
from prisma_down.core.read.tokens import ReadError


@dataclass(frozen=True)
class Reading:
    changes: tuple[ch.Change, ...]
    problem: str | None = None  # set when the statement could not be read at all


SUPPORTED = ("postgres",)


def read_statement(text: str, dialect: str) -> Reading:
    """Never raises: an unreadable statement becomes an Unsupported change with a problem."""
    if dialect in ("postgres", "cockroachdb") and text[:2].upper() == "DO":
        block = do_block.read(text, dialect, _read_inner)
        if block is not None:
            return Reading(block)
    try:
        try:
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


def _read_inner(text: str, dialect: str) -> tuple[ch.Change, ...]:
    return read_statement(text, dialect).changes
