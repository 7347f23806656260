"""MySQL / MariaDB statements → changes.

Covers the DDL Prisma writes for its ``mysql`` provider and what people add by hand:
backticks, multi-clause ``ALTER TABLE``, ``MODIFY`` / ``CHANGE`` with the full column,
``DROP FOREIGN KEY``, ``DROP INDEX … ON``, ``RENAME INDEX`` / ``COLUMN``, table options.
A guarded statement (``SET @v := IF(EXISTS (…information_schema…), '<sql>', 'DO 0')``, then
PREPARE / EXECUTE / DEALLOCATE, as prisma-down writes them: ``dialects.mysql.guard``) is read as
``<sql>`` under its guards, so the replay decides it as the server would.
Names keep their case (MySQL on Linux compares table names exactly). Anything else falls to
``read.data`` or comes back ``Unsupported``: never an exception.

This module routes a statement by its first word; ``read_tables``, ``read_columns`` and
``read_keys`` read tables, columns and keys.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects.mysql import guard as mysql_guard
from prisma_down.core.dialects.mysql.indexes import index_key
from prisma_down.core.dialects.mysql.read_keys import create_index
from prisma_down.core.dialects.mysql.read_tables import alter_table, create_table
from prisma_down.core.read.tokens import Cursor, ReadError, tokenize
from prisma_down.core.schema import Opaque, QName

_OBJECTS = {"VIEW": "view", "TRIGGER": "trigger", "PROCEDURE": "procedure",
            "FUNCTION": "function", "EVENT": "event"}  # fmt: skip


_SESSION = ("SET", "USE", "ANALYZE", "OPTIMIZE", "FLUSH", "LOCK", "UNLOCK", "CHECKSUM", "DO")


def cursor(text: str) -> Cursor:
    return Cursor(text, tokenize(text, "mysql"), lambda name: name)


class NotDdlError(Exception):
    """The statement is no DDL: ``read.data`` reads it."""


def read(text: str) -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises ReadError for malformed DDL."""
    c = cursor(text)
    if c.at_end():
        return ()
    head = c.peek()
    assert head is not None
    word = head.upper if head.kind == "word" else ""
    if word in ("BEGIN", "START"):
        return (ch.Transaction(True),)
    if word == "COMMIT":
        return (ch.Transaction(False),)
    if word == "SET":
        found = mysql_guard.read_guarded(text)
        if found is not None:
            return (_guarded(*found),)
    if mysql_guard.is_plumbing(text) or mysql_guard.is_preflight(text):
        return (ch.SessionSetting(text),)
    if word in _SESSION and not (word == "DO" and c.is_punct("(", 1)):
        return (ch.SessionSetting(text),)
    c.next()
    if word == "CREATE":
        return _create(c, text)
    if word == "ALTER":
        return alter_table(c)
    if word == "DROP":
        return _drop(c)
    if word == "RENAME":
        # sqlglot reads what follows RENAME as one string: tokenize it on its own
        c = cursor(" " * head.end + text[head.end :])
        c.expect("TABLE")
        out: list[ch.Change] = []
        while True:
            old = c.qname()
            c.expect("TO")
            out.append(ch.RenameTable(old, c.qname()))
            if not c.accept_punct(","):
                break
        return tuple(out)
    raise NotDdlError()


def _guarded(guards: tuple[ch.Guard, ...], sql: str) -> ch.Guarded:
    """The statement a guarded ``SET @prisma_down := IF(…)`` prepares, under its guards.

    The ``SET`` stands for the ``PREPARE`` / ``EXECUTE`` after it (``dialects.mysql.guard``);
    every guard is checked before the statement runs, as nested ``Guarded`` are.
    """
    from prisma_down.core.read import read_statement  # the package imports this module

    inner = read_statement(sql, "mysql")
    if inner.problem is not None:
        raise ReadError(f"the guarded statement: {inner.problem}")
    out = ch.Guarded(guards[-1], inner.changes)
    for guard in reversed(guards[:-1]):
        out = ch.Guarded(guard, (out,))
    return out


def _create(c: Cursor, text: str) -> tuple[ch.Change, ...]:
    or_replace = c.accept("OR", "REPLACE")
    temporary = c.accept("TEMPORARY")
    if c.accept("TABLE"):
        return (create_table(c, "TEMPORARY" if temporary else ""),)
    if c.is_word("UNIQUE") or c.is_word("INDEX") or c.is_word("FULLTEXT") or c.is_word("SPATIAL"):
        return (create_index(c),)
    kind = None
    while kind is None and not c.at_end():  # past ALGORITHM = x, DEFINER = u@h, SQL SECURITY x
        t = c.next()
        kind = _OBJECTS.get(t.upper) if t.kind == "word" else None
    if kind is None:
        raise ReadError("CREATE of an object this tool does not model")
    ine = c.if_not_exists()
    name = c.qname()
    table = _on_table(c) if kind == "trigger" else None
    return (ch.CreateObject(Opaque(kind, name, text, table), ine, or_replace),)


def _on_table(c: Cursor) -> QName | None:
    while not c.at_end():
        if c.accept("ON"):
            return c.qname()
        c.skip_group()
    return None


def _drop(c: Cursor) -> tuple[ch.Change, ...]:
    temporary = c.accept("TEMPORARY")
    if c.accept("TABLE") or c.accept("TABLES"):
        ie = c.if_exists()
        names = [c.qname()]
        while c.accept_punct(","):
            names.append(c.qname())
        cascade = c.accept("CASCADE")
        c.accept("RESTRICT")
        return tuple(ch.DropTable(n, ie, cascade) for n in names)
    if temporary:
        raise ReadError("expected TABLE after DROP TEMPORARY")
    if c.accept("INDEX"):
        c.accept("ONLINE")
        ie = c.if_exists()
        name = c.name()
        c.expect("ON")
        table = c.qname()
        while c.is_word("ALGORITHM") or c.is_word("LOCK"):
            c.next()
            c.accept_punct("=")
            c.next()
        return (ch.DropIndex(index_key(table, name), ie, table=table),)
    t = c.peek()
    kind = _OBJECTS.get(t.upper) if t is not None and t.kind == "word" else None
    if kind is None:
        raise ReadError("DROP of an object this tool does not model")
    c.next()
    ie = c.if_exists()
    names = [c.qname()]
    while c.accept_punct(","):
        names.append(c.qname())
    return tuple(ch.DropObject(kind, n, ie) for n in names)
