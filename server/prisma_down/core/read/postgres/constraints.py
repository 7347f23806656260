"""Table constraints (PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK, EXCLUDE), named as PostgreSQL
names them when the statement does not.
"""

from __future__ import annotations

from prisma_down.core.names import pg_name
from prisma_down.core.read.postgres.syntax import never
from prisma_down.core.read.tokens import Cursor, ReadError
from prisma_down.core.schema import Constraint


def table_constraint(c: Cursor, table: str) -> Constraint:
    name: str | None = None
    if c.accept("CONSTRAINT"):
        name = c.name()
    if c.accept("PRIMARY", "KEY"):
        if c.accept("USING", "INDEX"):  # the index becomes the constraint (its columns: catalog's)
            index = c.name()
            return Constraint(
                name or pg_name(table, [], "pkey"), "p", (), tail=f"USING INDEX {index}"
            )
        cols = c.name_list()
        return Constraint(name or pg_name(table, [], "pkey"), "p", cols, tail=c.take_until(never))
    if c.accept("UNIQUE"):
        if c.accept("USING", "INDEX"):
            index = c.name()
            return Constraint(
                name or pg_name(table, [], "key"), "u", (), tail=f"USING INDEX {index}"
            )
        pre = ""
        if c.is_word("NULLS"):
            pre = c.take_until(lambda x: x.is_punct("("))
        cols = c.name_list()
        tail = (pre + " " + c.take_until(never)).strip() if pre else c.take_until(never)
        return Constraint(name or pg_name(table, list(cols), "key"), "u", cols, tail=tail)
    if c.accept("FOREIGN", "KEY"):
        cols = c.name_list()
        c.expect("REFERENCES")
        ref = c.qname()
        ref_cols = c.name_list() if c.is_punct("(") else ()
        return Constraint(
            name or pg_name(table, list(cols), "fkey"),
            "f",
            cols,
            ref,
            ref_cols,
            c.take_until(never),
        )
    if c.is_word("CHECK"):
        body = c.take_until(never)
        return Constraint(name or pg_name(table, [], "check"), "c", (), tail=body)
    if c.is_word("EXCLUDE"):
        body = c.take_until(never)
        return Constraint(name or pg_name(table, [], "excl"), "x", (), tail=body)
    raise ReadError("unknown table constraint")


def dedupe(cons: list[Constraint]) -> list[Constraint]:
    seen: set[str] = set()
    out = []
    for k in cons:
        if k.name not in seen:
            seen.add(k.name)
            out.append(k)
    return out
