"""Preflight for the DELETE that undoes an INSERT … SELECT: no row may point at its rows.

``inverse.seeds`` undoes ``INSERT INTO t … SELECT`` by deleting the rows of ``t`` whose key
the query yields. A foreign key to ``t`` whose ON DELETE is RESTRICT or NO ACTION makes
that DELETE fail while rows point at those rows (CASCADE and SET NULL/DEFAULT do not fail:
the note says what they do). MySQL commits each DDL statement and SQLite runs the file
statement by statement, so a failure there after earlier changes leaves the database
neither before nor after; PostgreSQL rolls back, with its own message. ``pointed`` makes
one ``preflight.Check`` (kind ``pointed``) per such foreign key, and ``rows`` the query
every engine asks of it: PostgreSQL's DO block (``preflight_pg``) and the MySQL and SQLite
preflights (``data_checks.violation``) render this one check.

The referencing table is taken as it is when down.sql starts (``after``), unless down.sql
drops, renames or rebuilds it, or drops that foreign key, before the DELETE runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.inverse.seeds import on_delete
from prisma_down.core.preflight import Check
from prisma_down.core.render.rows import deleted
from prisma_down.core.schema import QName

_FAILS = ("RESTRICT", "NO ACTION")
CHILD = "prisma_down_child"  # the referencing table's alias: it may be the table itself


def pointed(
    changes: Sequence[ch.Change], after: Catalog, before: Catalog | None = None
) -> list[Check]:
    """The checks for the DELETEs of queried rows among ``changes`` (in down.sql's order).

    With ``before`` (engines whose preflight cannot skip a missing table), only referencing
    tables that exist before the migration too: there whatever part of it ran.
    """
    out: list[Check] = []
    gone: set[QName] = set()  # tables dropped, renamed or rebuilt before the DELETE
    unlinked: set[tuple[QName, str]] = set()  # foreign keys dropped before it
    for c in ch.flat(changes):
        if isinstance(c, ch.DeleteRows) and c.query:
            out += _of(c, after, before, gone, unlinked)
        elif isinstance(c, ch.DropTable):
            gone.add(c.name)
        elif isinstance(c, ch.RenameTable):
            gone |= {c.old, c.new}
        elif isinstance(c, ch.RedefineTable):
            gone.add(c.table.name)
        elif isinstance(c, ch.DropConstraint):
            unlinked.add((c.table, c.name.lower()))
    return list(dict.fromkeys(out))


def _of(
    d: ch.DeleteRows,
    after: Catalog,
    before: Catalog | None,
    gone: set[QName],
    unlinked: set[tuple[QName, str]],
) -> list[Check]:
    out: list[Check] = []
    for t in after.tables.values():
        if t.name in gone or (before is not None and t.name not in before.tables):
            continue
        for k in t.constraints:
            if k.kind != "f" or k.ref_table != d.table or not k.ref_columns:
                continue
            if on_delete(k) not in _FAILS or (t.name, k.name.lower()) in unlinked:
                continue
            if before is not None and not _stable(before, t.name, k.columns):
                continue
            child = f"{t.name.name}.{','.join(k.columns)}"
            message = (  # what to do first: MySQL keeps 128 characters of it
                f"prisma-down preflight: {child} points at {d.table.name} rows down.sql "
                "deletes: delete or re-point those rows first (the INSERT ... SELECT added them)"
            )
            out.append(Check("pointed", t.name, k.columns, k.ref_columns, message, delete=d))
    return out


def _stable(before: Catalog, table: QName, columns: Sequence[str]) -> bool:
    t = before.tables.get(table)
    return t is not None and all(t.column(x) is not None for x in columns)


def rows(check: Check, child: str, parent: str, quote: Callable[[str], str], shape: str) -> str:
    """``SELECT 1 FROM <parent> WHERE <down.sql deletes it> AND <a row of child points at
    it>``: a row when ``check`` fails. ``child`` and ``parent`` are quoted table names,
    ``shape`` the engine's form of the DELETE's condition (``render.rows.deleted``)."""
    assert check.delete is not None
    on = " AND ".join(
        f"{CHILD}.{quote(a)} = {parent}.{quote(b)}"
        for a, b in zip(check.columns, check.values, strict=True)
    )
    points = f"EXISTS (SELECT 1 FROM {child} AS {CHILD} WHERE {on})"
    gone = deleted(check.delete, parent, quote, shape)
    return f"SELECT 1 FROM {parent} WHERE {gone} AND {points}"
