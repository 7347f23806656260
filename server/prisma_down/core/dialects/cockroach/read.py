"""CockroachDB statements → changes: the PostgreSQL reader, plus what only Cockroach has.

- ``ALTER TABLE t ALTER PRIMARY KEY USING COLUMNS (…)`` replaces the primary key (named
  ``t_pkey``, CockroachDB's name for every primary key since v22.1) in one statement; the
  catalog (``core.dialects.cockroach.overrides``) keeps the old key's columns as a UNIQUE
  index, as CockroachDB does.
- ``ALTER SEQUENCE s <options>`` (Prisma writes it, e.g. ``MAXVALUE 9223372036854775807``)
  changes the sequence's options; RENAME TO and the rest go to the PostgreSQL reader.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.read import postgres
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Constraint


def read(text: str) -> tuple[ch.Change, ...]:
    """The changes one statement makes; raises like ``postgres.read``."""
    c = postgres.cursor(text, "cockroachdb")
    if c.accept("ALTER", "TABLE"):
        c.if_exists()
        table = c.qname()
        if c.accept("ALTER", "PRIMARY", "KEY", "USING", "COLUMNS"):
            columns = c.name_list()
            tail = c.rest()
            name = f"{table.name}_pkey"
            return (ch.AlterPrimaryKey(table, Constraint(name, "p", columns, tail=tail)),)
    c = postgres.cursor(text, "cockroachdb")
    if c.accept("ALTER", "SEQUENCE"):
        ie = c.if_exists()
        seq = c.qname()
        if not c.at_end() and not c.is_word("RENAME") and not c.is_word("OWNER"):
            if c.is_word("SET", "SCHEMA"):
                raise ReadError("ALTER SEQUENCE ... SET SCHEMA is not modelled")
            return (ch.AlterSequence(seq, sequence_options(c), ie),)
    return postgres.read(text, "cockroachdb")


def sequence_options(c: Cursor) -> tuple[tuple[str, str], ...]:
    """The options of CREATE / ALTER SEQUENCE from the cursor on, as (keyword, value) pairs.

    Keywords: AS, INCREMENT, MINVALUE, MAXVALUE, START, CACHE, PER NODE CACHE, PER SESSION
    CACHE, CYCLE, OWNED BY, VIRTUAL, RESTART. A value of "" is the keyword's NO form (or
    RESTART without a value); CYCLE and VIRTUAL have themselves as value.
    """
    out: list[tuple[str, str]] = []
    while not c.at_end():
        if c.accept("AS"):
            out.append(("AS", c.next().text.upper()))
        elif c.accept("INCREMENT"):
            c.accept("BY")
            out.append(("INCREMENT", _number(c)))
        elif c.accept("NO"):
            word = c.next().upper
            if word not in ("MINVALUE", "MAXVALUE", "CYCLE"):
                raise ReadError(f"unexpected NO {word} in a sequence's options")
            out.append((word, ""))
        elif c.is_word("MINVALUE") or c.is_word("MAXVALUE"):
            out.append((c.next().upper, _number(c)))
        elif c.accept("START"):
            c.accept("WITH")
            out.append(("START", _number(c)))
        elif c.accept("RESTART"):
            c.accept("WITH")
            out.append(("RESTART", _number(c) if not c.at_end() and _at_number(c) else ""))
        elif c.accept("CACHE"):
            out.append(("CACHE", _number(c)))
        elif c.accept("PER"):
            scope = c.next().upper
            c.expect("CACHE")
            out.append((f"PER {scope} CACHE", _number(c)))
        elif c.accept("CYCLE"):
            out.append(("CYCLE", "CYCLE"))
        elif c.accept("VIRTUAL"):
            out.append(("VIRTUAL", "VIRTUAL"))
        elif c.accept("OWNED", "BY"):
            if c.accept("NONE"):
                out.append(("OWNED BY", ""))
            else:
                begin = c.i
                c.name()
                while c.accept_punct("."):
                    c.name()
                out.append(("OWNED BY", c.source(begin, c.i)))
        else:
            raise ReadError(f"unexpected {c.describe()} in a sequence's options")
    return tuple(out)


def _at_number(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and (t.kind == "number" or c.is_punct("-") or c.is_punct("+"))


def _number(c: Cursor) -> str:
    sign = ""
    if c.accept_punct("-"):
        sign = "-"
    else:
        c.accept_punct("+")
    t = c.next()
    if not t.text.isdigit():
        raise ReadError(f"expected a number, found {t.text}")
    return sign + t.text
