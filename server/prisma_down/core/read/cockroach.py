"""CockroachDB statements → changes: the PostgreSQL reader, plus what only Cockroach has.

``ALTER TABLE t ALTER PRIMARY KEY USING COLUMNS (…)`` replaces the primary key (named
``t_pkey``, CockroachDB's name for every primary key since v22.1) in one statement.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.read import postgres
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
            return (
                ch.DropConstraint(table, name, if_exists=True),
                ch.AddConstraint(table, Constraint(name, "p", columns, tail=tail)),
            )
    return postgres.read(text, "cockroachdb")
