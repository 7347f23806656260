"""Small edits every apply handler shares: replace a table, require one, SERIAL's sequence."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import Objects
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog, CatalogError, with_maps
from prisma_down.core.names import pg_name, qualified, quote
from prisma_down.core.schema import Column, Constraint, Opaque, QName, Table


# -- applying changes
def set_table(cat: Catalog, t: Table) -> Catalog:
    return with_maps(cat, tables=cat.tables.set(t.name, t))


def _set_tables(cat: Catalog, tables: Iterable[Table]) -> Catalog:
    out = cat.tables
    for t in tables:
        out = out.set(t.name, t)
    return with_maps(cat, tables=out) if out is not cat.tables else cat


def require_table(cat: Catalog, name: QName) -> Table:
    t = cat.tables.get(name)
    if t is None:
        raise CatalogError(f"table {name} does not exist at this point of the history")
    return t


def require_column(t: Table, name: str) -> Column:
    c = t.column(name)
    if c is None:
        raise CatalogError(f'column "{t.name.name}"."{name}" does not exist at this point')
    return c


def map_columns(t: Table, name: str, f: Callable[[Column], Column]) -> Table:
    require_column(t, name)
    return replace(t, columns=t.cols.mapped(name, f))


def serial_sequence(table: QName, column: Column) -> QName:
    return QName(table.schema, pg_name(table.name, [column.name], "seq"))


def serial_default(seq: QName) -> str:
    return f"nextval('{qualified(seq)}'::regclass)"


def add_column(cat: Catalog, table: QName, col: Column) -> Catalog:
    """Add ``col`` to ``table``; SERIAL gets its owned sequence and nextval default."""
    cat, col = serial(cat, table, col)
    t = require_table(cat, table)
    return set_table(cat, replace(t, columns=t.cols.appended(col)))


def serial(cat: Catalog, table: QName, col: Column) -> tuple[Catalog, Column]:
    """A SERIAL column's owned sequence, and the column with its nextval default."""
    if col.serial and cat.dialect.serial_sequences:
        seq = serial_sequence(table, col)
        col = replace(col, default=serial_default(seq), not_null=True)
        sql = (
            f"CREATE SEQUENCE {qualified(seq)} AS {col.type} "
            f"OWNED BY {qualified(table)}.{quote(col.name)}"
        )
        objects = cat.objects.set(("sequence", seq, table), Opaque("sequence", seq, sql, table))
        cat = with_maps(cat, objects=objects)
    return cat, col


def owner_renamed(
    cat: Catalog, objects: Objects, old: QName, new: QName, column: tuple[str, str] | None = None
) -> Objects:
    """``objects`` with the owned sequences of table ``old`` saying ``OWNED BY`` the table's
    new name (and a renamed column's new name): PostgreSQL records the owner by reference
    (``pg_depend``), so ``ALTER TABLE ... RENAME`` moves it along
    (https://www.postgresql.org/docs/current/sql-altersequence.html, OWNED BY). The SERIAL
    one's text (``serial`` above) must follow, or down.sql re-creates it owned by a table
    or column that no longer exists."""
    for key in cat.objects.on(old):
        o = cat.objects[key]
        if key[0] != "sequence" or key[2] != old:
            continue
        col = o.sql.rsplit(".", 1)[-1]
        if column is not None and col == quote(column[0]):
            col = quote(column[1])
        tail = f"OWNED BY {qualified(old)}."
        head, sep, _ = o.sql.rpartition(tail)
        if sep:
            sql = f"{head}OWNED BY {qualified(new)}.{col}"
            seq = key[1] if old.schema == new.schema else QName(new.schema, key[1].name)
            target = (key[0], seq, new)
            objects = objects.set(target, replace(objects[target], sql=sql))
    return objects


def drop_sequences(cat: Catalog, table: QName, column: str | None) -> Catalog:
    owned = cat.owned_sequences(table, column)
    if not owned:
        return cat
    # every object equal to an owned one goes (a value comparison, as it always was)
    gone = [k for o in owned for k in cat.objects.named(o.name.name) if cat.objects[k] == o]
    return with_maps(cat, objects=cat.objects.without(gone))


def add_constraint(cat: Catalog, table: QName, k: Constraint) -> Catalog:
    t = require_table(cat, table)
    if k.name and t.constraint(k.name):  # SQLite constraints may have no name
        raise CatalogError(f'constraint "{k.name}" already exists on {table}')
    cols = t.cols
    if k.kind == "p":
        for name in dict.fromkeys(k.columns):
            cols = cols.mapped(name, _not_null)
    return set_table(cat, replace(t, columns=cols, constraints=(*t.constraints, k)))


def _not_null(c: Column) -> Column:
    return replace(c, not_null=True)


def drop_index_named(cat: Catalog, names: set[QName]) -> Catalog:
    if not names:
        return cat
    return with_maps(cat, indexes=cat.indexes.without(names))
