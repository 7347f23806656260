"""The names MySQL generates for foreign keys added without one (``<table>_ibfk_<n>``), and
whether writing a key unnamed gives it its name back.
"""

from __future__ import annotations

import re
from dataclasses import replace

from prisma_down.core import catalog as cg
from prisma_down.core import changes as ch
from prisma_down.core.schema import Constraint, QName

GENERATED_FK = r"_ibfk_(\d+)"


def generated_fk_name(cat: cg.Catalog, table: QName) -> str:
    """The name MySQL gives a foreign key added by ALTER TABLE without one.

    ``<table>_ibfk_<n>``, n one more than the highest such number on the table (MySQL 8.0
    Reference Manual, "FOREIGN KEY Constraints", Identifiers: "a constraint name is generated
    automatically"; InnoDB's "tbl_name_ibfk_N"). Checked on MariaDB 10.11: after dropping
    ``_ibfk_1`` of ``_ibfk_1``/``_ibfk_2``, the next one is ``_ibfk_3``.
    """
    t = cat.tables.get(table)
    pattern = re.escape(table.name) + GENERATED_FK
    numbers = [
        int(m.group(1))
        for k in (t.constraints if t else ())
        if (m := re.fullmatch(pattern, k.name)) is not None
    ]
    return f"{table.name}_ibfk_{max(numbers, default=0) + 1}"


def with_generated_name(cat: cg.Catalog, c: ch.AddConstraint) -> ch.AddConstraint:
    """An unnamed foreign key of ALTER TABLE under the name the server gives it."""
    if c.constraint.kind != "f" or c.constraint.name:
        return c
    return replace(c, constraint=replace(c.constraint, name=generated_fk_name(cat, c.table)))


def is_generated(table: QName, name: str) -> bool:
    return re.fullmatch(re.escape(table.name) + GENERATED_FK, name) is not None


def server_names(cat: cg.Catalog, table: QName, k: Constraint) -> bool:
    """Whether adding ``k`` without a name to ``table`` as it is in ``cat`` gives it its name."""
    return is_generated(table, k.name) and generated_fk_name(cat, table) == k.name


def numbered_back(table: QName, adds: list[ch.AddConstraint]) -> set[str]:
    """Generated key names the server would not give again when the keys are added in this
    order (each gets the highest number so far plus one): those must be written out."""
    highest = 0
    out = set()
    for a in adds:
        m = re.fullmatch(re.escape(table.name) + GENERATED_FK, a.constraint.name)
        if a.table != table or a.constraint.kind != "f" or m is None:
            continue
        n = int(m.group(1))
        if n != highest + 1:
            out.add(a.constraint.name)
        highest = max(highest, n)
    return out
