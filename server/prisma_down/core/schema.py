"""Schema objects: the values the catalog holds and changes carry.

All frozen: a catalog is a value, so the state before any statement of the history
can be kept and shared without copying.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload

from prisma_down.core.pmap import PMap


@dataclass(frozen=True, order=True)
class QName:
    """A possibly schema-qualified object name; ``schema == ""`` is the default schema.

    Names are stored as the database sees them: quoted names as written, unquoted ones
    folded the way the dialect folds them (PostgreSQL: lower case).
    """

    schema: str
    name: str

    # Hashed on every catalog lookup: keep the hash rather than hash a new tuple each time.
    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.schema, self.name)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not QName:
            return NotImplemented
        return self is other or (self.name == other.name and self.schema == other.schema)

    def __reduce__(self) -> tuple[type[QName], tuple[str, str]]:
        return QName, (self.schema, self.name)  # the hash is per process: not pickled

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


class Columns(Sequence[Column]):
    """A table's columns in order, found by name and changed one at a time.

    Up to ``SMALL`` columns they are a tuple, as cheap as one; a wider table keeps them in
    a persistent map keyed by name, so adding or altering one column does not copy the
    others (an ``ADD COLUMN`` per column, tens of thousands of times, stays linear). Two
    columns of one name (invalid SQL, but readable) keep the tuple form at any width.
    """

    SMALL = 64
    __slots__ = ("_map", "_tuple")

    def __init__(self, columns: Iterable[Column] = ()) -> None:
        cols = tuple(columns)
        self._tuple: tuple[Column, ...] | None = cols
        self._map: PMap[str, Column] | None = None
        if len(cols) > self.SMALL:
            named = PMap((c.name, c) for c in cols)
            if len(named) == len(cols):
                self._map = named

    @classmethod
    def _wide(cls, named: PMap[str, Column]) -> Columns:
        out = object.__new__(cls)
        out._map, out._tuple = named, None
        return out

    def as_tuple(self) -> tuple[Column, ...]:
        if self._tuple is None:
            assert self._map is not None
            self._tuple = tuple(self._map.values())
        return self._tuple

    def get(self, name: str) -> Column | None:
        """The (first) column called ``name``."""
        if self._map is not None:
            return self._map.get(name)
        for c in self.as_tuple():
            if c.name == name:
                return c
        return None

    def names(self) -> PMap[str, Column] | None:
        """The columns by name when the table is wide (None: a tuple, scan it)."""
        return self._map

    def appended(self, col: Column) -> Columns:
        if self._map is not None and col.name not in self._map:
            return Columns._wide(self._map.set(col.name, col))
        return Columns((*self.as_tuple(), col))

    def mapped(self, name: str, f: Callable[[Column], Column]) -> Columns:
        """Every column called ``name`` through ``f`` (which may rename it), in place."""
        if self._map is not None:
            old = self._map.get(name)
            if old is None:
                return self
            new = f(old)
            if new.name == name:
                return Columns._wide(self._map.set(name, new))
            if new.name not in self._map:
                return Columns._wide(self._map.rekeyed({name: (new.name, new)}))
        return Columns(f(c) if c.name == name else c for c in self.as_tuple())

    def without(self, name: str) -> Columns:
        """Every column called ``name`` gone."""
        if self._map is not None:
            return Columns._wide(self._map.delete(name)) if name in self._map else self
        return Columns(c for c in self.as_tuple() if c.name != name)

    def __len__(self) -> int:
        return len(self._map) if self._map is not None else len(self.as_tuple())

    def __iter__(self) -> Iterator[Column]:
        return iter(self.as_tuple())

    @overload
    def __getitem__(self, i: int) -> Column: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Column, ...]: ...
    def __getitem__(self, i: int | slice) -> Column | tuple[Column, ...]:
        return self.as_tuple()[i]

    def __contains__(self, value: object) -> bool:
        return value in self.as_tuple()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Columns):
            return other is self or self.as_tuple() == other.as_tuple()
        return isinstance(other, tuple) and self.as_tuple() == other

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def __repr__(self) -> str:
        return repr(self.as_tuple())

    def __reduce__(self) -> tuple[Any, ...]:
        return (Columns, (self.as_tuple(),))


@dataclass(frozen=True)
class Table:
    """A table; ``columns`` may be given as any sequence and is kept as ``Columns``."""

    name: QName
    columns: Sequence[Column]
    constraints: tuple[Constraint, ...] = ()
    # Verbatim text after the column list (PARTITION BY, WITH, INHERITS ...), and modifiers.
    tail: str = ""
    prefix: str = ""  # UNLOGGED, TEMPORARY

    def __post_init__(self) -> None:
        if self.columns.__class__ is not Columns:
            object.__setattr__(self, "columns", Columns(self.columns))

    @property
    def cols(self) -> Columns:
        """``columns`` as the type it is kept as."""
        return self.columns  # type: ignore[return-value]

    def column(self, name: str) -> Column | None:
        return self.cols.get(name)

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
