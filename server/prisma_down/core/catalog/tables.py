"""Applying table and column changes: create, drop, rename, redefine, add and drop columns."""

from __future__ import annotations

from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core.catalog.dependents import column_dependents
from prisma_down.core.catalog.edit import (
    add_column,
    add_constraint,
    drop_index_named,
    drop_sequences,
    owner_renamed,
    require_column,
    require_table,
    serial,
    set_table,
)
from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog, CatalogError, with_maps
from prisma_down.core.dialects import Dialect
from prisma_down.core.names import qualified, quote_for
from prisma_down.core.read.tokens import ReadError, tokenize
from prisma_down.core.schema import Column, Columns, Constraint, Opaque, QName


def create_table(cat: Catalog, c: ch.CreateTable) -> Catalog:
    t = c.table
    if t.name in cat.tables:
        if c.if_not_exists:
            return cat
        raise CatalogError(f"table {t.name} already exists")
    pk = {n for k in t.constraints if k.kind == "p" for n in k.columns}
    if not cat.dialect.pk_implies_not_null:  # SQLite's allows NULL unless it says NOT NULL
        pk = set()
    cols = []
    for col in t.columns:
        cat, col = serial(cat, t.name, replace(col, not_null=True) if col.name in pk else col)
        cols.append(col)
    return set_table(cat, replace(t, columns=cols))


def drop_table(cat: Catalog, c: ch.DropTable) -> Catalog:
    if c.name not in cat.tables:
        if c.if_exists:
            return cat
        raise CatalogError(f"table {c.name} does not exist")
    tables = cat.tables.delete(c.name)
    # SQLite keeps foreign keys to a dropped table (with foreign_keys=OFF): they are text
    for tn, k in [] if cat.dialect.keeps_keys_to_dropped_table else cat.foreign_keys_to(c.name):
        other = tables[tn]
        tables = tables.set(
            tn, replace(other, constraints=tuple(x for x in other.constraints if x is not k))
        )
    objects = cat.objects.without(cat.objects.on(c.name))
    indexes = cat.indexes.without(cat.indexes.on(c.name))
    return with_maps(cat, tables=tables, objects=objects, indexes=indexes)


def rename_table(cat: Catalog, c: ch.RenameTable) -> Catalog:
    t = require_table(cat, c.old)
    if c.new in cat.tables:
        raise CatalogError(f"table {c.new} already exists")

    def retarget(constraints: tuple[Constraint, ...]) -> tuple[Constraint, ...]:
        return tuple(
            replace(k, ref_table=c.new) if k.ref_table == c.old else k for k in constraints
        )

    tables = cat.tables
    for name in cat.tables.referencing(c.old):
        if name != c.old:
            other = tables[name]
            tables = tables.set(name, replace(other, constraints=retarget(other.constraints)))
    tables = tables.delete(c.old).set(
        c.new, replace(t, name=c.new, constraints=retarget(t.constraints))
    )
    indexes = cat.indexes
    # SET SCHEMA: "associated indexes, constraints, and sequences owned by table columns are
    # moved as well" (https://www.postgresql.org/docs/current/sql-altertable.html)
    moved = c.new.schema != c.old.schema
    for k in cat.indexes.on(c.old):
        ix = replace(indexes[k][1], table=c.new)
        if moved:
            ix = replace(ix, name=QName(c.new.schema, k.name))
            indexes = indexes.delete(k)
        indexes = indexes.set(ix.name, (c.new, ix))

    def rekey(key: ObjectKey) -> tuple[ObjectKey, Opaque]:
        o = replace(cat.objects[key], table=c.new)
        if moved and key[0] == "sequence":
            name = QName(c.new.schema, key[1].name)
            sql = o.sql.replace(qualified(key[1]), qualified(name), 1)
            return (key[0], name, c.new), replace(o, name=name, sql=sql)
        return (key[0], key[1], c.new), o

    objects = cat.objects.rekeyed(
        {key: rekey(key) for key in cat.objects.on(c.old) if key[2] == c.old}
    )
    objects = owner_renamed(cat, objects, c.old, c.new)
    return with_maps(cat, tables=tables, indexes=indexes, objects=objects)


def redefine_table(cat: Catalog, c: ch.RedefineTable) -> Catalog:
    """The table replaced by its new definition; its old indexes went with the old table.

    Foreign keys of other tables keep pointing at the name (SQLite stores them as text).
    """
    name = c.table.name
    tables = cat.tables.set(name, c.table)
    objects = cat.objects.without(cat.objects.on(name))  # triggers went too
    indexes = cat.indexes.without(cat.indexes.on(name))
    for ix in c.indexes:
        indexes = indexes.set(ix.name, (name, ix))
    return with_maps(cat, tables=tables, indexes=indexes, objects=objects)


def add_col(cat: Catalog, c: ch.AddColumn) -> Catalog:
    t = require_table(cat, c.table)
    if t.column(c.column.name):
        if c.if_not_exists:
            return cat
        raise CatalogError(f'column "{t.name.name}"."{c.column.name}" already exists')
    cat = add_column(cat, c.table, c.column)
    for k in c.constraints:
        cat = add_constraint(cat, c.table, k)
    return cat


def drop_column(cat: Catalog, c: ch.DropColumn) -> Catalog:
    t = require_table(cat, c.table)
    if t.column(c.name) is None:
        if c.if_exists:
            return cat
        raise CatalogError(f'column "{t.name.name}"."{c.name}" does not exist')
    cons, idx, fks = column_dependents(cat, c.table, c.name)
    cat = drop_sequences(cat, c.table, c.name)
    cat = drop_index_named(cat, {ix.name for ix in idx})
    kept = tuple(k for k in t.constraints if k not in cons) if cons else t.constraints
    tables = cat.tables.set(c.table, replace(t, columns=t.cols.without(c.name), constraints=kept))
    for tn, k in fks:
        other = tables[tn]
        tables = tables.set(
            tn, replace(other, constraints=tuple(x for x in other.constraints if x is not k))
        )
    return with_maps(cat, tables=tables)


def renamed_in(text: str, old: str, new: str, dialect: Dialect) -> str:
    """An expression kept as source text (check, index, generated column) after RENAME COLUMN.

    PostgreSQL stores expressions parsed, so the rename reaches them; the catalog keeps the
    source and rewrites the references itself. Qualifiers (``t.``), calls (``f(``) and type
    names (``::t``) are other names; strings are left alone.
    """
    if old.lower() not in text.lower():
        return text
    try:
        toks = tokenize(text, dialect.name)
    except ReadError:
        return text
    out: list[str] = []
    last = 0
    for i, t in enumerate(toks):
        name = t.text if t.kind == "ident" else t.text.lower() if t.kind == "word" else None
        before = toks[i - 1].text if i else ""
        after = toks[i + 1].text if i + 1 < len(toks) else ""
        if name == old and after not in (".", "(") and before != "::":
            out += [text[last : t.start], quote_for(new, dialect)]
            last = t.end
    return "".join(out) + text[last:]


def rename_column(cat: Catalog, c: ch.RenameColumn) -> Catalog:
    t = require_table(cat, c.table)
    require_column(t, c.old)
    if t.column(c.new):
        raise CatalogError(f'column "{t.name.name}"."{c.new}" already exists')

    def ren(cols: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.new if x == c.old else x for x in cols)

    def expr(text: str) -> str:
        return renamed_in(text, c.old, c.new, cat.dialect)

    def column(x: Column) -> Column:
        return replace(
            x,
            name=c.new if x.name == c.old else x.name,
            generated=x.generated and expr(x.generated),
        )

    cols = t.cols
    if cols.names() is None:
        cols = Columns(column(x) for x in cols)
    else:  # a wide table: change only the columns that change
        cols = cols.mapped(c.old, column)
        for x in t.columns:
            if x.generated and x.name != c.old:
                cols = cols.mapped(x.name, column)
    t = replace(
        t,
        columns=cols,
        constraints=tuple(
            replace(k, columns=ren(k.columns), tail=expr(k.tail) if k.kind in "cx" else k.tail)
            for k in t.constraints
        ),
    )
    tables = cat.tables.set(c.table, t)
    for name in cat.tables.referencing(c.table):
        for k in cat.tables[name].constraints:
            if k.kind == "f" and k.ref_table == c.table and c.old in k.ref_columns:
                cur = tables[name]
                tables = tables.set(
                    name,
                    replace(
                        cur,
                        constraints=tuple(
                            replace(x, ref_columns=ren(x.ref_columns))
                            if x.name == k.name and x.ref_table == k.ref_table
                            else x
                            for x in cur.constraints
                        ),
                    ),
                )
    indexes = cat.indexes
    for key in cat.indexes.on(c.table):
        tb, ix = indexes[key]
        ix = replace(
            ix,
            elements=tuple(
                replace(
                    e,
                    column=c.new if e.column == c.old else e.column,
                    expression=e.expression and expr(e.expression),
                )
                for e in ix.elements
            ),
            include=ren(ix.include),
            where=ix.where and expr(ix.where),
        )
        indexes = indexes.set(key, (tb, ix))
    objects = owner_renamed(cat, cat.objects, c.table, c.table, (c.old, c.new))
    return with_maps(cat, tables=tables, indexes=indexes, objects=objects)
