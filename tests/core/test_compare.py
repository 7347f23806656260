"""core.compare: what counts as the same schema when a catalog is compared with another."""

from __future__ import annotations

from prisma_down.core.analysis import replay
from prisma_down.core.catalog import Catalog
from prisma_down.core.compare import differences

ENUM = """CREATE TYPE "Status" AS ENUM ('A', 'B');
CREATE SCHEMA "other";
CREATE TYPE "other"."Status" AS ENUM ('A', 'B');
"""


def _table(column_type: str, default: str = "'A'") -> Catalog:
    sql = ENUM + f'CREATE TABLE "T" ("s" {column_type} NOT NULL DEFAULT {default});'
    return replay(sql, "postgres", Catalog()).after


def test_the_default_schema_spelled_out_is_the_same_type() -> None:
    """Prisma 6 writes ``"public"."Status"``; an enum replacement gives back ``"Status"``."""
    qualified = _table('"public"."Status"', '\'A\'::"public"."Status"')
    assert differences(qualified, _table('"Status"', "'A'::\"Status\"")) == []
    assert differences(qualified, _table('public."Status"', "'A'::\"Status\"")) == []


def test_another_schema_is_another_type() -> None:
    found = differences(_table('"other"."Status"'), _table('"Status"'))
    assert found == ['column "T"."s" has type "other"."Status" before, "Status" after down.sql']
