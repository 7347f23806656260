"""Changes that move one catalog to another: what a hand-written down.sql forgot.

Used by the "Add the missing statements to down.sql" fix: the generated inverses cover what
the migration did; these cover what a person's down.sql did differently (a NOT NULL not put
back, a default left out, an index dropped twice) by comparing the schemas directly.
"""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.catalog import Catalog
from prisma_down.core.compare import normalized
from prisma_down.core.inverse import cast_back, replace_enum, restore_table


def repairs(target: Catalog, current: Catalog) -> list[ch.Change]:
    """Changes that turn ``current`` into ``target``, in an order the database accepts."""
    drops: list[ch.Change] = []
    adds: list[ch.Change] = []
    fixes: list[ch.Change] = []
    finish: list[ch.Change] = []
    for ix_name, (ix_table, have_index) in current.indexes.items():
        if target.index(ix_name) != have_index:
            drops.append(ch.DropIndex(ix_name, table=ix_table))
    for name in sorted(current.tables.keys() - target.tables.keys()):
        drops.append(ch.DropTable(name))
    for name in sorted(target.tables.keys() - current.tables.keys()):
        adds.extend(restore_table(target, name))
    for name in sorted(target.tables.keys() & current.tables.keys()):
        want, have = target.tables[name], current.tables[name]
        have_cons = {k.name: k for k in have.constraints}
        want_cons = {k.name: k for k in want.constraints}
        for k in have.constraints:
            if k.name not in want_cons or want_cons[k.name] != k:
                drops.append(ch.DropConstraint(name, k.name))
        for col in have.columns:
            if want.column(col.name) is None:
                drops.append(ch.DropColumn(name, col.name))
        for col in want.columns:
            now = have.column(col.name)
            if now is None:
                adds.append(ch.AddColumn(name, col))
                continue
            if normalized(now.type) != normalized(col.type):
                using = cast_back(current, col.name, now.type, col.type)
                fixes.append(ch.AlterColumnType(name, col.name, col.type, using, col.collate))
            if normalized(now.default) != normalized(col.default):
                fixes.append(ch.SetColumnDefault(name, col.name, col.default))
            if now.not_null != col.not_null:
                fixes.append(ch.SetColumnNotNull(name, col.name, col.not_null))
        for k in want.constraints:
            if k.name not in have_cons or have_cons[k.name] != k:
                finish.append(ch.AddConstraint(name, k))
    restored = {c.index.name for c in adds if isinstance(c, ch.CreateIndex)}
    for ix_name, (_, want_index) in target.indexes.items():
        if current.index(ix_name) != want_index and ix_name not in restored:
            finish.append(ch.CreateIndex(want_index))
    for name, enum in target.enums.items():
        now_enum = current.enums.get(name)
        if now_enum is None:
            adds.insert(0, ch.CreateEnum(enum))
        elif now_enum.values != enum.values:
            fixes.extend(replace_enum(current, name, enum.values))
    for name in current.enums.keys() - target.enums.keys():
        finish.append(ch.DropEnum(name))
    return drops + adds + fixes + finish
