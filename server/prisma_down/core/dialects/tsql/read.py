"""SQL Server (T-SQL) statements → changes.

Covers what Prisma's SQL Server migrations hold (``[dbo].[T]`` names, defaults as named
constraints, ``CLUSTERED``/``NONCLUSTERED``, ``EXEC SP_RENAME``, the ``_prisma_new_T`` table
redefinition) and what people add by hand (``EXEC('…')``, ``IF EXISTS (…)``, the
``sys.default_constraints`` lookup that drops an unnamed default). Names keep the case they
are written in; ``dbo`` is the default schema. A default named by ``CONSTRAINT [x] DEFAULT``
is a constraint of kind ``d`` on its column (SQL Server drops and renames it as one); an
unnamed one is the column's ``default``.

This module routes a statement by its first word; ``read_tables``, ``read_scripts`` and
``read_redefine`` read each family, ``read_lexis`` holds what they share.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects.tsql.read_lexis import (
    NEW,
    NotDdlError,
    cursor,
    first_word,
    index_key,
)
from prisma_down.core.dialects.tsql.read_redefine import redefinition
from prisma_down.core.dialects.tsql.read_scripts import (
    default_lookup,
    exec_statement,
    if_statement,
    read_script,
)
from prisma_down.core.dialects.tsql.read_tables import (
    alter_table,
    clustering_of,
    create_index,
    table_definition,
)
from prisma_down.core.dialects.tsql.split import block_body
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Opaque, QName

_KINDS = {
    "VIEW": "view",
    "PROC": "procedure",
    "PROCEDURE": "procedure",
    "FUNCTION": "function",
    "TRIGGER": "trigger",
    "SCHEMA": "schema",
    "TYPE": "type",
    "SEQUENCE": "sequence",
    "SYNONYM": "synonym",
}


def read(text: str) -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises ReadError for malformed DDL, NotDdlError."""
    c = cursor(text)
    if c.at_end():
        return ()
    word = first_word(c)
    if word == "BEGIN":
        if c.is_word("BEGIN", "TRANSACTION") or c.is_word("BEGIN", "TRAN"):
            if NEW in text:
                return redefinition(text, read)
            return (ch.SessionSetting(text),)
        body = block_body(text)
        if body is not None:
            return read_script(body)
        return (ch.SessionSetting(text),)  # BEGIN TRY / BEGIN CATCH ... END CATCH
    if word in ("COMMIT", "ROLLBACK", "SAVE", "END", "DECLARE", "SET", "PRINT", "GO", "THROW"):
        return (ch.SessionSetting(text),)  # transactions, variables, session options
    if word == "RAISERROR":
        return (ch.SessionSetting(text),)
    if word == "DBCC":
        return (
            ch.DataChange(
                "DBCC changes the server's state (an identity seed, ...); "
                "what it was before is not recorded"
            ),
        )
    c.next()
    if word == "CREATE":
        return _create(c, text, c.accept("OR", "ALTER"))
    if word == "ALTER":
        if c.accept("TABLE"):
            return alter_table(c)
        return _create(c, text, True)  # ALTER VIEW / PROCEDURE / ... replaces the definition
    if word == "DROP":
        return _drop(c)
    if word in ("EXEC", "EXECUTE"):
        return exec_statement(c)
    if word in ("IF", "WHILE"):
        return if_statement(text)
    if word == "SELECT":
        dropped = default_lookup(text)
        if dropped is not None:
            return (dropped,)
    raise NotDdlError


def _create(c: Cursor, text: str, or_replace: bool) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        return (ch.CreateTable(table_definition(c)),)
    unique = c.accept("UNIQUE")
    clustering = clustering_of(c)
    if c.accept("INDEX"):
        return (create_index(c, unique, clustering),)
    if unique or clustering:
        raise ReadError("expected INDEX")
    t = c.next()
    kind = _KINDS.get(t.upper) if t.kind == "word" else None
    if kind is None:
        raise ReadError("CREATE of an object this tool does not model")
    name = c.qname()
    table = None
    if kind == "trigger":
        c.expect("ON")
        table = c.qname()
    return (ch.CreateObject(Opaque(kind, name, text, table), or_replace=or_replace),)


def _drop(c: Cursor) -> tuple[ch.Change, ...]:
    if c.accept("TABLE"):
        ie = c.if_exists()
        names = [c.qname()]
        while c.accept_punct(","):
            names.append(c.qname())
        return tuple(ch.DropTable(n, ie) for n in names)
    if c.accept("INDEX"):
        ie = c.if_exists()
        out = []
        while True:
            name = c.qname()
            # DROP INDEX [T].[ix], the old spelling, names the table first
            table = c.qname() if c.accept("ON") else QName("", name.schema)
            out.append(ch.DropIndex(index_key(table, name.name), ie, table=table))
            if not c.accept_punct(","):
                break
        return tuple(out)
    t = c.next()
    kind = _KINDS.get(t.upper) if t.kind == "word" else None
    if kind is None:
        raise ReadError("DROP of an object this tool does not model")
    ie = c.if_exists()
    names = [c.qname()]
    while c.accept_punct(","):
        names.append(c.qname())
    return tuple(ch.DropObject(kind, n, ie) for n in names)
