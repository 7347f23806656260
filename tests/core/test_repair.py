"""core.repair: the changes that move one schema to another, checked through the catalog."""

from __future__ import annotations

import pytest

from prisma_down.core.analysis import replay
from prisma_down.core.catalog import Catalog, apply
from prisma_down.core.compare import differences
from prisma_down.core.render import render
from prisma_down.core.repair import repairs

BASE = """
CREATE TYPE "Role" AS ENUM ('A', 'B', 'C');
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT DEFAULT 'x',
    "role" "Role" NOT NULL DEFAULT 'A',
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
"""


def _schema(sql: str) -> Catalog:
    return replay(sql, "postgres", Catalog()).after


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ('ALTER TABLE "User" ALTER COLUMN "email" DROP NOT NULL', ["SET NOT NULL"]),
        ('ALTER TABLE "User" ALTER COLUMN "name" DROP DEFAULT', ["SET DEFAULT 'x'"]),
        ('DROP INDEX "User_email_key"', ['CREATE UNIQUE INDEX "User_email_key"']),
        ('ALTER TABLE "User" DROP COLUMN "name"', ["ADD COLUMN \"name\" TEXT DEFAULT 'x'"]),
        ('ALTER TABLE "User" ADD COLUMN "age" INTEGER', ['DROP COLUMN "age"']),
        (
            'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(10)',
            ["SET DATA TYPE TEXT"],
        ),
        (
            """BEGIN; CREATE TYPE "Role_new" AS ENUM ('C', 'B', 'A');
            ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;
            ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
            ALTER TYPE "Role" RENAME TO "Role_old"; ALTER TYPE "Role_new" RENAME TO "Role";
            DROP TYPE "Role_old"; ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'A'; COMMIT""",
            ["CREATE TYPE \"Role_new\" AS ENUM ('A', 'B', 'C')"],
        ),
    ],
)
def test_repairs_bring_the_schema_back(damage: str, expected: list[str]) -> None:
    target = _schema(BASE)
    current = replay(damage, "postgres", target).after
    assert differences(target, current), "the damage must show"
    fix = repairs(target, current)
    sql = "\n".join(render(c, "postgres") for c in fix)
    for piece in expected:
        assert piece in sql, sql
    for change in fix:
        current = apply(current, change)
    assert differences(target, current) == []


def test_no_repairs_for_equal_schemas() -> None:
    assert repairs(_schema(BASE), _schema(BASE)) == []
