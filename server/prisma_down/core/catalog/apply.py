"""How each change moves the catalog: the handler of each Change type, and the dialect's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prisma_down.core import changes as ch
from prisma_down.core.catalog.alter import (
    add_cons,
    alter_type,
    create_index,
    drop_cons,
    drop_index,
    rename_constraint,
    rename_index,
    replace_column,
    set_default,
    set_identity,
    set_not_null,
    validate_cons,
)
from prisma_down.core.catalog.comments import follow_comments, set_comment
from prisma_down.core.catalog.maps import ObjectKey as ObjectKey
from prisma_down.core.catalog.maps import type_base as type_base
from prisma_down.core.catalog.model import Catalog
from prisma_down.core.catalog.tables import (
    add_col,
    create_table,
    drop_column,
    drop_table,
    redefine_table,
    rename_column,
    rename_table,
)
from prisma_down.core.catalog.types import (
    add_enum_value,
    alter_sequence,
    create_enum,
    create_object,
    drop_enum,
    drop_enum_value,
    drop_object,
    rename_enum,
    rename_enum_value,
    rename_object,
    replace_enum,
)


def apply(cat: Catalog, change: ch.Change) -> Catalog:
    """The catalog after ``change``; raises CatalogError when it does not fit."""
    handler = cat.dialect.apply.get(type(change), APPLY.get(type(change)))
    if handler is None:
        return cat
    return follow_comments(handler(cat, change), cat, change)


APPLY: dict[type[Any], Callable[[Catalog, Any], Catalog]] = {
    ch.CreateTable: create_table,
    ch.DropTable: drop_table,
    ch.RenameTable: rename_table,
    ch.AlterSequence: alter_sequence,
    ch.RedefineTable: redefine_table,
    ch.AddColumn: add_col,
    ch.DropColumn: drop_column,
    ch.RenameColumn: rename_column,
    ch.AlterColumnType: alter_type,
    ch.ReplaceColumn: replace_column,
    ch.SetColumnDefault: set_default,
    ch.SetColumnNotNull: set_not_null,
    ch.SetColumnIdentity: set_identity,
    ch.AddConstraint: add_cons,
    ch.DropConstraint: drop_cons,
    ch.ValidateConstraint: validate_cons,
    ch.RenameConstraint: rename_constraint,
    ch.CreateIndex: create_index,
    ch.DropIndex: drop_index,
    ch.RenameIndex: rename_index,
    ch.CreateEnum: create_enum,
    ch.DropEnum: drop_enum,
    ch.RenameEnum: rename_enum,
    ch.AddEnumValue: add_enum_value,
    ch.RenameEnumValue: rename_enum_value,
    ch.DropEnumValue: drop_enum_value,
    ch.ReplaceEnum: replace_enum,
    ch.CreateObject: create_object,
    ch.DropObject: drop_object,
    ch.RenameObject: rename_object,
    ch.SetComment: set_comment,
}
