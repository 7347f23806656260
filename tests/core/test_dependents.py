"""core.dependents and core.foreign_key_types: what hangs on a column, a type or a view."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core.analysis import replay
from prisma_down.core.catalog import Catalog
from prisma_down.core.dependents import closure, on_column, on_relation, on_type
from prisma_down.core.inverse import invert
from prisma_down.core.schema import QName

BASE = """CREATE TYPE "Status" AS ENUM ('A', 'B');
CREATE TABLE "T" ("id" INTEGER NOT NULL, "status" "Status" NOT NULL, "note" TEXT);
CREATE TABLE "U" ("id" INTEGER NOT NULL, "tId" INTEGER);
CREATE VIEW "ByStatus" AS SELECT "id", "status" FROM "T";
CREATE VIEW "Notes" AS SELECT "note" FROM "T";
CREATE VIEW "Starred" AS SELECT * FROM "T";
CREATE VIEW "OnView" AS SELECT "id" FROM "ByStatus";
CREATE VIEW "Cast" AS SELECT 'A'::"Status" AS "s" FROM "U";
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;
CREATE TRIGGER "T_status" BEFORE UPDATE OF "status" ON "T" FOR EACH ROW EXECUTE FUNCTION f();
CREATE TRIGGER "U_status" BEFORE UPDATE ON "U" FOR EACH ROW WHEN (NEW."id" > 0)
  EXECUTE FUNCTION f();
CREATE RULE "T_rule" AS ON DELETE TO "U" DO ALSO DELETE FROM "T" WHERE "T"."id" = OLD."id";
"""


def _cat(sql: str = BASE) -> Catalog:
    return replay(sql, "postgres", Catalog()).after


def _names(keys: list[tuple[str, QName, QName | None]]) -> list[str]:
    return [k[1].name for k in keys]


def test_a_column_holds_what_names_it_or_spelled_it_out() -> None:
    found = _names(on_column(_cat(), QName("", "T"), "status"))
    assert sorted(found) == ["ByStatus", "Starred", "T_status"]
    # the rule on "U" names "T"."id"; a trigger on "U" never binds a column of "T"
    assert sorted(_names(on_column(_cat(), QName("", "T"), "id"))) == [
        "ByStatus",
        "Starred",
        "T_rule",
    ]


def test_a_type_holds_casts_and_what_holds_its_columns() -> None:
    found = set(_names(on_type(_cat(), QName("", "Status"))))
    assert found == {"Cast", "ByStatus", "Starred", "T_status"}


def test_closure_adds_views_on_views_in_creation_order() -> None:
    cat = _cat()
    keys = closure(cat, on_column(cat, QName("", "T"), "status"))
    assert _names(keys) == ["ByStatus", "Starred", "OnView", "T_status"]
    assert _names(on_relation(cat, QName("", "ByStatus"))) == ["OnView"]


def test_an_enum_rebuild_steps_around_its_dependents() -> None:
    cat = _cat()
    inv = invert(ch.AddEnumValue(QName("", "Status"), "C"), cat)
    kinds = [type(c).__name__ for c in inv.changes]
    first_alter = kinds.index("AlterColumnType")
    drops = [c for c in inv.changes[:first_alter] if isinstance(c, ch.DropObject)]
    assert [d.name.name for d in drops] == ["T_status", "Cast", "OnView", "Starred", "ByStatus"]
    last_drop_type = kinds.index("DropEnum")
    made = [c.object.name.name for c in inv.changes if isinstance(c, ch.CreateObject)]
    assert made == ["ByStatus", "Starred", "OnView", "Cast", "T_status"]
    assert all(
        kinds.index("CreateObject") > i for i in (first_alter, last_drop_type)
    )  # re-created only once nothing blocks them any more


def test_no_dependent_no_change() -> None:
    cat = _cat('CREATE TABLE "T" ("id" INTEGER NOT NULL, "note" TEXT);')
    inv = invert(ch.AlterColumnType(QName("", "T"), "note", "VARCHAR(10)"), cat)
    assert [type(c).__name__ for c in inv.changes] == ["AlterColumnType"]


FK = """CREATE TABLE "N" ("id" {a} NOT NULL, "p" {b}, CONSTRAINT "N_pkey" PRIMARY KEY ("id"));
ALTER TABLE "N" ADD CONSTRAINT "N_p_fkey" FOREIGN KEY ("p") REFERENCES "N"("id");
"""


def _fk_inverses(a: str, b: str, to: str) -> list[list[str]]:
    """The inverses of both halves of ``ALTER TABLE "N" ALTER "id" TYPE to, ALTER "p" ...``."""
    analysis = replay(
        f'ALTER TABLE "N" ALTER COLUMN "id" SET DATA TYPE {to}, '
        f'ALTER COLUMN "p" SET DATA TYPE {to};',
        "postgres",
        _cat(FK.format(a=a, b=b)),
    )
    return [[type(c).__name__ for c in inv.changes] for inv in analysis.steps[0].inverses]


def test_a_key_between_two_changed_columns_is_dropped_between_them() -> None:
    assert _fk_inverses("INTEGER", "INTEGER", "TEXT") == [
        ["AlterColumnType", "AddConstraint"],
        ["DropConstraint", "AlterColumnType"],
    ]


def test_comparable_or_unknown_types_leave_the_key_alone() -> None:
    plain = [["AlterColumnType"], ["AlterColumnType"]]
    assert _fk_inverses("INTEGER", "INTEGER", "BIGINT") == plain  # one family
    assert _fk_inverses('"my_id"', '"my_id"', "TEXT") == plain  # a domain: nothing assumed


def test_a_view_replaced_to_read_a_later_view_comes_back_after_it() -> None:
    cat = _cat(
        'CREATE TABLE "T" ("id" INTEGER NOT NULL);\n'
        'CREATE VIEW "A" AS SELECT "id" FROM "T";\n'
        'CREATE VIEW "B" AS SELECT "id" FROM "T";\n'
        'CREATE OR REPLACE VIEW "A" AS SELECT "id" FROM "B";\n'
    )
    assert _names(closure(cat, on_column(cat, QName("", "T"), "id"))) == ["B", "A"]


def test_bare_names_in_any_case_are_the_lower_case_ones() -> None:
    cat = _cat(
        "CREATE TABLE tickets (id INTEGER NOT NULL, status TEXT);\n"
        "CREATE VIEW open_tickets AS SELECT ID, STATUS FROM TICKETS;\n"
        'CREATE VIEW "Other" AS SELECT "Status" FROM "TicketsX";\n'
    )
    assert _names(on_column(cat, QName("", "tickets"), "status")) == ["open_tickets"]


def test_a_star_whose_table_is_uncertain_may_mean_any_column() -> None:
    cat = _cat(
        'CREATE TABLE "T" ("id" INTEGER NOT NULL, "s" TEXT);\n'
        'CREATE VIEW "Sub" AS SELECT * FROM (SELECT * FROM "T") AS x;\n'
        'CREATE VIEW "Counted" AS SELECT count(*) AS "n" FROM "T";\n'
    )
    assert _names(on_column(cat, QName("", "T"), "s")) == ["Sub"]
