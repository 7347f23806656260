"""A column definition (``name type [constraints]``) and where each of its clauses ends.

Shared by CREATE TABLE and ALTER TABLE ADD COLUMN; type and default are kept as source text.
"""

from __future__ import annotations

from collections.abc import Callable

from prisma_down.core.names import pg_name
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Column, Constraint

_SERIAL = {
    "SERIAL": "INTEGER",
    "SERIAL4": "INTEGER",
    "BIGSERIAL": "BIGINT",
    "SERIAL8": "BIGINT",
    "SMALLSERIAL": "SMALLINT",
    "SERIAL2": "SMALLINT",
}


_COLUMN_STOP = {
    "CONSTRAINT",
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "GENERATED",
    "COLLATE",
}


def _stop(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and t.kind == "word" and t.upper in _COLUMN_STOP


def _after(c: Cursor, word: str) -> bool:
    """Whether the token before the cursor is ``word`` (``SET NULL``: NULL is no new clause)."""
    t = c.peek(-1)
    return t is not None and t.kind == "word" and t.upper == word


def _tail(c: Cursor, stop: Callable[[Cursor], bool] = _stop) -> str:
    """The options after a column constraint, up to the next clause; often none at all.

    ``take_until`` always takes one token (a DEFAULT may start with NULL): here that would
    swallow the next clause, as in ``UNIQUE NOT NULL``.
    """
    if c.at_end() or c.is_punct(",") or c.is_punct(")") or stop(c):
        return ""
    return c.take_until(stop)


def _fk_stop(c: Cursor) -> bool:
    """REFERENCES options run on through ``ON DELETE SET NULL`` and ``NOT DEFERRABLE``."""
    return _stop(c) and not c.is_word("NOT", "DEFERRABLE") and not _after(c, "SET")


def _unique_stop(c: Cursor) -> bool:
    return _stop(c) and not (c.is_word("NOT") and _after(c, "NULLS"))  # NULLS NOT DISTINCT


def _generated_stop(c: Cursor) -> bool:
    return _stop(c) and not (c.is_word("DEFAULT") and _after(c, "BY"))  # BY DEFAULT AS IDENTITY


def column_definition(c: Cursor, table: str) -> tuple[Column, list[Constraint]]:
    """``name type [COLLATE x] [constraints]`` — type and default kept as source text."""
    name = c.name()
    type_text = c.take_until(_stop)
    if not type_text:
        raise ReadError(f"column {name} has no type")
    col = Column(name, type_text)
    serial = _SERIAL.get(type_text.upper())
    extra: list[Constraint] = []
    not_null = False
    default: str | None = None
    collate = identity = generated = None
    while not c.at_end() and not (c.is_punct(",") or c.is_punct(")")):
        cname: str | None = None
        if c.accept("CONSTRAINT"):
            cname = c.name()
        if c.accept("NOT", "NULL"):
            not_null = True
        elif c.accept("NULL"):
            not_null = False
        elif c.accept("DEFAULT"):
            default = c.take_until(_stop)
        elif c.accept("COLLATE"):
            collate = c.take_until(_stop)
        elif c.accept("PRIMARY", "KEY"):
            tail = _tail(c)
            extra.append(Constraint(cname or pg_name(table, [], "pkey"), "p", (name,), tail=tail))
            not_null = True
        elif c.accept("UNIQUE"):
            tail = _tail(c, _unique_stop)
            extra.append(
                Constraint(cname or pg_name(table, [name], "key"), "u", (name,), tail=tail)
            )
        elif c.accept("REFERENCES"):
            ref = c.qname()
            ref_cols = c.name_list() if c.is_punct("(") else ()
            tail = _tail(c, _fk_stop)
            extra.append(
                Constraint(
                    cname or pg_name(table, [name], "fkey"), "f", (name,), ref, ref_cols, tail
                )
            )
        elif c.is_word("CHECK"):
            body = c.take_until(_stop)
            extra.append(Constraint(cname or pg_name(table, [name], "check"), "c", (), tail=body))
        elif c.is_word("GENERATED"):
            gen = c.take_until(_generated_stop)
            if "IDENTITY" in gen.upper():
                identity = gen
                not_null = True
            else:
                generated = gen
        else:
            raise ReadError(f"unexpected {c.describe()} in column {name}")
    if serial:
        return Column(
            name, serial, None, True, collate, identity, generated, type_text.upper()
        ), extra
    return Column(col.name, type_text, default, not_null, collate, identity, generated), extra
