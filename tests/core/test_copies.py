"""Which copies a dropped NOT NULL column is filled back from (``core.copies``): only one
that still holds the values, unchanged, when down.sql reaches the DROP it undoes."""

from __future__ import annotations

import pytest

from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate

_INIT = """CREATE TABLE "Doc" ("id" SERIAL NOT NULL, "title" TEXT NOT NULL, "n" INTEGER NOT NULL,
CONSTRAINT "Doc_pkey" PRIMARY KEY ("id"));"""


def _down(up: str) -> str:
    analyses = Analyzer(dialect="postgres").analyse([_INIT, up])
    return generate("002", up, analyses[-1], "postgres")


FILLED = {
    "plain copy": """ALTER TABLE "Doc" ADD COLUMN "t2" TEXT; UPDATE "Doc" SET "t2" = "title";
        ALTER TABLE "Doc" DROP COLUMN "title";""",
    "renamed back": """ALTER TABLE "Doc" ADD COLUMN "t2" TEXT[];
        UPDATE "Doc" SET "t2" = ARRAY["title"];
        ALTER TABLE "Doc" DROP COLUMN "title"; ALTER TABLE "Doc" RENAME COLUMN "t2" TO "title";""",
    "renamed twice, table too": """ALTER TABLE "Doc" ADD COLUMN "a" TEXT;
        UPDATE "Doc" SET "a" = "title"; ALTER TABLE "Doc" RENAME COLUMN "a" TO "b";
        ALTER TABLE "Doc" DROP COLUMN "title"; ALTER TABLE "Doc" RENAME TO "Page";
        ALTER TABLE "Page" RENAME COLUMN "b" TO "heading";""",
    "widened after the drop": """ALTER TABLE "Doc" ADD COLUMN "m" INTEGER;
        UPDATE "Doc" SET "m" = "n"; ALTER TABLE "Doc" DROP COLUMN "n";
        ALTER TABLE "Doc" ALTER COLUMN "m" TYPE BIGINT;""",
}

NOT_FILLED = {
    "the copy dropped later": """ALTER TABLE "Doc" ADD COLUMN "t2" TEXT;
        UPDATE "Doc" SET "t2" = "title"; ALTER TABLE "Doc" DROP COLUMN "title";
        ALTER TABLE "Doc" DROP COLUMN "t2";""",
    "the copy overwritten before the drop": """ALTER TABLE "Doc" ADD COLUMN "t2" TEXT;
        UPDATE "Doc" SET "t2" = "title"; UPDATE "Doc" SET "t2" = 'x' WHERE "id" = 1;
        ALTER TABLE "Doc" DROP COLUMN "title";""",
    "the copy's type changed before the drop": """ALTER TABLE "Doc" ADD COLUMN "m" TEXT;
        UPDATE "Doc" SET "m" = "n"::text; ALTER TABLE "Doc" ALTER COLUMN "m" TYPE INTEGER
        USING length("m"); ALTER TABLE "Doc" DROP COLUMN "n";""",
    "narrowed after the drop": """ALTER TABLE "Doc" ADD COLUMN "m" TEXT;
        UPDATE "Doc" SET "m" = "title"; ALTER TABLE "Doc" DROP COLUMN "title";
        ALTER TABLE "Doc" ALTER COLUMN "m" TYPE VARCHAR(3);""",
    "copied from another column": """ALTER TABLE "Doc" ADD COLUMN "t2" TEXT;
        UPDATE "Doc" SET "t2" = "id"::text; ALTER TABLE "Doc" DROP COLUMN "title";""",
    "a filtered copy": """ALTER TABLE "Doc" ADD COLUMN "t2" TEXT;
        UPDATE "Doc" SET "t2" = "title" WHERE "id" > 1; ALTER TABLE "Doc" DROP COLUMN "title";""",
}


@pytest.mark.parametrize("name", sorted(FILLED))
def test_filled_from_the_copy(name: str) -> None:
    down = _down(FILLED[name])
    assert "where the migration copied its values" in down or "converted its values" in down, down
    assert "placeholder" not in down and "comes back empty" not in down, down


@pytest.mark.parametrize("name", sorted(NOT_FILLED))
def test_not_filled_where_the_copy_does_not_hold_the_values(name: str) -> None:
    down = _down(NOT_FILLED[name])
    assert "filled from" not in down, down
    assert "placeholder" in down or "comes back empty" in down, down
