"""Applying enum and opaque-object changes (views, functions, triggers, sequences, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from prisma_down.core import changes as ch
from prisma_down.core.catalog.edit import map_columns
from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog, CatalogError, with_maps
from prisma_down.core.names import qualified, quote
from prisma_down.core.read.tokens import ReadError
from prisma_down.core.schema import Column, Enum, QName
from prisma_down.core.view_stars import expand


def _enum(cat: Catalog, name: QName) -> Enum:
    e = cat.enums.get(name)
    if e is None:
        raise CatalogError(f'enum "{name}" does not exist at this point')
    return e


def _set_enum(cat: Catalog, e: Enum) -> Catalog:
    return with_maps(cat, enums=cat.enums.set(e.name, e))


def create_enum(cat: Catalog, c: ch.CreateEnum) -> Catalog:
    if c.enum.name in cat.enums:
        raise CatalogError(f'type "{c.enum.name}" already exists')
    return _set_enum(cat, c.enum)


def drop_enum(cat: Catalog, c: ch.DropEnum) -> Catalog:
    if c.name not in cat.enums:
        if ("type", c.name, None) in cat.objects:
            return with_maps(cat, objects=cat.objects.delete(("type", c.name, None)))
        if c.if_exists:
            return cat
        raise CatalogError(f'type "{c.name}" does not exist')
    return with_maps(cat, enums=cat.enums.delete(c.name))


def _with_type(type_text: str) -> Callable[[Column], Column]:
    return lambda col: replace(col, type=type_text)


def rename_enum(cat: Catalog, c: ch.RenameEnum) -> Catalog:
    e = _enum(cat, c.old)
    enums = cat.enums.delete(c.old).set(c.new, replace(e, name=c.new))
    tables = cat.tables
    for tn, col in cat.enum_columns(c.old):
        _, suffix = type_base(col.type)
        new_type = qualified(c.new) + suffix
        tables = tables.set(tn, map_columns(tables[tn], col.name, _with_type(new_type)))
    return with_maps(cat, enums=enums, tables=tables)


def add_enum_value(cat: Catalog, c: ch.AddEnumValue) -> Catalog:
    e = _enum(cat, c.enum)
    if c.value in e.values:
        if c.if_not_exists:
            return cat
        raise CatalogError(f"enum {c.enum} already has the value '{c.value}'")
    values = list(e.values)
    if c.before is not None and c.before in values:
        values.insert(values.index(c.before), c.value)
    elif c.after is not None and c.after in values:
        values.insert(values.index(c.after) + 1, c.value)
    else:
        values.append(c.value)
    return _set_enum(cat, replace(e, values=tuple(values)))


def rename_enum_value(cat: Catalog, c: ch.RenameEnumValue) -> Catalog:
    e = _enum(cat, c.enum)
    if c.old not in e.values:
        raise CatalogError(f"enum {c.enum} has no value '{c.old}'")
    return _set_enum(cat, replace(e, values=tuple(c.new if v == c.old else v for v in e.values)))


def drop_enum_value(cat: Catalog, c: ch.DropEnumValue) -> Catalog:
    e = _enum(cat, c.enum)
    return _set_enum(cat, replace(e, values=tuple(v for v in e.values if v != c.value)))


def replace_enum(cat: Catalog, c: ch.ReplaceEnum) -> Catalog:
    return _set_enum(cat, replace(_enum(cat, c.enum), values=c.values))


def create_object(cat: Catalog, c: ch.CreateObject) -> Catalog:
    o = c.object
    key = (o.kind, o.name, o.table)
    if c.if_not_exists and o.kind == "sequence" and key not in cat.objects:
        # one name per schema: the SERIAL one (keyed with its table) is the same sequence
        key = next((k for k, _ in cat.objects_named(o.kind, o.name)), key)
    if key in cat.objects and not c.or_replace:
        if c.if_not_exists:
            return cat
        raise CatalogError(f'{o.kind} "{o.name}" already exists')
    if o.kind in ("view", "materialized view") and "*" in o.sql:
        o = replace(o, expanded=expand(o.sql, cat))
    return with_maps(cat, objects=cat.objects.set(key, o))


def drop_object(cat: Catalog, c: ch.DropObject) -> Catalog:
    key = (c.kind, c.name, c.table)
    # an owned sequence is keyed with its table; SQLite's DROP TRIGGER does not name the table
    if key not in cat.objects and (c.kind == "sequence" or c.table is None):
        key = next((k for k, _ in cat.objects_named(c.kind, c.name)), key)
    if key not in cat.objects:
        if c.if_exists:
            return cat
        raise CatalogError(f'{c.kind} "{c.name}" does not exist')
    objects = cat.objects.delete(key)
    if c.kind in ("view", "materialized view"):  # its indexes, triggers and rules go with it
        cat = with_maps(cat, indexes=cat.indexes.without(cat.indexes.on(c.name)))
        objects = objects.without(cat.objects.on(c.name))
    return with_maps(cat, objects=objects)


def rename_object(cat: Catalog, c: ch.RenameObject) -> Catalog:
    for (kind, name, tb), o in cat.objects_named(c.kind, c.old):
        objects = cat.objects.delete((kind, name, tb)).set(
            (kind, c.new, tb), replace(o, name=c.new)
        )
        return with_maps(cat, objects=objects)
    raise CatalogError(f'{c.kind} "{c.old}" does not exist')


def sequence_owner(owner: str) -> tuple[QName, str] | None:
    """The table and column of ``OWNED BY`` text (``"t"."c"``, ``"s"."t"."c"``)."""
    from prisma_down.core.read.postgres import cursor  # the reader imports the catalog

    try:
        c = cursor(owner)
        names = [c.name()]
        while c.accept_punct("."):
            names.append(c.name())
    except ReadError:
        return None
    if len(names) not in (2, 3) or not c.at_end():
        return None
    schema = names[0] if len(names) == 3 and names[0] != "public" else ""
    return QName(schema, names[-2]), names[-1]


_OWNED = re.compile(r"\s+OWNED\s+BY\s+.*$", re.I | re.S)


def alter_sequence(cat: Catalog, c: ch.AlterSequence) -> Catalog:
    """PostgreSQL's ``ALTER SEQUENCE s OWNED BY t.c | NONE`` (the reader gives no other
    option): the sequence's text says its owner, and it is keyed with the owner's table, so
    dropping that column or table drops it too, as PostgreSQL does
    (https://www.postgresql.org/docs/current/sql-altersequence.html, OWNED BY)."""
    hits = cat.objects_named("sequence", c.name)
    if not hits or [k for k, _ in c.options] != ["OWNED BY"]:
        if hits or c.if_exists:
            return cat
        raise CatalogError(f'sequence "{c.name}" does not exist')
    key, o = hits[0]
    value = c.options[0][1]
    owner = sequence_owner(value) if value else None
    table = owner[0] if owner is not None else None
    sql = _OWNED.sub("", o.sql)
    if owner is not None:
        sql += f" OWNED BY {qualified(owner[0])}.{quote(owner[1])}"
    objects = cat.objects.delete(key).set((key[0], key[1], table), replace(o, sql=sql, table=table))
    return with_maps(cat, objects=objects)
