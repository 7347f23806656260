"""CockroachDB: PostgreSQL's syntax, built on PostgreSQL's Dialect (the registry passes it).

What differs: ALTER PRIMARY KEY and ALTER SEQUENCE options (read and applied), enum values
dropped and column types changed by drop + re-add (inverted), sequences compared by their
options, no SERIAL sequences, and no half-applied states modelled.
"""

from __future__ import annotations

from dataclasses import replace

from prisma_down.core.dialects import Dialect, Lexicon
from prisma_down.core.dialects.cockroach import read as reader
from prisma_down.core.read.postgres_family import statement_reader


def _differences(kind: str, name: object, before: str, after: str) -> list[str]:
    from prisma_down.core.dialects.cockroach import overrides as cockroach
    from prisma_down.core.schema import QName

    if kind != "sequence" or not isinstance(name, QName):
        return []
    return cockroach.sequence_differences(name, before, after)


def build(base: Dialect) -> Dialect:
    from prisma_down.core.dialects.cockroach import overrides as cockroach

    return replace(
        base,
        name="cockroachdb",
        title="CockroachDB",
        lexicon=Lexicon(nested_comments=True, e_strings=True, dollar_quotes=True),
        read=statement_reader("cockroachdb", reader.read),
        render_all=None,
        apply=cockroach.APPLY,
        invert=cockroach.INVERT,
        serial_sequences=False,
        partial_states="none",
        guards_partial=False,
        framing=None,  # no preflight or transaction frame written for CockroachDB yet
        object_differences=_differences,
    )
