"""Types: CREATE TYPE (an enum is modelled value by value, any other type kept as text),
ALTER TYPE on an enum's values, DROP TYPE.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.read.postgres.syntax import string_literal
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Enum, Opaque, QName


def create_type(c: Cursor, text: str) -> ch.Change:
    """``CREATE TYPE`` after its first two words."""
    name = c.qname()
    if c.accept("AS", "ENUM"):
        c.expect_punct("(")
        values: list[str] = []
        while not c.accept_punct(")"):
            values.append(string_literal(c.next()))
            c.accept_punct(",")
        return ch.CreateEnum(Enum(name, tuple(values)))
    return ch.CreateObject(Opaque("type", name, text))


def alter_type(c: Cursor) -> ch.Change:
    name = c.qname()
    if c.accept("ADD", "VALUE"):
        ine = c.if_not_exists()
        value = string_literal(c.next())
        before = after = None
        if c.accept("BEFORE"):
            before = string_literal(c.next())
        elif c.accept("AFTER"):
            after = string_literal(c.next())
        return ch.AddEnumValue(name, value, before, after, ine)
    if c.accept("RENAME", "TO"):
        return ch.RenameEnum(name, QName(name.schema, c.name()))
    if c.accept("RENAME", "VALUE"):
        old = string_literal(c.next())
        c.expect("TO")
        return ch.RenameEnumValue(name, old, string_literal(c.next()))
    if c.accept("DROP", "VALUE"):
        return ch.DropEnumValue(name, string_literal(c.next()))
    raise ReadError("this ALTER TYPE is not modelled")


def drop_type(c: Cursor) -> tuple[ch.Change, ...]:
    ie = c.if_exists()
    names = [c.qname()]
    while c.accept_punct(","):
        names.append(c.qname())
    return tuple(ch.DropEnum(n, ie) for n in names)
