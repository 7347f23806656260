"""Which foreign keys get the preflight for the DELETE that undoes an INSERT … SELECT
(``core.seed_checks``): only RESTRICT / NO ACTION ones, on a table that is still there,
with that foreign key, when the DELETE runs."""

from __future__ import annotations

import pytest

from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate

_PARENT = """
CREATE TABLE "Account" ("id" INTEGER NOT NULL, CONSTRAINT "Account_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Wallet" ("accountId" INTEGER NOT NULL, "n" INTEGER NOT NULL,
    CONSTRAINT "Wallet_pkey" PRIMARY KEY ("accountId"));
"""
_CHILD = """
CREATE TABLE "Payment" ("id" INTEGER NOT NULL, "walletId" INTEGER,
    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id"));
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_walletId_fkey" FOREIGN KEY ("walletId")
    REFERENCES "Wallet"("accountId") {action} ON UPDATE CASCADE;
"""
_SEED = """INSERT INTO "Wallet" ("accountId", "n") SELECT "id", 0 FROM "Account";\n"""
_MESSAGE = "Payment.walletId points at Wallet rows down.sql deletes"


def _down(texts: list[str], dialect: str = "postgres") -> str:
    analyses = Analyzer(dialect=dialect).analyse(texts)
    return generate("m", texts[-1], analyses[-1], dialect)


@pytest.mark.parametrize("action", ["ON DELETE RESTRICT", "ON DELETE NO ACTION", ""])
def test_restrict_and_no_action_are_checked(action: str) -> None:
    down = _down([_PARENT + _CHILD.format(action=action), _SEED])
    assert _MESSAGE in down
    assert down.index(_MESSAGE) < down.index('DELETE FROM "Wallet"')


@pytest.mark.parametrize("action", ["ON DELETE CASCADE", "ON DELETE SET NULL"])
def test_cascade_and_set_null_do_not_fail(action: str) -> None:
    down = _down([_PARENT + _CHILD.format(action=action), _SEED])
    assert 'DELETE FROM "Wallet"' in down
    assert _MESSAGE not in down


def test_a_child_down_sql_drops_first_is_not_checked() -> None:
    # the migration seeds, then creates the child: down.sql drops it before the DELETE
    down = _down([_PARENT, _SEED + _CHILD.format(action="ON DELETE RESTRICT")])
    assert "DROP TABLE" in down and 'DELETE FROM "Wallet"' in down
    assert _MESSAGE not in down


def test_a_child_created_before_the_seed_is_checked_on_postgres() -> None:
    # down.sql deletes the seeded rows first, then drops the child: the rows still point
    down = _down([_PARENT, _CHILD.format(action="ON DELETE RESTRICT") + _SEED])
    assert _MESSAGE in down


def test_a_foreign_key_down_sql_drops_first_is_not_checked() -> None:
    add = """ALTER TABLE "Payment" ADD CONSTRAINT "Payment_walletId_fkey" FOREIGN KEY
    ("walletId") REFERENCES "Wallet"("accountId") ON DELETE RESTRICT ON UPDATE CASCADE;"""
    child = _CHILD.split("ALTER TABLE")[0]
    down = _down([_PARENT + child, _SEED + add])
    assert "DROP CONSTRAINT" in down
    assert _MESSAGE not in down


def test_self_reference_is_checked_through_an_alias() -> None:
    tree = """
CREATE TABLE "Node" ("id" INTEGER NOT NULL, "parentId" INTEGER,
    CONSTRAINT "Node_pkey" PRIMARY KEY ("id"));
ALTER TABLE "Node" ADD CONSTRAINT "Node_parentId_fkey" FOREIGN KEY ("parentId")
    REFERENCES "Node"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE TABLE "Src" ("id" INTEGER NOT NULL, CONSTRAINT "Src_pkey" PRIMARY KEY ("id"));
"""
    seed = 'INSERT INTO "Node" ("id") SELECT "id" FROM "Src";\n'
    down = _down([tree, seed])
    assert "Node.parentId points at Node rows" in down
    child = 'FROM "Node" AS prisma_down_child WHERE prisma_down_child."parentId" = "Node"."id"'
    assert child in down
