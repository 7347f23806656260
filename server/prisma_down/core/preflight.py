"""What the rows must satisfy before down.sql changes anything (engine-neutral).

A down.sql that fails halfway on data (a NOT NULL column put back on a table with rows, a
label removed while rows hold it) leaves the database neither before nor after wherever
DDL is not transactional, and even where it is, the error names a statement, not what to
fix. Each inverse that can fail on data says what it needs as a ``Check``; the engine's
module (the Dialect's ``framing``) writes the checks at the top of down.sql, before the
first change, failing with ``message``. A check is written only for tables and columns as they stand
when down.sql starts (the state the whole migration left); the engine's SQL skips it when
they are not there (a migration that failed halfway).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.dialects import Dialect, of
from prisma_down.core.schema import QName


@dataclass(frozen=True)
class Check:
    """Rows of ``table`` that make down.sql fail or lose data; any found stops it.

    ``kind`` says which rows: ``values`` (``columns[0]`` holds a non-NULL value outside
    ``values``), ``labels`` (it holds one of ``values``), ``nulls`` (a column of
    ``columns`` is NULL), ``rows`` (any row), ``orphans`` (every column of ``columns`` set:
    rows pointing at a table that comes back empty), ``duplicates`` (two rows with the same
    ``columns``, none NULL), ``held`` (``columns[0]`` holds a value while its type is
    ``values[0]``: PostgreSQL has no cast back), ``several`` (it holds an array of other
    than one element, which cannot become one value), ``pointed`` (``columns`` hold a
    foreign key to ``values`` of ``delete.table``, on a row that ``delete`` deletes: the
    DELETE undoing an INSERT … SELECT would fail, ``core.seed_checks``). ``array``:
    ``columns[0]`` is an array, compared element-wise.
    ``absent``: applies only while this column of ``table`` is missing (down.sql puts it
    back); ``missing``: only while this table is missing. ``message`` says what to fix.
    """

    kind: str
    table: QName
    columns: tuple[str, ...]
    values: tuple[str, ...]
    message: str
    array: bool = False
    absent: str | None = None
    missing: QName | None = None
    delete: ch.DeleteRows | None = None


def engine(dialect: str | Dialect) -> ModuleType | None:
    """The module that writes ``dialect``'s preflight and frames its file, if it has one
    (named by the Dialect's ``framing``)."""
    name = of(dialect).framing
    return import_module(name) if name is not None else None


def unique(checks: Iterable[Check]) -> list[Check]:
    """``checks`` without repeats, in order (two inverses may need the same rows)."""
    return list(dict.fromkeys(checks))


def quoted_list(values: Sequence[str], limit: int = 6) -> str:
    """``'a', 'b'`` for a message, shortened after ``limit`` values."""
    shown = ", ".join(f"'{v}'" for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def table_name(name: QName) -> str:
    return f'"{name.schema}"."{name.name}"' if name.schema else f'"{name.name}"'


__all__: list[Any] = ["Check", "engine", "quoted_list", "table_name", "unique"]
