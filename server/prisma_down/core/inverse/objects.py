"""Inverses of changes to objects kept as source text (views, functions, triggers, sequences,
…) and of comments: a dropped or replaced object comes back from its earlier definition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core import escape
from prisma_down.core.catalog import Catalog, comments_on
from prisma_down.core.dependents import RELATIONS, restore_relation
from prisma_down.core.inverse.model import NOTHING, Inverse, exact, never
from prisma_down.core.names import comment_target, qualified, quote
from prisma_down.core.schema import Opaque, QName
from prisma_down.core.value_map import unquote
from prisma_down.core.view_stars import as_created


def _create_object(c: ch.CreateObject, cat: Catalog) -> Inverse:
    o = c.object
    prev = cat.object(o.kind, o.name, o.table)
    if prev is not None:
        if c.or_replace and o.kind in ("view", "materialized view"):
            # CREATE OR REPLACE VIEW cannot drop or rename columns: drop it and re-create it
            return exact(ch.DropObject(o.kind, o.name), ch.CreateObject(as_created(prev, cat)))
        if c.or_replace:
            return exact(ch.CreateObject(as_created(prev, cat), or_replace=True))
        if c.if_not_exists:
            return NOTHING
    return exact(ch.DropObject(o.kind, o.name, table=o.table))


def _drop_object(c: ch.DropObject, cat: Catalog) -> Inverse:
    prev: Opaque | None = cat.object(c.kind, c.name, c.table)
    if prev is None and c.kind == "sequence":
        prev = next((o for _, o in cat.objects_named("sequence", c.name)), None)
    if prev is None:
        if c.if_exists:
            return NOTHING
        return never(
            f'{c.kind} "{c.name.name}" is not created earlier in the history, '
            "so its definition is unknown"
        )
    if prev.kind in RELATIONS:  # with its indexes, triggers and rules: core.dependents
        return exact(*restore_relation(cat, (prev.kind, prev.name, prev.table)))
    return exact(
        ch.CreateObject(as_created(prev, cat)),
        *_position(prev, cat),
        *comments_on(cat, c.kind.upper(), comment_target(c.name)),
    )


_OWNED_BY = re.compile(
    r'OWNED\s+BY\s+(?:("(?:[^"]|"")+")\s*\.\s*)?("(?:[^"]|"")+")\s*\.\s*("(?:[^"]|"")+")\s*$',
    re.I,
)


def _position(seq: Opaque, cat: Catalog) -> list[ch.Change]:
    """A sequence owned by a column, re-created, goes on after the column's highest value.

    A dropped sequence is gone with its position; CREATE SEQUENCE starts it afresh, and the
    next row would take a key the table still holds. ``setval`` (is_called: the next value
    is the one after, https://www.postgresql.org/docs/current/functions-sequence.html)
    from the owning column's maximum brings the position back as far as the rows tell it;
    the column may still hold text there (a type change undone later), so only integral
    values count. Nothing is set while the table is empty."""
    if seq.kind != "sequence" or not cat.dialect.serial_sequences:
        return []
    m = _OWNED_BY.search(seq.sql)
    if m is None:
        return []
    schema, table, column = (unquote(g) if g else "" for g in m.groups())
    if schema == "public":
        schema = ""
    t = QName(schema, table)
    if t not in cat.tables or cat.tables[t].column(column) is None:
        return []
    col = quote(column)
    whole = f"CASE WHEN {col}::text ~ '^[0-9]{{1,18}}$' THEN {col}::text::bigint END"
    sql = (
        f"PERFORM setval({escape.literal(qualified(seq.name), 'postgres')}, max({whole})) "
        f"FROM {qualified(t)} HAVING max({whole}) IS NOT NULL"
    )
    guard = ch.Guard("column", (table, column), False, schema)
    return [ch.Guarded(guard, (ch.Verbatim(sql),))]


def _rename_object(c: ch.RenameObject, cat: Catalog) -> Inverse:
    return exact(ch.RenameObject(c.kind, c.new, c.old))


def _set_comment(c: ch.SetComment, cat: Catalog) -> Inverse:
    return exact(
        ch.SetComment(c.target_kind, c.target, cat.comments.get((c.target_kind, c.target)))
    )


def _alter_sequence(c: ch.AlterSequence, cat: Catalog) -> Inverse:
    """``OWNED BY`` back to the owner the sequence had (NONE if it had none)."""
    hit = next((o for _, o in cat.objects_named("sequence", c.name)), None)
    if hit is None:
        if c.if_exists:
            return NOTHING
        return never(f'sequence "{c.name.name}" is not created earlier in the history')
    m = _OWNED_BY.search(hit.sql)
    before = m.group(0).split(None, 2)[2].strip() if m else ""
    return exact(ch.AlterSequence(c.name, (("OWNED BY", before),)))


INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    ch.AlterSequence: _alter_sequence,
    ch.CreateObject: _create_object,
    ch.DropObject: _drop_object,
    ch.RenameObject: _rename_object,
    ch.SetComment: _set_comment,
}
