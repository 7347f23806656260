"""Statements that change data rather than schema: what can be undone and what cannot.

INSERT of literal rows is read token by token (the inverse needs each value's source
text), INSERT … SELECT by ``read.seeds``; everything else is classified from sqlglot's tree.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prisma_down.core import changes as ch
from prisma_down.core.read import seeds
from prisma_down.core.read.tokens import Cursor, ReadError, sqlglot_dialect

if TYPE_CHECKING:
    from sqlglot import exp

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def read(c: Cursor, text: str, dialect: str) -> tuple[ch.Change, ...]:
    """Changes of a data statement; raises ReadError when it is not valid SQL at all."""
    head = c.peek()
    word = head.upper if head is not None and head.kind == "word" else ""
    if word in ("INSERT", "REPLACE"):
        rows = _insert_rows(c)
        if rows is not None:
            return (rows,)
    if word in ("INSERT", "WITH"):
        seeded = seeds.read(c, text, dialect)  # INSERT … SELECT: the rows a query added
        if seeded is not None:
            return (seeded,)
    if word == "DO":
        return (ch.DataChange("a DO block runs code whose effects cannot be undone"),)
    if word in ("CALL", "EXEC", "EXECUTE"):
        return (ch.DataChange("a procedure call has effects that cannot be undone"),)
    if word == "COPY":
        return (ch.DataChange("COPY loads or exports data; what it loaded is not recorded"),)
    if word in ("GRANT", "REVOKE"):
        return (ch.Unsupported(f"{word} changes permissions, which prisma-down does not track"),)
    plain = _plain(c, word)
    if plain is not None:
        return (plain,)
    read = sqlglot_dialect(dialect)  # only here: plain DDL never needs sqlglot's parser
    import sqlglot

    try:
        tree = sqlglot.parse_one(text, read=read)
    except Exception as e:  # sqlglot raises more than ParseError on odd input
        raise ReadError(f"not valid SQL: {str(e).splitlines()[0][:160]}") from None
    return (_classify(tree),)


def parses(text: str, dialect: str) -> bool:
    """Whether sqlglot accepts the statement (it is no validator: a loose check)."""
    read = sqlglot_dialect(dialect)
    import sqlglot

    try:
        sqlglot.parse_one(text, read=read)
    except Exception:
        return False
    return True


_SAY = {
    "UPDATE": "UPDATE overwrites values; the previous values are not recorded",
    "DELETE": "DELETE removes rows; they cannot be brought back",
    "TRUNCATE": "TRUNCATE removes every row; they cannot be brought back",
    "INSERT": "INSERT of rows computed by a query: which rows it added is not known",
}
_DANGLING = frozenset({"SET", "WHERE", "AND", "OR", "NOT", "FROM", "USING", "SELECT", "VALUES"})


def _plain(c: Cursor, word: str) -> ch.Change | None:
    """UPDATE, DELETE, TRUNCATE and INSERT in their plain shapes, without sqlglot's parser.

    A backfill is read on every keystroke of a history that holds one; importing and running
    sqlglot's parser for it cost more than the rest of the statement's reading. Anything
    that does not look finished (an open parenthesis, a trailing operator or keyword) goes to
    sqlglot, which decides whether it is SQL at all.
    """
    if word not in _SAY and word != "WITH":
        return None
    start = c.i
    try:
        c.next()
        if word == "WITH":
            word = _after_with(c)
            if word not in _SAY:
                return None
        elif word == "UPDATE":
            c.accept("ONLY")
            c.qname()
            c.accept("AS")
            t = c.peek()
            if t is not None and t.kind in ("word", "ident") and t.upper != "SET":
                c.next()
            if not c.accept("SET"):
                return None
        elif word == "DELETE":
            c.expect("FROM")
            c.qname()
        elif word == "TRUNCATE":
            c.accept("TABLE")
            c.qname()
        else:
            c.expect("INTO")
            c.qname()
        depth = 0
        for t in c.toks:
            if t.kind == "punct" and t.text in ("(", "["):
                depth += 1
            elif t.kind == "punct" and t.text in (")", "]"):
                depth -= 1
                if depth < 0:
                    return None
        last = c.toks[-1]
        if depth or (last.kind == "punct" and last.text not in (")", "]", "*")):
            return None
        if last.kind == "word" and last.upper in _DANGLING:
            return None
        if word == "UPDATE" and c.at_end():
            return None
    except ReadError:
        return None
    finally:
        c.i = start
    return ch.DataChange(_SAY[word])


def _after_with(c: Cursor) -> str:
    """After ``WITH``: the statement's own verb, or the verb of a data-changing CTE."""
    c.accept("RECURSIVE")
    changing = ""
    while True:
        c.name()
        if c.is_punct("("):
            c.skip_group()
        c.expect("AS")
        c.accept("NOT")
        c.accept("MATERIALIZED")
        if not c.is_punct("("):
            raise ReadError("expected a parenthesised query")
        inner = c.peek(1)
        if inner is not None and inner.kind == "word" and inner.upper in _SAY:
            changing = changing or inner.upper
        c.skip_group()
        if not c.accept_punct(","):
            break
    verb = c.peek()
    own = verb.upper if verb is not None and verb.kind == "word" else ""
    if own in _SAY:
        return own
    return changing if own == "SELECT" else ""


def _classify(tree: exp.Expr) -> ch.Change:
    from sqlglot import exp

    node = tree.this if isinstance(tree, exp.With) else tree
    if isinstance(node, exp.Update):
        return ch.DataChange("UPDATE overwrites values; the previous values are not recorded")
    if isinstance(node, exp.Delete):
        return ch.DataChange("DELETE removes rows; they cannot be brought back")
    if isinstance(node, exp.TruncateTable):
        return ch.DataChange("TRUNCATE removes every row; they cannot be brought back")
    if isinstance(node, exp.Insert):
        return ch.DataChange("INSERT of rows computed by a query: which rows it added is not known")
    if isinstance(node, exp.Merge):
        return ch.DataChange("MERGE changes rows; the previous values are not recorded")
    if isinstance(node, exp.Select | exp.Union):
        calls = [
            f.sql_name() if not isinstance(f, exp.Anonymous) else str(f.this)
            for f in node.find_all(exp.Func)
            if isinstance(f, exp.Anonymous) or f.sql_name().lower() in ("setval", "nextval")
        ]
        if calls:
            return ch.DataChange(
                f"SELECT calls {', '.join(sorted(set(calls))[:3])}, whose effects cannot be undone"
            )
        return ch.SessionSetting(tree.sql())
    if isinstance(node, exp.Command):
        return ch.Unsupported(f"{str(node.this).upper()} statement not understood")
    return ch.Unsupported(f"{type(node).__name__.upper()} statement not understood")


def _insert_rows(c: Cursor) -> ch.InsertRows | None:
    """``INSERT INTO t (cols) VALUES (...), ...`` with nothing after the rows, else None."""
    start = c.i
    try:
        c.next()
        c.accept("INTO")
        table = c.qname()
        if not c.is_punct("("):
            return None
        columns = c.name_list()
        if not c.accept("VALUES"):
            return None
        rows: list[tuple[str, ...]] = []
        while True:
            c.expect_punct("(")
            values = []
            while True:
                values.append(c.take_until(lambda _: False))
                if not c.accept_punct(","):
                    break
            c.expect_punct(")")
            if len(values) != len(columns):
                return None
            rows.append(tuple(values))
            if not c.accept_punct(","):
                break
        if not c.at_end():
            return None  # ON CONFLICT, RETURNING ...: which rows it added is not certain
        return ch.InsertRows(table, columns, tuple(rows))
    except ReadError:
        return None
    finally:
        c.i = start
