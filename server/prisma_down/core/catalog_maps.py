"""The catalog's maps, each with the reverse lookups the catalog asks for, kept as it changes.

Which foreign keys point at a table, which columns use a type, which indexes, objects and
comments belong to a table: scanning the whole schema for these on every change made a
history's cost grow with the square of its size. Each map here keeps them as persistent
secondary indexes (``bucket -> keys``), updated by ``set``/``delete`` from the old and new
value of the one entry that changed. Answers come in the order a scan of the map would
give them (insertion order), which the rendered down.sql depends on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from typing import Any

from prisma_down.core.pmap import PMap
from prisma_down.core.schema import Column, Columns, Constraint, Index, Opaque, QName, Table

ObjectKey = tuple[str, QName, "QName | None"]
# A bucket of a secondary index: the key itself while it is the only one (most names are
# unique), a frozenset while small (cheap to copy), a PMap beyond.
Keys = Any
Bucket = PMap[Any, Keys]
_SMALL = 16
Counts = PMap[Any, PMap[Any, int]]

_ARRAY = re.compile(r"(\s*\[\s*\d*\s*\])+\s*$")


@functools.lru_cache(maxsize=4096)
def type_base(type_text: str) -> tuple[QName, str]:
    """The type's name (unquoted, schema split off) and its array suffix."""
    m = _ARRAY.search(type_text)
    suffix = m.group(0).strip() if m else ""
    base = type_text[: m.start()] if m else type_text
    parts = [p.strip() for p in re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', base.strip())]
    names = [p[1:-1].replace('""', '"') if p.startswith('"') else p.lower() for p in parts]
    schema = names[-2] if len(names) > 1 else ""
    return QName("" if schema == "public" else schema, names[-1]), suffix


# Types no enum is called unless quoted so (``"text"``): their columns are not indexed, and
# a lookup of such a name scans every table instead (``Catalog.enum_columns``).
_BUILTIN = re.compile(
    r"(?:(?:tiny|small|medium|big)?int(?:eger|[248])?|(?:big|small)?serial[248]?|(?:ci)?text"
    r"|(?:tiny|medium|long)(?:text|blob)|bool(?:ean)?|bit|varbit|n?char|n?varchar|character"
    r"(?: varying)?|uuid|uniqueidentifier|jsonb?|xml|bytea|blob|(?:var)?binary|date|time(?:tz)?"
    r"|timestamp(?:tz)?|(?:small)?datetime[2]?|datetimeoffset|interval|real|float[48]?"
    r"|double(?: precision)?|decimal|numeric|(?:small)?money|inet|cidr|macaddr|tsvector|ntext"
    r"|image|year)(?:\s*\([^)]*\))?(?:\s+with(?:out)? time zone)?(?:\s+unsigned)?"
)


@functools.lru_cache(maxsize=4096)
def builtin(name: QName) -> bool:
    """Whether ``name`` (a ``type_base``) is a built-in type, left out of the type index."""
    return not name.schema and _BUILTIN.fullmatch(name.name) is not None


def keys_in(index: Bucket, bucket: Any) -> Collection[Any]:
    """The keys in ``bucket`` of a secondary index."""
    keys = index.get(bucket)
    if keys is None:
        return ()
    return keys if isinstance(keys, frozenset | PMap) else (keys,)


def add_to(index: Bucket, bucket: Any, key: Any) -> Bucket:
    """The index with ``key`` added to ``bucket``."""
    keys = index.get(bucket)
    new: Keys
    if keys is None:
        new = key
    elif isinstance(keys, frozenset):
        new = keys | {key}
        if len(new) > _SMALL:
            new = PMap(dict.fromkeys(new, True))
    elif isinstance(keys, PMap):
        new = keys.set(key, True)
    elif keys == key:
        return index
    else:
        new = frozenset((keys, key))
    return index.set(bucket, new)


def remove_from(index: Bucket, bucket: Any, key: Any) -> Bucket:
    """The index with ``key`` taken out of ``bucket``; an emptied bucket goes."""
    keys = index.get(bucket)
    if keys is None:
        return index
    if not isinstance(keys, frozenset | PMap):  # the key alone, not a collection of them
        return index.delete(bucket) if keys == key else index
    if key not in keys:
        return index
    if isinstance(keys, frozenset):
        new: Keys = keys - {key}
        if len(new) == 1:
            (new,) = new
    elif isinstance(keys, PMap):
        new = keys.delete(key)
        if not new:
            return index.delete(bucket)
    else:
        return index.delete(bucket)
    return index.set(bucket, new)


_NO_COUNTS: PMap[Any, int] = PMap()


def _count(index: Counts, bucket: Any, key: Any, delta: int) -> Counts:
    if not delta:
        return index
    keys = index.get(bucket) or _NO_COUNTS
    n = keys.get(key, 0) + delta
    keys = keys.set(key, n) if n else keys.delete(key)
    return index.set(bucket, keys) if keys else index.delete(bucket)


class Tables(PMap[QName, Table]):
    """Tables by name, with: the tables whose constraints reference each table, the tables
    with a column of each type, the tables with a constraint of each (lower-case) name,
    the tables of each unqualified name, and the temporary tables."""

    __slots__ = ("cons", "names", "refs", "temporary", "types")
    refs: Bucket
    types: Counts
    cons: Bucket
    names: Bucket
    temporary: PMap[QName, bool]

    def _init_indexes(self) -> None:
        self.refs = self.cons = self.names = PMap()
        self.types = PMap()
        self.temporary = PMap()

    def _copy_indexes(self, new: Any) -> None:
        new.refs, new.types, new.cons = self.refs, self.types, self.cons
        new.names, new.temporary = self.names, self.temporary

    def _indexed(self, key: QName, old: Table | None, new: Table | None) -> None:
        if (
            old is not None
            and new is not None
            and old.constraints is new.constraints
            and old.name is new.name
            and old.prefix == new.prefix
        ):  # a change to its columns alone
            for t, delta in _type_delta(old, new).items():
                self.types = _count(self.types, t, key, delta)
            return
        a = old.name.name if old is not None else None
        b = new.name.name if new is not None else None
        if a != b:
            if a is not None:
                self.names = remove_from(self.names, a, key)
            if b is not None:
                self.names = add_to(self.names, b, key)
        if (old is not None and old.prefix == "TEMPORARY") != (
            new is not None and new.prefix == "TEMPORARY"
        ):
            self.temporary = (
                self.temporary.set(key, True) if new is not None else self.temporary.delete(key)
            )
        old_k = old.constraints if old is not None else ()
        new_k = new.constraints if new is not None else ()
        if old_k is not new_k:
            gone, came = _apart(old_k, new_k)
            for index, of in (("refs", _refs), ("cons", _cons)):
                before, after = of(gone), of(came)
                if before != after:  # only what the constraints that changed touch
                    left, now = of(old_k) if after else set(), of(new_k) if before else set()
                    bucket = getattr(self, index)
                    for b in before - now:
                        bucket = remove_from(bucket, b, key)
                    for b in after - left:
                        bucket = add_to(bucket, b, key)
                    setattr(self, index, bucket)
        for t, delta in _type_delta(old, new).items():
            self.types = _count(self.types, t, key, delta)

    def referencing(self, table: QName) -> list[QName]:
        """Tables with a constraint referencing ``table`` (itself included), in table order."""
        return self.in_order(keys_in(self.refs, table))

    def using_type(self, base: QName) -> list[QName]:
        """Tables with a column whose type is ``base`` (or an array of it), in table order."""
        if builtin(base):
            return list(self)  # not indexed: every table
        return self.in_order(self.types.get(base) or ())

    def with_constraint(self, name: str) -> list[QName]:
        """Tables with a constraint named ``name``, without regard to case, in table order."""
        return self.in_order(keys_in(self.cons, name.lower()))

    def named(self, name: str) -> list[QName]:
        """Tables called ``name`` in any schema, in table order."""
        return self.in_order(keys_in(self.names, name))

    def temporaries(self) -> list[QName]:
        return self.in_order(self.temporary)


def _apart(
    a: tuple[Constraint, ...], b: tuple[Constraint, ...]
) -> tuple[tuple[Constraint, ...], tuple[Constraint, ...]]:
    """What ``a`` has and ``b`` has not, and the other way round, with the run both share
    at either end left out (identity): a change adds, drops or replaces one or two."""
    i, n = 0, min(len(a), len(b))
    while i < n and a[i] is b[i]:
        i += 1
    j = 0
    while j < n - i and a[-1 - j] is b[-1 - j]:
        j += 1
    return a[i : len(a) - j], b[i : len(b) - j]


def _refs(constraints: tuple[Constraint, ...]) -> set[Any]:
    return {k.ref_table for k in constraints if k.ref_table is not None}


def _cons(constraints: tuple[Constraint, ...]) -> set[Any]:
    return {k.name.lower() for k in constraints}  # "" too: SQLite's are unnamed


def _count_types(delta: dict[QName, int], cols: Iterable[Column], sign: int) -> None:
    for c in cols:
        t = type_base(c.type)[0]
        if not builtin(t):
            delta[t] = delta.get(t, 0) + sign


def _type_delta(old: Table | None, new: Table | None) -> dict[QName, int]:
    """How many more columns of each (indexed) type ``new`` has than ``old``."""
    a: Columns | None = old.cols if old is not None else None
    b: Columns | None = new.cols if new is not None else None
    delta: dict[QName, int] = {}
    if a is b:
        return delta
    wide_a = a.names() if a is not None else None
    wide_b = b.names() if b is not None else None
    if wide_a is not None and wide_b is not None:  # two versions of one wide table
        for name in wide_a.changed(wide_b):
            x, y = wide_a.get(name), wide_b.get(name)
            _count_types(delta, () if x is None else (x,), -1)
            _count_types(delta, () if y is None else (y,), 1)
        return delta
    ta = a.as_tuple() if a is not None else ()
    tb = b.as_tuple() if b is not None else ()
    i, n = 0, min(len(ta), len(tb))
    while i < n and ta[i] is tb[i]:  # skip what both share at either end
        i += 1
    j = 0
    while j < n - i and ta[-1 - j] is tb[-1 - j]:
        j += 1
    _count_types(delta, tb[i : len(tb) - j], 1)
    _count_types(delta, ta[i : len(ta) - j], -1)
    return delta


class Indexes(PMap[QName, "tuple[QName, Index]"]):
    """Indexes by name (``name -> (table, index)``), with the indexes of each table and the
    indexes of each unqualified lower-case name."""

    __slots__ = ("by_name", "by_table")
    by_table: Bucket
    by_name: Bucket

    def _init_indexes(self) -> None:
        self.by_table = self.by_name = PMap()

    def _copy_indexes(self, new: Any) -> None:
        new.by_table, new.by_name = self.by_table, self.by_name

    def _indexed(
        self, key: QName, old: tuple[QName, Index] | None, new: tuple[QName, Index] | None
    ) -> None:
        if old is not None and (new is None or new[0] != old[0]):
            self.by_table = remove_from(self.by_table, old[0], key)
        if new is not None and (old is None or new[0] != old[0]):
            self.by_table = add_to(self.by_table, new[0], key)
        a = old[1].name.name.lower() if old is not None else None
        b = new[1].name.name.lower() if new is not None else None
        if a != b:
            if a is not None:
                self.by_name = remove_from(self.by_name, a, key)
            if b is not None:
                self.by_name = add_to(self.by_name, b, key)

    def on(self, table: QName) -> list[QName]:
        """Names of the indexes of ``table``, in index order."""
        return self.in_order(keys_in(self.by_table, table))

    def named(self, name: str) -> list[QName]:
        """Indexes whose unqualified name is ``name`` without regard to case, in order."""
        return self.in_order(keys_in(self.by_name, name.lower()))


class Objects(PMap[ObjectKey, Opaque]):
    """Opaque objects by ``(kind, name, table)``, with the objects of each table and the
    keys of each unqualified name."""

    __slots__ = ("by_name", "by_table")
    by_table: Bucket
    by_name: Bucket

    def _init_indexes(self) -> None:
        self.by_table = self.by_name = PMap()

    def _copy_indexes(self, new: Any) -> None:
        new.by_table, new.by_name = self.by_table, self.by_name

    def _indexed(self, key: ObjectKey, old: Opaque | None, new: Opaque | None) -> None:
        a = old.table if old is not None else None
        b = new.table if new is not None else None
        if old is not None and a is not None and (new is None or a != b):
            self.by_table = remove_from(self.by_table, a, key)
        if new is not None and b is not None and (old is None or a != b):
            self.by_table = add_to(self.by_table, b, key)
        if old is None or new is None:
            self.by_name = (add_to if old is None else remove_from)(self.by_name, key[1].name, key)

    def on(self, table: QName) -> list[ObjectKey]:
        """Keys of the objects whose ``table`` is ``table``, in object order."""
        return self.in_order(keys_in(self.by_table, table))

    def named(self, name: str, kinds: Iterable[str] | None = None) -> list[ObjectKey]:
        """Keys of the objects with unqualified name ``name`` (of ``kinds``), in order."""
        keys = keys_in(self.by_name, name)
        wanted = None if kinds is None else set(kinds)
        return self.in_order(k for k in keys if wanted is None or k[0] in wanted)


_LAST_PART = re.compile(r'(.*)\.("(?:[^"]|"")*")')


def relation_of(kind: str, target: str) -> str | None:
    """The relation (canonical target) a COLUMN comment's target is a column of."""
    if kind != "COLUMN":
        return None
    m = _LAST_PART.fullmatch(target)
    return m.group(1) if m is not None else None


class Comments(PMap[tuple[str, str], str]):
    """Comments by ``(kind, canonical target)``, with the column comments of each relation."""

    __slots__ = ("by_relation",)
    by_relation: Bucket

    def _init_indexes(self) -> None:
        self.by_relation = PMap()

    def _copy_indexes(self, new: Any) -> None:
        new.by_relation = self.by_relation

    def _indexed(self, key: tuple[str, str], old: str | None, new: str | None) -> None:
        if old is None or new is None:
            relation = relation_of(*key)
            if relation is not None:
                self.by_relation = (add_to if old is None else remove_from)(
                    self.by_relation, relation, key
                )

    def on_columns_of(self, relation: str) -> list[tuple[str, str]]:
        """Keys of the comments on columns of ``relation``, in comment order."""
        return self.in_order(keys_in(self.by_relation, relation))
