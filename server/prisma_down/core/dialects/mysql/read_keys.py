"""Keys and indexes: inline in CREATE TABLE, ``ALTER TABLE … ADD``, ``CREATE INDEX``, with the
names MySQL gives unnamed ones (``<table>_ibfk_<n>``, ``<table>_chk_<n>``, ``a``, ``a_2``).
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.dialects.mysql.indexes import index_key
from prisma_down.core.dialects.mysql.read_columns import never
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Constraint, Index, IndexElement, QName

KEY_WORDS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "INDEX", "KEY", "FULLTEXT", "SPATIAL",
              "FOREIGN", "CHECK")  # fmt: skip


def key_definition(
    c: Cursor,
    table: QName,
    constraint_names: list[str],
    index_names: list[str],
    number_keys: bool = True,
) -> Constraint | Index:
    """A key or constraint in CREATE TABLE or ALTER TABLE … ADD.

    An unnamed foreign key is numbered ``<table>_ibfk_<n>`` here in CREATE TABLE (1, 2, …
    in order); in ALTER TABLE (``number_keys`` False) its name depends on the keys the
    table has then, so it is left "" for the catalog to name (``dialects.mysql.fk_names``).
    """
    cname: str | None = None
    if c.accept("CONSTRAINT") and not any(
        c.is_word(w) for w in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK")
    ):
        cname = c.name()
    if c.accept("PRIMARY", "KEY"):
        using = _using(c)
        cols = c.name_list()
        tail = " ".join(x for x in (using, c.take_until(never)) if x)
        return Constraint("PRIMARY", "p", cols, tail=tail)
    if c.accept("FOREIGN", "KEY"):
        c.if_not_exists()
        iname = None if c.is_punct("(") else c.name()
        cols = c.name_list()
        c.expect("REFERENCES")
        ref = c.qname()
        ref_cols = c.name_list() if c.is_punct("(") else ()
        name = cname or iname or ""
        if not name and number_keys:
            name = _numbered(f"{table.name}_ibfk_", constraint_names)
        return Constraint(name, "f", cols, ref, ref_cols, c.take_until(never))
    if c.is_word("CHECK"):
        body = c.take_until(never)
        return Constraint(cname or _numbered(f"{table.name}_chk_", constraint_names), "c", (),
                          tail=body)  # fmt: skip
    unique = c.accept("UNIQUE")
    method = None
    if not unique and (c.is_word("FULLTEXT") or c.is_word("SPATIAL")):
        method = c.next().upper
    if not (c.accept("INDEX") or c.accept("KEY")) and not (unique or method):
        raise ReadError(f"unexpected {c.describe()} in a key")
    c.if_not_exists()
    iname = None
    if not c.is_punct("(") and not c.is_word("USING"):
        iname = c.name()
    return _index_rest(c, table, iname or cname, unique, method, index_names)


def _using(c: Cursor) -> str:
    if c.accept("USING"):
        return f"USING {c.next().upper}"
    return ""


def _numbered(prefix: str, taken: list[str]) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _index_rest(
    c: Cursor,
    table: QName,
    name: str | None,
    unique: bool,
    method: str | None,
    taken: list[str],
) -> Index:
    """``[USING x] (elements) [options]`` of an index, from the element list on."""
    using = _using(c)
    elements = _elements(c)
    options = [using] if using else []
    while not c.at_end() and not c.is_punct(",") and not c.is_punct(")"):
        if c.is_word("ALGORITHM") or c.is_word("LOCK"):  # how to build it, not what it is
            c.next()
            c.accept_punct("=")
            c.next()
            continue
        begin = c.i
        if c.accept("USING"):
            c.next()
        elif c.accept("COMMENT") or c.accept("KEY_BLOCK_SIZE") or c.accept("WITH", "PARSER"):
            c.accept_punct("=")
            c.next()
        elif c.accept("VISIBLE") or c.accept("INVISIBLE") or c.accept("IGNORED"):
            pass
        else:
            raise ReadError(f"unexpected {c.describe()} in an index")
        options.append(c.source(begin, c.i))
    if name is None:  # MySQL names it after its first column: a, a_2, a_3 ...
        first = elements[0].column or "functional_index"
        name, n = first, 2
        while name in taken:
            name, n = f"{first}_{n}", n + 1
    return Index(index_key(table, name), table, elements, unique, method, tail=" ".join(options))


def _elements(c: Cursor) -> tuple[IndexElement, ...]:
    c.expect_punct("(")
    out: list[IndexElement] = []
    while True:
        if c.is_punct("("):
            begin = c.i
            c.skip_group()
            expr = c.source(begin, c.i)
            out.append(IndexElement(None, expr, c.take_until(never)))
        else:
            col = c.name()
            out.append(IndexElement(col, None, c.take_until(never)))
        if not c.accept_punct(","):
            break
    c.expect_punct(")")
    return tuple(out)


def create_index(c: Cursor) -> ch.Change:
    unique = c.accept("UNIQUE")
    method = None
    if not unique and (c.is_word("FULLTEXT") or c.is_word("SPATIAL")):
        method = c.next().upper
    c.expect("INDEX")
    ine = c.if_not_exists()
    name = c.name()
    using = _using(c)
    c.expect("ON")
    table = c.qname()
    ix = _index_rest(c, table, name, unique, method, [])
    if using:
        ix = Index(ix.name, ix.table, ix.elements, ix.unique, ix.method,
                   tail=f"{using} {ix.tail}".strip())  # fmt: skip
    if not c.at_end():
        raise ReadError(f"unexpected {c.describe()} after CREATE INDEX")
    return ch.CreateIndex(ix, ine)
