"""``core.preflight``: which data checks an inverse needs, from its changes and the catalogs."""

from __future__ import annotations

from prisma_down.core import changes as ch
from prisma_down.core import data_checks as pf
from prisma_down.core.analysis import Analyzer, ScriptAnalysis, down_changes


def _last(dialect: str, *scripts: str) -> ScriptAnalysis:
    return Analyzer(dialect=dialect).analyse(list(scripts))[-1]


def _checks(a: ScriptAnalysis) -> list[pf.Check]:
    changes = [c for _, inv in down_changes(a) for c in inv.changes]
    return pf.checks(changes, a.after, a.before)


_MEMBER = (
    "CREATE TABLE `Member` (`id` INTEGER NOT NULL AUTO_INCREMENT, `nick` VARCHAR(20) NOT NULL,"
    " `kind` ENUM('A', 'B') NOT NULL, `email` VARCHAR(191) NOT NULL,"
    " UNIQUE INDEX `Member_email_key`(`email`), PRIMARY KEY (`id`));"
)


def test_each_kind_of_data_check_is_found() -> None:
    a = _last(
        "mysql",
        _MEMBER,
        "ALTER TABLE `Member` MODIFY `nick` TEXT NULL, MODIFY `kind` ENUM('A', 'B', 'C') NOT NULL;"
        "\nDROP INDEX `Member_email_key` ON `Member`;",
    )
    found = {(c.kind, c.columns, c.values) for c in _checks(a)}
    assert found == {
        ("no-nulls", ("nick",), ()),
        ("fits-length", ("nick",), ("20",)),
        ("no-values", ("kind",), ("C",)),
        ("no-duplicates", ("email",), ()),
    }
    assert all(c.message.startswith("prisma-down preflight: Member.") for c in _checks(a))


def test_nothing_to_check_when_every_row_fits_back() -> None:
    """Widening back, or a column the migration added (it is not there in every state)."""
    a = _last(
        "mysql",
        _MEMBER,
        "ALTER TABLE `Member` MODIFY `nick` VARCHAR(10) NOT NULL;\n"
        "ALTER TABLE `Member` ADD COLUMN `bio` TEXT NULL;",
    )
    assert _checks(a) == []


def test_a_column_renamed_back_first_is_not_checked_under_either_name() -> None:
    a = _last(
        "mysql",
        _MEMBER,
        "ALTER TABLE `Member` MODIFY `nick` VARCHAR(20) NULL;\n"
        "ALTER TABLE `Member` RENAME COLUMN `nick` TO `handle`;",
    )
    assert _checks(a) == []


def test_a_sqlite_redefinition_back_checks_not_null_and_unique_keys() -> None:
    a = _last(
        "sqlite",
        'CREATE TABLE "T" ("id" INTEGER NOT NULL PRIMARY KEY, "a" TEXT NOT NULL UNIQUE);',
        'PRAGMA foreign_keys=OFF;\nCREATE TABLE "new_T" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"a" TEXT);\nINSERT INTO "new_T" ("id", "a") SELECT "id", "a" FROM "T";\n'
        'DROP TABLE "T";\nALTER TABLE "new_T" RENAME TO "T";\nPRAGMA foreign_keys=ON;',
    )
    found = {(c.kind, c.columns) for c in _checks(a)}
    assert found == {("no-nulls", ("a",)), ("no-duplicates", ("a",))}


def test_guarded_changes_are_looked_into_and_repeats_dropped() -> None:
    a = _last("mysql", _MEMBER, "DROP INDEX `Member_email_key` ON `Member`;")
    changes = [c for _, inv in down_changes(a) for c in inv.changes]
    guard = ch.Guard("table", ("Member",), False)
    wrapped = [ch.Guarded(guard, tuple(changes)), *changes]
    assert [c.kind for c in pf.checks(wrapped, a.after, a.before)] == ["no-duplicates"]


_TEAM = (
    "CREATE TABLE `Seat` (`id` INTEGER NOT NULL AUTO_INCREMENT, `team` INTEGER NOT NULL,"
    " `slot` VARCHAR(10) NOT NULL, `note` VARCHAR(10) NULL DEFAULT 'x', `tag` VARCHAR(36) NULL,"
    " UNIQUE INDEX `Seat_slot_key`(`slot`), UNIQUE INDEX `Seat_team_slot_key`(`team`, `slot`),"
    " UNIQUE INDEX `Seat_note_key`(`note`), UNIQUE INDEX `Seat_tag_key`(`tag`),"
    " PRIMARY KEY (`id`));"
)


def test_a_unique_key_on_a_column_that_comes_back_without_its_values() -> None:
    """One value on every row: alone in its key, a second row fails it; with other columns,
    those must be distinct. A nullable column that comes back NULL fits any number of rows."""
    a = _last(
        "mysql",
        _TEAM,
        "DROP INDEX `Seat_slot_key` ON `Seat`;\nDROP INDEX `Seat_team_slot_key` ON `Seat`;\n"
        "DROP INDEX `Seat_note_key` ON `Seat`;\nDROP INDEX `Seat_tag_key` ON `Seat`;\n"
        "ALTER TABLE `Seat` DROP COLUMN `slot`, DROP COLUMN `note`, DROP COLUMN `tag`;",
    )
    found = {(c.kind, c.columns) for c in _checks(a)}
    assert found == {("one-row", ()), ("no-duplicates", ("team",))}
    ones = sorted(c.message for c in _checks(a) if c.kind == "one-row")
    assert [m.split(" comes back")[0] for m in ones] == [
        "prisma-down preflight: Seat.note",  # its DEFAULT 'x' on every row
        "prisma-down preflight: Seat.slot",  # NOT NULL: one implicit value on every row
    ]
    assert all("Seat has 2+ rows: delete all but one first" in m for m in ones)
    assert all(len(m) <= 128 for m in ones)  # MySQL's SIGNAL keeps no more
