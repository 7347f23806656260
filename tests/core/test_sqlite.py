"""SQLite fixture folders, and what the engine makes of Prisma's table redefinition.

``PRISMA_DOWN_UPDATE_FIXTURES=1 pytest tests/core/test_sqlite.py`` (re)writes every
``expected.down.sql`` under ``fixtures/sqlite``; whether each is *right* is decided on a real
SQLite by ``tests/verify/test_sqlite_roundtrip.py``.
"""

from __future__ import annotations

import re

import pytest

from prisma_down.core import changes as ch
from prisma_down.core.analysis import Analyzer, Step
from prisma_down.core.down import generate
from prisma_down.core.inverse import Risk
from prisma_down.core.lint import analyse_history, run_rules
from prisma_down.core.statements import split
from tests.core.fixture_cases import (
    Case,
    assert_every_statement_fits,
    assert_expected,
    load,
    names,
)

CASES = names("sqlite")


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    return load(request.param, "sqlite")


def test_there_are_cases() -> None:
    assert len(CASES) >= 20


def test_expected_down(case: Case) -> None:
    assert_expected(case)


def test_every_statement_fits(case: Case) -> None:
    assert_every_statement_fits(case)


def test_generated_down_replays_clean(case: Case) -> None:
    """Each generated down.sql, read back, gives the catalog from before its migration."""
    analyzer = Analyzer("sqlite")
    ups = analyzer.analyse([m.up.text for m in case.history.migrations])
    for m, up, down in zip(case.history.migrations, ups, case.downs, strict=True):
        replayed = analyzer.replay_down(up, down)
        problems = [p for s in replayed.steps for p in s.problems]
        assert not problems, f"{m.name}: {problems}"
        assert replayed.after.tables == up.before.tables, m.name
        assert replayed.after.indexes == up.before.indexes, m.name


# -- the redefinition ----------------------------------------------------------------------


def _redefinitions(case: Case) -> list[tuple[Step, ch.RedefineTable]]:
    return [
        (s, c)
        for s in case.last.steps
        for c in s.reading.changes
        if isinstance(c, ch.RedefineTable)
    ]


@pytest.mark.parametrize(
    "name",
    [
        "redefine_change_type",
        "redefine_add_not_null",
        "redefine_add_fk",
        "redefine_gen1_prisma2",
        "redefine_gen2_foreign_key_check",
        "redefine_gen3_defer_foreign_keys",
    ],
)
def test_redefinition_is_one_change_never_a_drop(name: str) -> None:
    case = load(name, "sqlite")
    ((step, change),) = _redefinitions(case)
    assert step.statement.text.startswith('CREATE TABLE "new_')
    assert not change.table.name.name.startswith("new_")
    others = [c for s in case.last.steps if s is not step for c in s.reading.changes]
    assert not any(isinstance(c, ch.DropTable | ch.RenameTable | ch.DataChange) for c in others)
    contexts = analyse_history(case.history, Analyzer("sqlite"))
    rules = {f.rule for f in run_rules(contexts) if f.migration == case.history.migrations[-1].name}
    assert "drop-without-rename" not in rules
    assert "irreversible-statement" not in rules
    assert "DROP TABLE" in case.body and "loses-data: table" not in case.body


def test_exact_redefinitions_copy_every_column_back() -> None:
    for name in ("redefine_change_type", "redefine_gen3_defer_foreign_keys"):
        case = load(name, "sqlite")
        ((step, _),) = _redefinitions(case)
        assert step.risk is Risk.EXACT, name
        assert "loses-data" not in case.body


def test_redefinition_is_written_the_way_prisma_writes_it() -> None:
    """Prisma's shape, through a table of its own (``new_Post`` may be what a stopped
    migration left behind: dropped at the end, once ``Post`` is back)."""
    body = load("redefine_change_type", "sqlite").body
    statements = [s.text.split("(")[0].strip() for s in split(body, "sqlite").statements]
    assert statements == [
        'DROP INDEX IF EXISTS "Post_authorId_idx"',
        "PRAGMA defer_foreign_keys=ON",
        "PRAGMA foreign_keys=OFF",
        'CREATE TABLE "prisma_down_Post"',
        'INSERT INTO "prisma_down_Post"',
        'DROP TABLE "Post"',
        'ALTER TABLE "prisma_down_Post" RENAME TO "Post"',
        'CREATE INDEX "Post_authorId_idx" ON "Post"',
        "PRAGMA foreign_keys=ON",
        "PRAGMA defer_foreign_keys=OFF",
        'DROP TABLE IF EXISTS "new_Post"',
    ]
    assert '"views" INTEGER NOT NULL DEFAULT 0' in body


def test_dropped_column_is_reported_and_loses_data() -> None:
    case = load("redefine_drop_column", "sqlite")
    ((step, _),) = _redefinitions(case)
    assert step.risk is Risk.LOSES_DATA
    assert '-- loses-data: column "Post"."content" comes back empty' in case.body
    assert '"content" TEXT,' in case.body  # restored in its place, copied from nowhere
    contexts = analyse_history(case.history, Analyzer("sqlite"))
    found = [f for f in run_rules(contexts) if f.rule == "drop-without-rename"]
    assert [f.message.split(":")[0] for f in found] == [
        'the redefinition of "Post" drops column "Post"."content" and deletes its values for good'
    ]
    assert found[0].span == step.statement.span


def test_required_column_comes_back_filled() -> None:
    body = load("redefine_drop_required_column", "sqlite").body
    assert "it comes back filled with ''" in body
    assert re.search(r'INSERT INTO "prisma_down_User" \("createdAt", "email", "id", "name"\) '
                     r'SELECT "createdAt", \'\', "id", "name" FROM "User"', body)  # fmt: skip


def test_renamed_copy_is_copied_back_to_its_source() -> None:
    body = load("redefine_two_tables", "sqlite").body
    assert 'INSERT INTO "prisma_down_Post" ("authorId", "content", "id"' in body
    assert 'SELECT "authorId", "body", "id"' in body


def test_add_column_with_a_foreign_key_is_undone_by_a_redefinition() -> None:
    body = load("add_column_references", "sqlite").body
    assert 'ALTER TABLE "Post" DROP COLUMN "rating";' in body  # a CHECK on itself: droppable
    assert 'CREATE TABLE "prisma_down_Post"' in body
    assert "editorId" not in body.split("prisma_down_Post")[1]


def test_double_quoted_values_are_strings() -> None:
    case = load("insert_rows", "sqlite")
    assert """DELETE FROM "Config" WHERE "key" IN ('SMTP_ENABLED', 'APP_URL');""" in case.body


def test_generate_for_sqlite_says_sqlite() -> None:
    case = load("create_table", "sqlite")
    text = generate("x", case.history.migrations[-1].up.text, case.last, "sqlite")
    assert 'DROP TABLE IF EXISTS "Tag";' in text


def test_split_knows_sqlite_quotes() -> None:
    script = split("SELECT `a;b`, [c;d], \"e;f\", 'g;h' FROM t; SELECT 1;", "sqlite")
    assert len(script.statements) == 2


def test_hand_written_down_that_leaves_a_column_out_is_reported() -> None:
    case = load("redefine_drop_column", "sqlite")
    last = case.history.migrations[-1]
    bad = case.downs[-1].replace('    "content" TEXT,\n', "")
    assert bad != case.downs[-1]
    contexts = analyse_history(case.history, Analyzer("sqlite"), {last.directory / "down.sql": bad})
    found = [f.message for f in run_rules(contexts) if f.rule == "down-does-not-restore"]
    assert found == [
        'down.sql does not restore the schema: column "Post"."content" is missing after down.sql'
    ]
    good = analyse_history(
        case.history, Analyzer("sqlite"), {last.directory / "down.sql": case.downs[-1]}
    )
    assert not [f for f in run_rules(good) if f.rule == "down-does-not-restore"]


def test_split_keeps_a_trigger_body_whole() -> None:
    script = split(
        'CREATE TRIGGER "t" AFTER INSERT ON "x" BEGIN\n  UPDATE "y" SET a = 1;\n'
        '  INSERT INTO "z" VALUES (1);\nEND;\nDROP TRIGGER "t";',
        "sqlite",
    )
    assert [s.text.split()[0:2] for s in script.statements] == [
        ["CREATE", "TRIGGER"],
        ["DROP", "TRIGGER"],
    ]
    assert script.statements[0].text.endswith("END")


def test_copy_through_an_expression_loses_data_and_plain_copies_do_not() -> None:
    """``coalesce("plan", 'free')`` in the copy changes NULLs: the copy back cannot undo it."""
    case = load("redefine_computed_copy", "sqlite")
    ((step, change),) = _redefinitions(case)
    assert change.copied == (("id", "id"), ("score", "score"))
    assert step.risk is Risk.LOSES_DATA
    note = " ".join(i.note for i in step.inverses)
    assert 'values of "Account"."plan" may differ' in note
    assert "coalesce(\"plan\", 'free')" in note
    assert 'values of "Account"."handle" may differ' in note
    assert '"score"' not in note
