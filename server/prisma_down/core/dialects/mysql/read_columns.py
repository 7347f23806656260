"""A MySQL column definition (``name type [attributes]``), read alike by CREATE TABLE and
ALTER TABLE ADD / MODIFY / CHANGE, and where each attribute ends.
"""

from __future__ import annotations

from prisma_down.core.dialects.mysql.indexes import index_key
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Column, Constraint, Index, IndexElement, QName

_COLUMN_STOP = frozenset(
    {
        "NOT", "NULL", "DEFAULT", "AUTO_INCREMENT", "PRIMARY", "KEY", "UNIQUE", "COMMENT",
        "COLLATE", "CHARACTER", "CHARSET", "ON", "GENERATED", "AS", "REFERENCES", "CHECK",
        "CONSTRAINT", "INVISIBLE", "VISIBLE", "SRID", "COLUMN_FORMAT", "STORAGE", "FIRST",
        "AFTER", "ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE", "VIRTUAL", "STORED",
        "PERSISTENT",
    }
)  # fmt: skip


def _stop(c: Cursor) -> bool:
    t = c.peek()
    return t is not None and t.kind == "word" and t.upper in _COLUMN_STOP


def never(c: Cursor) -> bool:
    return False


def column_definition(c: Cursor, table: QName) -> tuple[Column, list[Constraint | Index]]:
    """``name type [attributes]``: type, default and attributes kept as source text."""
    name = c.name()
    type_text = c.take_until(_stop)
    if not type_text:
        raise ReadError(f"column {name} has no type")
    not_null = False
    default: str | None = None
    identity = generated = None
    collate: list[str] = []
    options: list[str] = []
    extra: list[Constraint | Index] = []
    while not c.at_end() and not (c.is_punct(",") or c.is_punct(")")):
        begin = c.i
        cname: str | None = None
        if c.accept("CONSTRAINT") and not (c.is_word("CHECK") or c.is_word("REFERENCES")):
            cname = c.name()
        if c.accept("NOT", "NULL"):
            not_null = True
        elif c.accept("NULL"):
            not_null = False
        elif c.accept("DEFAULT"):
            default = c.take_until(_stop)
        elif c.accept("AUTO_INCREMENT"):
            identity = "AUTO_INCREMENT"
        elif c.accept("PRIMARY", "KEY") or c.accept("KEY"):
            extra.append(Constraint("PRIMARY", "p", (name,)))
            not_null = True
        elif c.accept("UNIQUE"):
            c.accept("KEY")
            key = index_key(table, name)
            extra.append(Index(key, table, (IndexElement(name),), unique=True))
        elif c.accept("CHARACTER", "SET") or c.accept("CHARSET") or c.accept("COLLATE"):
            c.next()
            collate.append(c.source(begin, c.i))
        elif c.is_word("GENERATED") or c.is_word("AS"):
            c.accept("GENERATED", "ALWAYS")
            c.expect("AS")
            c.skip_group()
            if c.is_word("VIRTUAL") or c.is_word("STORED") or c.is_word("PERSISTENT"):
                c.next()
            generated = c.source(begin, c.i)
        elif c.accept("REFERENCES"):
            # MySQL parses an inline REFERENCES and ignores it: no foreign key comes of it
            c.take_until(lambda x: _stop(x) and not x.is_word("ON") and not _after_set(x))
        elif c.accept("CHECK"):
            c.skip_group()
            extra.append(Constraint(cname or name, "c", (), tail=c.source(begin, c.i)))
        elif c.accept("ON", "UPDATE"):
            c.take_until(_stop)
            options.append(c.source(begin, c.i))
        elif any(c.accept(w) for w in ("COMMENT", "SRID", "COLUMN_FORMAT", "STORAGE")):
            c.next()
            options.append(c.source(begin, c.i))
        elif c.accept("INVISIBLE") or c.accept("VISIBLE"):
            options.append(c.source(begin, c.i))
        elif c.is_word("FIRST") or c.is_word("AFTER"):
            break  # a position: the caller's business
        else:
            raise ReadError(f"unexpected {c.describe()} in column {name}")
    col = Column(
        name,
        type_text,
        default,
        not_null,
        " ".join(collate) or None,
        identity,
        generated,
        options=" ".join(options) or None,
    )
    return col, extra


def _after_set(c: Cursor) -> bool:
    t = c.peek(-1)
    return t is not None and t.kind == "word" and t.upper == "SET"
