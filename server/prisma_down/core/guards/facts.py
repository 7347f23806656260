"""Every existence guard a catalog makes true, and which of them tell two states apart."""

from __future__ import annotations

from collections.abc import Iterator

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.catalog.maps import Indexes, Objects, Tables
from prisma_down.core.dialects import Dialect
from prisma_down.core.guards.natural import OBJECT_KINDS, object_guard, type_guard
from prisma_down.core.pmap import K, PMap, V
from prisma_down.core.schema import QName

_KINDS = ("table", "column", "constraint", "index", "type", "value", "sequence", "object",
          "extension", "schema")  # fmt: skip
_FAMILY = {"procedure": "function", "aggregate": "function", "domain": "type"}


# -- facts: every existence guard a catalog makes true -------------------------------------


Key = tuple[str, ...]


def _key(g: ch.Guard, dialect: Dialect) -> Key:
    """What makes two guards ask the same thing (MySQL compares names without case)."""
    kind, names = g.kind, g.names
    if kind in ("extension", "schema"):
        return (kind, "", *names)
    if kind == "object":
        names = (_FAMILY.get(names[0], names[0]), *names[1:])
    elif dialect.names_ignore_case and kind in ("column", "constraint", "index"):
        names = (*names[:-1], names[-1].lower())
    return (kind, g.schema or "", *names)


def changed(a: Catalog, b: Catalog) -> tuple[dict[Key, ch.Guard], dict[Key, ch.Guard]]:
    """The facts of ``a`` and of ``b`` about what differs between them.

    A catalog shares what a change left alone with the one before it: only the tables,
    indexes, enums and objects that are not the very same values are enumerated.
    """

    def apart(x: Catalog, y: Catalog) -> Catalog:
        return Catalog(
            tables=Tables(_only(x.tables, y.tables)),
            indexes=Indexes(_only(x.indexes, y.indexes)),
            enums=PMap(_only(x.enums, y.enums)),
            objects=Objects(_only(x.objects, y.objects)),
            comments=x.comments,
            dialect=x.dialect,
        )

    return _facts(apart(a, b)), _facts(apart(b, a))


def _only(x: PMap[K, V], y: PMap[K, V]) -> dict[K, V]:
    """The entries of ``x`` that are not the very same in ``y``, in ``x``'s order."""
    return {n: x[n] for n in x.in_order(k for k in x.changed(y) if k in x)}


def _facts(cat: Catalog) -> dict[Key, ch.Guard]:
    return {_key(g, cat.dialect): g for kind in _KINDS for g in _enumerate(cat, kind)}


def _enumerate(cat: Catalog, kind: str) -> Iterator[ch.Guard]:
    """Every guard of ``kind`` true in ``cat`` (positive): what ``holds`` finds."""
    per_table = cat.dialect.index_names_per_table  # and its constraints list unique indexes
    if kind in ("table", "column"):
        for t in cat.tables.values():
            s, tn = t.name.schema, t.name.name
            if kind == "table":
                yield ch.Guard("table", (tn,), False, s)
            else:
                yield from (ch.Guard("column", (tn, c.name), False, s) for c in t.columns)
    elif kind in ("constraint", "index"):
        backing = "" if kind == "constraint" else "u" if per_table else "pux"
        for t in cat.tables.values():
            for k in t.constraints:
                if k.name and (kind == "constraint" or k.kind in backing):
                    yield ch.Guard(kind, (t.name.name, k.name), False, t.name.schema)
        for tb, ix in cat.indexes.values():
            if kind == "index" or (per_table and ix.unique):
                yield ch.Guard(kind, (tb.name, ix.name.name), False, tb.schema)
    elif kind == "type":
        yield from (type_guard(name) for name in cat.enums)
        yield from (
            type_guard(o.name) for o in cat.objects.values() if o.kind in ("type", "domain")
        )
    elif kind == "value":
        for name, e in cat.enums.items():
            yield from (ch.Guard("value", (name.name, v), False, name.schema) for v in e.values)
    elif kind == "object":
        for o in cat.objects.values():
            if o.kind in OBJECT_KINDS:
                yield ch.Guard("object", (o.kind, o.name.name), False, o.name.schema)
                if o.table is not None:
                    on = (o.kind, o.name.name, o.table.name)
                    routine = o.kind in ("function", "procedure")  # keyed by arguments
                    yield ch.Guard("object", on, False, (o.name if routine else o.table).schema)
    else:  # extension, schema, sequence
        for o in cat.objects.values():
            if o.kind == kind:
                yield from object_guard(o.kind, o.name, o.table)


def subjects_of(change: ch.Change) -> set[str]:
    """Names ``change`` acts on: a guard about them reads best."""
    out: set[str] = set()
    for value in vars(change).values():
        if isinstance(value, QName):
            out.add(value.name)
        elif isinstance(value, str):
            out.add(value)
        elif hasattr(value, "name") and isinstance(value.name, QName | str):
            out.add(value.name if isinstance(value.name, str) else value.name.name)
    return out


def rank(g: ch.Guard, subjects: set[str]) -> tuple[object, ...]:
    related = any(n in subjects for n in g.names)
    return (not related, _KINDS.index(g.kind), g.negated, g.names)
