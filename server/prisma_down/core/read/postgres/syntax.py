"""Token-level pieces every PostgreSQL statement family reads: string literals, object
kinds, ``IF EXISTS`` guards.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.read.tokens import Cursor, ReadError, Tok
from prisma_down.core.schema import QName


def string_literal(t: Tok) -> str:
    if t.kind != "string":
        raise ReadError(f"expected a string, found {t.text}")
    s = t.text
    if s[:1] in "eE" and s[1:2] == "'":
        s = s[1:]
    return s[1:-1].replace("''", "'")


def never(c: Cursor) -> bool:
    return False


def if_exists(ie: bool, guard: ch.Guard, changes: tuple[ch.Change, ...]) -> tuple[ch.Change, ...]:
    """``ALTER … IF EXISTS x``: the changes happen only where ``x`` is."""
    return (ch.Guarded(guard, changes),) if ie else changes


KINDS = {
    "EXTENSION": "extension",
    "SCHEMA": "schema",
    "SEQUENCE": "sequence",
    "VIEW": "view",
    "FUNCTION": "function",
    "PROCEDURE": "procedure",
    "TRIGGER": "trigger",
    "COLLATION": "collation",
    "POLICY": "policy",
    "DOMAIN": "domain",
    "RULE": "rule",
    "AGGREGATE": "aggregate",
    "OPERATOR": "operator",
    "ROLE": "role",
}


def object_kind(c: Cursor) -> str | None:
    c.accept("CONSTRAINT")  # CREATE CONSTRAINT TRIGGER
    t = c.peek()
    if t is not None and t.kind == "word" and t.upper in KINDS:
        c.next()
        return KINDS[t.upper]
    return None


def find_on_table(c: Cursor, word: str = "ON") -> QName | None:
    while not c.at_end():
        if c.accept(word):
            return c.qname()
        c.skip_group()
    return None
