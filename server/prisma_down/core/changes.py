"""Dialect-neutral changes: what a statement does to the schema or the data.

Readers turn statements into changes; the catalog applies them; the inverter answers each
with the changes that undo it; renderers print changes as SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prisma_down.core.schema import Column, Constraint, Enum, Index, Opaque, QName, Table


@dataclass(frozen=True)
class CreateTable:
    table: Table
    if_not_exists: bool = False
    indexes: tuple[Index, ...] = ()  # MySQL: the indexes written inside CREATE TABLE


@dataclass(frozen=True)
class DropTable:
    name: QName
    if_exists: bool = False
    cascade: bool = False


@dataclass(frozen=True)
class RenameTable:
    old: QName
    new: QName


@dataclass(frozen=True)
class RedefineTable:
    """SQLite's way to change a table: create ``new_X``, copy the rows, drop ``X``, rename.

    ``table`` is the table as it ends up (named ``X``); ``copied`` pairs each column filled
    from a column of the old table with that column, ``(new, old)``; ``filled`` pairs a
    column with the SQL expression that fills it instead; ``indexes`` are created with it
    (an inverse re-creates the old table's indexes, which went with the old table).
    """

    table: Table
    copied: tuple[tuple[str, str], ...]
    indexes: tuple[Index, ...] = ()
    filled: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AddColumn:
    table: QName
    column: Column
    constraints: tuple[Constraint, ...] = ()
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropColumn:
    table: QName
    name: str
    if_exists: bool = False
    cascade: bool = False


@dataclass(frozen=True)
class RenameColumn:
    table: QName
    old: str
    new: str


@dataclass(frozen=True)
class AlterColumnType:
    table: QName
    column: str
    type: str
    using: str | None = None
    collate: str | None = None


@dataclass(frozen=True)
class ReplaceColumn:
    """MySQL's MODIFY / CHANGE: the column ``column`` redefined in full (and maybe renamed)."""

    table: QName
    column: str
    new: Column


@dataclass(frozen=True)
class SetColumnDefault:
    table: QName
    column: str
    default: str | None  # None drops the default


@dataclass(frozen=True)
class SetColumnNotNull:
    table: QName
    column: str
    not_null: bool


@dataclass(frozen=True)
class SetColumnIdentity:
    """ADD GENERATED ... AS IDENTITY (identity set) or DROP IDENTITY (identity None)."""

    table: QName
    column: str
    identity: str | None
    if_exists: bool = False


@dataclass(frozen=True)
class AddConstraint:
    table: QName
    constraint: Constraint
    not_valid: bool = False


@dataclass(frozen=True)
class DropConstraint:
    table: QName
    name: str
    if_exists: bool = False
    cascade: bool = False
    kind: str = ""  # Constraint.kind when known: MySQL drops each kind its own way


@dataclass(frozen=True)
class ValidateConstraint:
    """ALTER TABLE ... VALIDATE CONSTRAINT: a NOT VALID check or foreign key becomes valid."""

    table: QName
    name: str


@dataclass(frozen=True)
class RenameConstraint:
    table: QName
    old: str
    new: str


@dataclass(frozen=True)
class AlterPrimaryKey:
    """CockroachDB's ``ALTER TABLE t ALTER PRIMARY KEY USING COLUMNS (...)``.

    ``constraint`` is the new primary key; the catalog (``core.dialects.cockroach.overrides``)
    also gives the old key's columns the UNIQUE index CockroachDB keeps for them.
    """

    table: QName
    constraint: Constraint


@dataclass(frozen=True)
class AlterSequence:
    """CockroachDB's ``ALTER SEQUENCE s <options>``: ``options`` as (keyword, value) pairs.

    The keywords and values are those of ``core.cockroach.sequence_options``.
    """

    name: QName
    options: tuple[tuple[str, str], ...]
    if_exists: bool = False


@dataclass(frozen=True)
class CreateIndex:
    index: Index
    if_not_exists: bool = False
    concurrently: bool = False


@dataclass(frozen=True)
class DropIndex:
    name: QName
    if_exists: bool = False
    concurrently: bool = False
    table: QName | None = None  # MySQL / SQL Server name the table


@dataclass(frozen=True)
class RenameIndex:
    old: QName
    new: QName
    table: QName | None = None


@dataclass(frozen=True)
class CreateEnum:
    enum: Enum


@dataclass(frozen=True)
class DropEnum:
    name: QName
    if_exists: bool = False


@dataclass(frozen=True)
class RenameEnum:
    old: QName
    new: QName


@dataclass(frozen=True)
class AddEnumValue:
    enum: QName
    value: str
    before: str | None = None
    after: str | None = None
    if_not_exists: bool = False


@dataclass(frozen=True)
class RenameEnumValue:
    enum: QName
    old: str
    new: str


@dataclass(frozen=True)
class DropEnumValue:
    enum: QName
    value: str


@dataclass(frozen=True)
class ReplaceEnum:
    """Recreate an enum with other values the way Prisma does (X_new, cast, rename, drop)."""

    enum: QName
    values: tuple[str, ...]


@dataclass(frozen=True)
class CreateObject:
    """CREATE of an object kept opaque (extension, schema, sequence, view, function, ...)."""

    object: Opaque
    if_not_exists: bool = False
    or_replace: bool = False


@dataclass(frozen=True)
class DropObject:
    kind: str
    name: QName
    if_exists: bool = False
    table: QName | None = None  # triggers and policies live on a table


@dataclass(frozen=True)
class RenameObject:
    kind: str
    old: QName
    new: QName


@dataclass(frozen=True)
class SetComment:
    """COMMENT ON <target_kind> <target> IS <text>; ``text`` None removes it."""

    target_kind: str
    target: str  # rendered target, e.g. '"User"."email"'
    text: str | None


@dataclass(frozen=True)
class Transaction:
    """BEGIN (``begin``) or COMMIT (``commit``)."""

    begin: bool


@dataclass(frozen=True)
class SessionSetting:
    """SET lock_timeout ... and the like: affects the session, not the schema."""

    sql: str


@dataclass(frozen=True)
class InsertRows:
    """INSERT of literal rows: ``rows`` hold each value's source text. Or of the rows a
    query computed (``query``, its source text, a leading WITH included; ``rows`` empty):
    ``stable`` names the columns whose values the query yields again when run again."""

    table: QName
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    query: str = ""
    stable: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeleteRows:
    """DELETE of the rows matching key columns; the inverse of InsertRows.

    With ``query``: the rows whose key the query yields (``values`` empty), its output
    columns named ``columns``; ``types`` are the key columns' types, for engines that do
    not compare a query's untyped output with a column's type (PostgreSQL: 'x' = enum)."""

    table: QName
    key: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]
    query: str = ""
    columns: tuple[str, ...] = ()
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataChange:
    """A statement that changes data in a way nothing can undo (UPDATE, DELETE, ...)."""

    what: str


@dataclass(frozen=True)
class Unsupported:
    """A statement the reader does not understand; its effect is unknown."""

    what: str


@dataclass(frozen=True)
class Guard:
    """``IF [NOT] EXISTS (SELECT ... FROM information_schema / pg_catalog ...)``, as names.

    ``kind`` and ``names`` (the literals the query compares with, table first):
    table ``(table,)``; column ``(table, column)``; index ``(table, index)``; constraint
    ``(table, constraint)``; type, extension, schema, sequence ``(name,)``; value (a label of
    a PostgreSQL enum) ``(type, label)``; object ``(kind, name)``, or ``(kind, name, table)``
    for triggers, policies and rules. A guard read from a hand-written block may name an
    index or constraint alone, ``(name,)``: on any table. ``negated``: IF NOT EXISTS.
    ``schema``: "" the default schema (PostgreSQL ``current_schema()``, MySQL
    ``DATABASE()``), None any schema (hand-written guards that compare names only).
    """

    kind: str
    names: tuple[str, ...]
    negated: bool
    schema: str | None = None


@dataclass(frozen=True)
class Guarded:
    """Changes that run only when ``guard`` holds; the replay decides with the catalog.

    Guards nest (``Guarded(a, (Guarded(b, (c,)),))``): both are decided before ``c`` runs,
    as ``IF a AND b``.
    """

    guard: Guard
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Verbatim:
    """SQL emitted as is (a definition found earlier in the history, a session setting)."""

    sql: str


Change = (
    CreateTable
    | DropTable
    | RenameTable
    | RedefineTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | AlterColumnType
    | ReplaceColumn
    | SetColumnDefault
    | SetColumnNotNull
    | SetColumnIdentity
    | AddConstraint
    | DropConstraint
    | ValidateConstraint
    | RenameConstraint
    | AlterPrimaryKey
    | AlterSequence
    | CreateIndex
    | DropIndex
    | RenameIndex
    | CreateEnum
    | DropEnum
    | RenameEnum
    | AddEnumValue
    | RenameEnumValue
    | DropEnumValue
    | ReplaceEnum
    | CreateObject
    | DropObject
    | RenameObject
    | SetComment
    | Transaction
    | SessionSetting
    | InsertRows
    | DeleteRows
    | DataChange
    | Unsupported
    | Verbatim
    | Guarded
)


def flat(changes: Iterable[Change]) -> Iterator[Change]:
    """Every change, those under a guard included whether or not the guard holds."""
    for c in changes:
        if isinstance(c, Guarded):
            yield from flat(c.changes)
        else:
            yield c
