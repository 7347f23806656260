"""PostgreSQL (and CockroachDB's PostgreSQL flavour) statements → changes.

Covers the DDL Prisma writes and what people add by hand. Anything else falls to
``read.data`` (INSERT/UPDATE/...) or comes back ``Unsupported``: never an exception. This
module routes a statement by its first words; each statement family is read in its own
module (``tables``, ``columns``, ``constraints``, ``indexes``, ``enums``, ``objects``).
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.read.postgres.enums import alter_type, create_type, drop_type
from prisma_down.core.read.postgres.indexes import alter_index, create_index, drop_index
from prisma_down.core.read.postgres.objects import alter_object, comment, create_object, drop_object
from prisma_down.core.read.postgres.tables import alter_table, create_table, drop_table
from prisma_down.core.read.tokens import Cursor, tokenize


def fold(name: str) -> str:
    return name.lower()


def cursor(text: str, dialect: str = "postgres") -> Cursor:
    return Cursor(text, tokenize(text, dialect), fold, "public")


def read(text: str, dialect: str = "postgres") -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises ReadError for malformed DDL."""
    c = cursor(text, dialect)
    if c.at_end():
        return ()
    head = c.peek()
    assert head is not None
    word = head.upper if head.kind == "word" else ""
    if word in ("BEGIN", "START"):
        return (ch.Transaction(True),)
    if word in ("COMMIT", "END"):
        return (ch.Transaction(False),)
    if word in (
        "SET",
        "RESET",
        "ANALYZE",
        "VACUUM",
        "REINDEX",
        "CLUSTER",
        "CHECKPOINT",
        "NOTIFY",
        "LOCK",
        "DISCARD",
    ):
        return (ch.SessionSetting(text),)
    c.next()
    if word == "CREATE":
        return _create(c, text)
    if word == "ALTER":
        return _alter(c)
    if word == "DROP":
        return _drop(c)
    if word == "COMMENT":
        return (comment(c),)
    raise _NotDdlError()


class _NotDdlError(Exception):
    pass


_NotDdl = _NotDdlError()


def is_not_ddl(e: BaseException) -> bool:
    return isinstance(e, _NotDdlError)


def _create(c: Cursor, text: str) -> tuple[ch.Change, ...]:
    or_replace = c.accept("OR", "REPLACE")
    if c.is_word("UNIQUE") or c.is_word("INDEX"):
        return (create_index(c),)
    temp = c.accept("TEMP") or c.accept("TEMPORARY") or c.accept("LOCAL", "TEMP")
    unlogged = c.accept("UNLOGGED")
    if c.accept("TABLE"):
        return (create_table(c, "TEMPORARY" if temp else "UNLOGGED" if unlogged else ""),)
    if c.accept("TYPE"):
        return (create_type(c, text),)
    return create_object(c, text, or_replace)


def _alter(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        return alter_table(c)
    if c.accept("TYPE"):
        return (alter_type(c),)
    if c.accept("INDEX"):
        return alter_index(c)
    return alter_object(c)


def _drop(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        return drop_table(c)
    if c.accept("INDEX"):
        return drop_index(c)
    if c.accept("TYPE"):
        return drop_type(c)
    return drop_object(c)
