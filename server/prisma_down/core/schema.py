"""Schema objects: the values the catalog holds and changes carry.

All frozen: a catalog is a value, so the state before any statement of the history
can be kept and shared without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True, order=True)
class QName:
    """A possibly schema-qualified object name; ``schema == ""`` is the default schema.

    Names are stored as the database sees them: quoted names as written, unquoted ones
    folded the way the dialect folds them (PostgreSQL: lower case).
    """

    schema: str
    name: str

    def renamed(self, name: str) -> QName:
        return QName(self.schema, name)

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Column:
    """A column, with the ORIGINAL source text of its type and default."""

    name: str
    type: str
    default: str | None = None
    not_null: bool = False
    # Text kept verbatim after the type: COLLATE, GENERATED ... AS IDENTITY / STORED.
    collate: str | None = None
    identity: str | None = None
    generated: str | None = None
    # "SERIAL"/"BIGSERIAL"/"SMALLSERIAL" while the column still owns its implicit sequence.
    serial: str | None = None
    # MySQL: verbatim attributes with no field of their own (ON UPDATE ..., COMMENT '...').
    options: str | None = None


@dataclass(frozen=True)
class Constraint:
    """A named table constraint.

    ``kind``: ``p`` primary key, ``u`` unique, ``f`` foreign key, ``c`` check, ``x`` exclusion.
    ``tail`` is verbatim text that follows the structured part (FK actions, DEFERRABLE,
    the CHECK body, index parameters). ``not_valid``: added NOT VALID and not validated
    since; PostgreSQL shows it as such (``pg_get_constraintdef``), so a restore must too.
    """

    name: str
    kind: str
    columns: tuple[str, ...] = ()
    ref_table: QName | None = None
    ref_columns: tuple[str, ...] = ()
    tail: str = ""
    not_valid: bool = False
    # SQLite keeps CREATE TABLE as written (sqlite_master.sql): a constraint written in its
    # column's definition (``"id" INTEGER PRIMARY KEY AUTOINCREMENT``) stays there. SQLite
    # constraints may have no name: ``name`` is then "".
    inline: bool = False


@dataclass(frozen=True)
class IndexElement:
    """One element of an index: a column (``column`` set) or an expression (``expression``)."""

    column: str | None
    expression: str | None = None
    # Verbatim text after the column or expression: opclass, ASC/DESC, NULLS FIRST/LAST, COLLATE.
    suffix: str = ""


@dataclass(frozen=True)
class Index:
    """An index created by CREATE INDEX (not one backing a constraint)."""

    name: QName
    table: QName
    elements: tuple[IndexElement, ...]
    unique: bool = False
    method: str | None = None
    where: str | None = None
    include: tuple[str, ...] = ()
    tail: str = ""  # NULLS NOT DISTINCT, WITH (...), TABLESPACE ...
    # MySQL: created by a foreign key for want of an index; the server drops it by itself
    # when another index can serve that key.
    implicit: bool = False


@dataclass(frozen=True)
class Table:
    name: QName
    columns: tuple[Column, ...]
    constraints: tuple[Constraint, ...] = ()
    # Verbatim text after the column list (PARTITION BY, WITH, INHERITS ...), and modifiers.
    tail: str = ""
    prefix: str = ""  # UNLOGGED, TEMPORARY

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    def constraint(self, name: str) -> Constraint | None:
        for c in self.constraints:
            if c.name == name:
                return c
        return None


@dataclass(frozen=True)
class Enum:
    name: QName
    values: tuple[str, ...]


class Spelled(NamedTuple):
    """A view's text with its stars spelled out, and the columns each table gave then."""

    text: str
    columns: tuple[tuple[QName, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Opaque:
    """An object kept as its defining SQL: extension, schema, sequence, view, function, trigger.

    ``key`` identifies it within its kind (a trigger's key includes its table).
    """

    kind: str
    name: QName
    sql: str
    table: QName | None = None
    # a view's text with its stars spelled out as the columns they meant when it was
    # created (core.view_stars); None when it has none
    expanded: Spelled | None = field(default=None, compare=False)
