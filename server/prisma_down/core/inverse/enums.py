"""Inverses of enum and type changes: PostgreSQL cannot drop an enum value, so adding one is
undone by recreating the type the way Prisma does (``X_new``, cast, rename, drop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog, comments_on, type_base
from prisma_down.core.dependents import typed_on
from prisma_down.core.inverse.model import NOTHING, Inverse, exact, lossy, never
from prisma_down.core.names import comment_target, quote
from prisma_down.core.names import qualified as _t
from prisma_down.core.schema import Enum, QName


def _create_enum(c: ch.CreateEnum, cat: Catalog) -> Inverse:
    return exact(ch.DropEnum(c.enum.name))


def _drop_enum(c: ch.DropEnum, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.name)
    if e is None:
        o = cat.object("type", c.name)
        if o is not None:
            return exact(ch.CreateObject(o), *comments_on(cat, "TYPE", comment_target(c.name)))
        if c.if_exists:
            return NOTHING
        return never(f'type "{c.name.name}" is not created earlier in the history')
    return exact(ch.CreateEnum(e), *comments_on(cat, "TYPE", comment_target(c.name)))


def _rename_enum(c: ch.RenameEnum, cat: Catalog) -> Inverse:
    return exact(ch.RenameEnum(c.new, c.old))


def _add_enum_value(c: ch.AddEnumValue, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.enum)
    if e is None:
        return never(f'enum "{c.enum.name}" is not created earlier in the history')
    if c.value in e.values and c.if_not_exists:
        return NOTHING
    return lossy(
        f"rows holding '{c.value}' make this fail: change them first",
        *replace_enum(cat, c.enum, e.values),
    )


def _rename_enum_value(c: ch.RenameEnumValue, cat: Catalog) -> Inverse:
    return exact(ch.RenameEnumValue(c.enum, c.new, c.old))


def _drop_enum_value(c: ch.DropEnumValue, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.enum)
    if e is None or c.value not in e.values:
        return never(f"enum value '{c.value}' is not created earlier in the history")
    i = e.values.index(c.value)
    before = e.values[i + 1] if i + 1 < len(e.values) else None
    return exact(ch.AddEnumValue(c.enum, c.value, before=before))


def _replace_enum(c: ch.ReplaceEnum, cat: Catalog) -> Inverse:
    e = cat.enums.get(c.enum)
    if e is None:
        return never(f'enum "{c.enum.name}" is not created earlier in the history')
    return exact(*replace_enum(cat, c.enum, e.values))


def replace_enum(cat: Catalog, name: QName, values: tuple[str, ...]) -> list[ch.Change]:
    """Recreate enum ``name`` with ``values`` the way Prisma does: ``X_new``, cast, rename, drop."""
    new, old = name.renamed(name.name + "_new"), name.renamed(name.name + "_old")
    out: list[ch.Change] = [ch.CreateEnum(Enum(new, values))]
    uses = cat.enum_columns(name)
    # indexes and checks that cast to the type would compare "X_new" with "X": off and back
    typed = {t: typed_on(cat, t, name) for t in dict.fromkeys(t for t, _ in uses)}
    for t, (ixs, checks) in typed.items():
        out += [ch.DropIndex(ix.name, if_exists=True) for ix in ixs]
        out += [ch.DropConstraint(t, k.name, if_exists=True, kind="c") for k in checks]
    for table, col in uses:
        _, suffix = type_base(col.type)
        if col.default is not None:
            out.append(ch.SetColumnDefault(table, col.name, None))
        target = _t(new) + suffix
        via = "::text[]" if suffix else "::text"
        out.append(
            ch.AlterColumnType(table, col.name, target, f"({quote(col.name)}{via}::{target})")
        )
    out += [ch.RenameEnum(name, old), ch.RenameEnum(new, name), ch.DropEnum(old)]
    out += [
        ch.SetColumnDefault(table, col.name, col.default)
        for table, col in uses
        if col.default is not None
    ]
    for t, (ixs, checks) in typed.items():
        out += [ch.AddConstraint(t, k, not_valid=k.not_valid) for k in checks]
        out += [ch.CreateIndex(ix) for ix in ixs]
        out += [c for ix in ixs for c in comments_on(cat, "INDEX", comment_target(ix.name))]
    return out + comments_on(cat, "TYPE", comment_target(name))  # it went with the old type


INVERT: dict[type[Any], Callable[[Any, Catalog], Inverse]] = {
    ch.CreateEnum: _create_enum,
    ch.DropEnum: _drop_enum,
    ch.RenameEnum: _rename_enum,
    ch.AddEnumValue: _add_enum_value,
    ch.RenameEnumValue: _rename_enum_value,
    ch.DropEnumValue: _drop_enum_value,
    ch.ReplaceEnum: _replace_enum,
}
