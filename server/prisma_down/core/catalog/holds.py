"""Whether an existence guard (``IF [NOT] EXISTS`` over the system catalogs) is true."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog
from prisma_down.core.schema import QName, Table


def holds(guard: ch.Guard, cat: Catalog) -> bool:
    """Whether an ``IF [NOT] EXISTS`` guard over the system catalogs is true in ``cat``.

    A guard with a schema looks there only ("" the default schema); one without (read from
    a hand-written block that compares names only) looks in every schema. Index and
    constraint names are looked for on the table the guard names, if it names one. What
    the database counts along mirrors its catalogs: PostgreSQL's ``pg_indexes`` lists the
    indexes behind primary-key, unique and exclusion constraints, ``pg_type`` domains and
    composite types too; MySQL's ``table_constraints`` lists unique indexes, and compares
    column and index names without regard to case.
    """
    return _found(guard, cat) != guard.negated


def _found(guard: ch.Guard, cat: Catalog) -> bool:
    kind, names, schema = guard.kind, guard.names, guard.schema
    fold = cat.dialect.names_ignore_case
    per_table = cat.dialect.index_names_per_table  # and its constraints list unique indexes
    if schema is not None and not fold and not per_table:  # down.sql's guards: looked up
        if kind == "table":
            return cat.tables.get(QName(schema, names[0])) is not None
        if kind == "column":
            t = cat.tables.get(QName(schema, names[0]))
            return t is not None and t.column(names[-1]) is not None
        if kind == "constraint" and len(names) > 1:
            t = cat.tables.get(QName(schema, names[0]))
            return t is not None and any(k.name and k.name == names[-1] for k in t.constraints)

    def same(a: str, b: str) -> bool:
        return a == b or (fold and a.lower() == b.lower())

    def in_schema(name: QName) -> bool:
        return schema is None or name.schema == schema

    def tables(name: str) -> list[Table]:
        if schema is not None:
            t = cat.tables.get(QName(schema, name))
            return [t] if t is not None else []
        return [t for t in map(cat.tables.__getitem__, cat.tables.named(name)) if in_schema(t.name)]

    def column(t: Table) -> bool:
        return t.column(name) is not None or (fold and any(same(c.name, name) for c in t.columns))

    scoped = kind in ("index", "constraint") and len(names) == 1  # on any table
    table, name = (None, names[0]) if scoped else (names[0], names[-1])
    if kind == "table":
        return bool(tables(names[0]))
    if kind == "column":
        return any(column(t) for t in tables(names[0]))
    if kind in ("constraint", "index"):
        # any table of the schema when scoped: only those with a constraint of that name
        owners = (
            tables(table)
            if table is not None
            else [
                t
                for t in map(cat.tables.__getitem__, cat.tables.with_constraint(name))
                if in_schema(t.name)
            ]
        )
        backing = "" if kind == "constraint" else "u" if per_table else "pux"
        if any(
            k.name and same(k.name, name) and (kind == "constraint" or k.kind in backing)
            for t in owners
            for k in t.constraints
        ):
            return True
        if kind == "constraint" and not per_table:
            return False
        if not per_table and schema is not None and table is not None:  # names are exact
            hit = cat.indexes.get(QName(schema, name))
            return hit is not None and hit[0].name == table

        def on_owner(tb: QName) -> bool:
            if table is not None:
                return any(t.name == tb for t in owners)
            t = cat.tables.get(tb)
            return t is not None and t.name == tb and in_schema(tb)

        return any(
            on_owner(tb) and same(ix.name.name, name) and (kind == "index" or ix.unique)
            for tb, ix in map(cat.indexes.__getitem__, cat.indexes.named(name))
        )
    if kind in ("type", "value") and schema is not None:
        e = cat.enums.get(QName(schema, table or name))
        if kind == "value":
            return e is not None and name in e.values
        return e is not None or any(
            (k, QName(schema, name), None) in cat.objects for k in ("type", "domain")
        )
    if kind == "type":
        return any(in_schema(e) and e.name == name for e in cat.enums) or any(
            in_schema(n) for _, n, _ in cat.objects.named(name, ("type", "domain"))
        )
    if kind == "value":
        return any(
            in_schema(e.name) and e.name.name == table and name in e.values
            for e in cat.enums.values()
        )
    if kind in ("extension", "schema"):  # read by name alone (``read.postgres``)
        return (kind, QName("", name), None) in cat.objects
    if kind == "sequence":
        return any(in_schema(n) for _, n, _ in cat.objects.named(name, ("sequence",)))
    if kind == "object":  # a trigger, policy or rule is looked for on its table
        want = _OBJECT_FAMILY.get(names[0], (names[0],))
        on = names[2] if len(names) > 2 else None
        return any(
            in_schema(n) if on is None else (tb is not None and tb.name == on and in_schema(tb))
            for _, n, tb in cat.objects.named(names[1], want)
        )
    return False


# pg_proc holds functions, procedures and aggregates alike
_OBJECT_FAMILY = {
    "function": ("function", "procedure", "aggregate"),
    "procedure": ("function", "procedure", "aggregate"),
    "aggregate": ("function", "procedure", "aggregate"),
}
