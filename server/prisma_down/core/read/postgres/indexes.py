"""CREATE INDEX (with the name PostgreSQL gives an unnamed one), ALTER INDEX … RENAME, DROP
INDEX.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.names import pg_name
from prisma_down.core.read.postgres.syntax import if_exists, never
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Index, IndexElement, QName


def create_index(c: Cursor) -> ch.Change:
    unique = c.accept("UNIQUE")
    c.expect("INDEX")
    concurrently = c.accept("CONCURRENTLY")
    ine = c.if_not_exists()
    name: QName | None = None
    if not c.is_word("ON"):
        name = c.qname()
    c.expect("ON")
    c.accept("ONLY")
    table = c.qname()
    method = None
    if c.accept("USING"):
        method = c.next().text
    c.expect_punct("(")
    elements: list[IndexElement] = []
    while True:
        t = c.peek()
        if (
            t is not None
            and t.kind in ("ident", "word")
            and not c.is_punct("(", 1)
            and not c.is_punct(".", 1)
            and not c.is_punct("::", 1)
        ):
            col = c.name()
            suffix = c.take_until(never)
            elements.append(IndexElement(col, None, suffix))
        else:
            begin = c.i
            if c.is_punct("("):
                c.skip_group()
            else:
                while (
                    not c.at_end()
                    and not (c.is_punct(",") or c.is_punct(")"))
                    and not c.is_word("ASC")
                    and not c.is_word("DESC")
                    and not c.is_word("NULLS")
                ):
                    c.skip_group()
            expr = c.source(begin, c.i)
            suffix = c.take_until(never)
            elements.append(IndexElement(None, expr, suffix))
        if not c.accept_punct(","):
            break
    c.expect_punct(")")
    include: tuple[str, ...] = ()
    if c.accept("INCLUDE"):
        include = c.name_list()
    where = None
    tail_parts: list[str] = []
    while not c.at_end():
        if c.accept("WHERE"):
            where = c.rest()
            break
        begin = c.i
        c.skip_group()
        tail_parts.append(c.source(begin, c.i))
    if name is None:
        cols = [e.column or "expr" for e in elements]
        name = QName(table.schema, pg_name(table.name, cols, "key" if unique else "idx"))
    else:
        name = QName(table.schema, name.name) if not name.schema else name
    index = Index(
        name, table, tuple(elements), unique, method, where, include, " ".join(tail_parts)
    )
    return ch.CreateIndex(index, ine, concurrently)


def alter_index(c: Cursor) -> tuple[ch.Change, ...]:
    ie = c.if_exists()
    old = c.qname()
    if c.accept("RENAME", "TO"):
        index = ch.Guard("index", (old.name,), False, old.schema)  # on whichever table
        return if_exists(ie, index, (ch.RenameIndex(old, QName(old.schema, c.name())),))
    raise ReadError("ALTER INDEX other than RENAME is not modelled")


def drop_index(c: Cursor) -> tuple[ch.Change, ...]:
    conc = c.accept("CONCURRENTLY")
    ie = c.if_exists()
    names = [c.qname()]
    while c.accept_punct(","):
        names.append(c.qname())
    return tuple(ch.DropIndex(n, ie, conc) for n in names)
