"""Every rule over small real histories on disk: what triggers it, and what does not."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate
from prisma_down.core.findings import Finding
from prisma_down.core.history import load_history
from prisma_down.core.lint import analyse_history, run_rules
from prisma_down.core.rules import RULES

INIT = (
    "-- CreateTable\n"
    'CREATE TABLE "User" (\n'
    '    "id" SERIAL NOT NULL,\n'
    '    "bio" TEXT,\n'
    '    "email" TEXT NOT NULL,\n'
    '    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n'
    ");\n"
)
INIT_NAME = "20240101000000_init"
INIT_DOWN = 'DROP TABLE "User";\n'


def write_history(
    tmp_path: Path,
    ups: Mapping[str, str | bytes],
    downs: Mapping[str, str] | None = None,
) -> Path:
    root = tmp_path / "prisma" / "migrations"
    root.mkdir(parents=True)
    (root / "migration_lock.toml").write_text('provider = "postgresql"\n', encoding="utf-8")
    for name, up in ups.items():
        (root / name).mkdir()
        path = root / name / "migration.sql"
        if isinstance(up, bytes):
            path.write_bytes(up)
        else:
            path.write_text(up, encoding="utf-8", newline="")
    for name, down in (downs or {}).items():
        (root / name / "down.sql").write_text(down, encoding="utf-8", newline="")
    return root


def lint(root: Path, severities: Mapping[str, str] | None = None) -> list[Finding]:
    history = load_history(root)
    contexts = analyse_history(history, Analyzer())
    return run_rules(contexts, severities)


def only(findings: list[Finding], rule: str, migration: str | None = None) -> list[Finding]:
    return [f for f in findings if f.rule == rule and migration in (None, f.migration)]


def write_generated_downs(root: Path) -> None:
    history = load_history(root)
    for ctx in analyse_history(history, Analyzer()):
        text = generate(ctx.migration.name, ctx.up_text, ctx.up, "postgres")
        ctx.down_path.write_text(text, encoding="utf-8", newline="")


def test_rule_ids_are_the_documented_ones() -> None:
    assert set(RULES) == {
        "missing-down-sql",
        "drop-without-rename",
        "irreversible-statement",
        "down-does-not-restore",
        "stale-down-sql",
        "unreadable-statement",
    }
    for _check, severity, summary in RULES.values():
        assert severity in ("error", "warning", "info")
        assert summary


# --- missing-down-sql ------------------------------------------------------------------


def test_missing_down_sql(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT})
    (f,) = only(lint(root), "missing-down-sql")
    assert f.severity == "warning"
    assert f.path == root / INIT_NAME / "migration.sql"
    assert (f.start.line, f.start.column) == (1, 0)  # the first statement, after "-- CreateTable"
    assert INIT_NAME in f.message and "no down.sql" in f.message
    assert f.migration == INIT_NAME


def test_missing_down_sql_not_when_present(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT}, {INIT_NAME: INIT_DOWN})
    assert lint(root) == []


# --- drop-without-rename ---------------------------------------------------------------

DROP = "20240102000000_drop_bio"
DROP_UP = '/*\n  Warnings: data lost\n*/\n-- AlterTable\nALTER TABLE "User" DROP COLUMN "bio";\n'


def test_drop_without_rename(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: DROP_UP}, {INIT_NAME: INIT_DOWN})
    (f,) = only(lint(root), "drop-without-rename")
    assert f.severity == "warning"
    assert f.path == root / DROP / "migration.sql"
    assert (f.start.line, f.start.column) == (4, 0)
    assert (f.end.line, f.end.column) == (4, len('ALTER TABLE "User" DROP COLUMN "bio";'))
    assert '"User"."bio"' in f.message and "bio_archived" in f.message
    # related information points at the migration that created the column
    (rel,) = f.related
    assert rel.path == root / INIT_NAME / "migration.sql"
    assert (rel.start.line, rel.start.column) == (1, 0)
    assert "bio" in rel.message and "created" in rel.message


def test_drop_without_rename_not_for_rename_or_archive(tmp_path: Path) -> None:
    ups = {
        INIT_NAME: INIT,
        "20240102000000_archive": 'ALTER TABLE "User" RENAME COLUMN "bio" TO "bio_archived";\n',
        "20240103000000_drop_archive": 'ALTER TABLE "User" DROP COLUMN "bio_archived";\n',
    }
    root = write_history(tmp_path, ups)
    findings = lint(root)
    assert only(findings, "drop-without-rename") == []
    assert len(only(findings, "missing-down-sql")) == 3  # the history was read


def test_drop_table_without_rename(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: 'DROP TABLE "User";\n'})
    (f,) = only(lint(root), "drop-without-rename")
    assert (f.start.line, f.start.column) == (0, 0)
    assert 'DROP TABLE "User"' in f.message and "User_archived" in f.message
    assert f.related and f.related[0].path == root / INIT_NAME / "migration.sql"


# --- irreversible-statement ------------------------------------------------------------


def test_irreversible_statement(tmp_path: Path) -> None:
    up = '-- Backfill\n\nUPDATE "User" SET "email" = \'x\';\n'
    root = write_history(tmp_path, {INIT_NAME: INIT, "20240102000000_fill": up})
    (f,) = only(lint(root), "irreversible-statement")
    assert f.severity == "warning"
    assert (f.start.line, f.start.column) == (2, 0)
    assert "cannot be undone" in f.message and "UPDATE" in f.message


def test_irreversible_statement_not_for_reversible_ddl(tmp_path: Path) -> None:
    up = 'CREATE INDEX "User_email_idx" ON "User"("email");\n'
    root = write_history(tmp_path, {INIT_NAME: INIT, "20240102000000_idx": up})
    assert only(lint(root), "irreversible-statement") == []


# --- down-does-not-restore -------------------------------------------------------------

NULLABLE = "20240102000000_email_optional"
NULLABLE_UP = 'ALTER TABLE "User" ALTER COLUMN "email" DROP NOT NULL;\n'


def test_hand_written_down_forgetting_set_not_null(tmp_path: Path) -> None:
    down = '-- written by hand\nALTER TABLE "User" ALTER COLUMN "bio" SET DEFAULT \'\';\n'
    root = write_history(
        tmp_path, {INIT_NAME: INIT, NULLABLE: NULLABLE_UP}, {INIT_NAME: INIT_DOWN, NULLABLE: down}
    )
    (f,) = only(lint(root), "down-does-not-restore")
    assert f.severity == "error"
    assert f.path == root / NULLABLE / "down.sql"
    assert (f.start.line, f.start.column) == (1, 0)
    assert '"User"."email"' in f.message and "NOT NULL" in f.message
    assert '"User"."bio"' in f.message  # the stray default is reported too


def test_correct_hand_written_down_restores(tmp_path: Path) -> None:
    down = 'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;\n'
    root = write_history(
        tmp_path, {INIT_NAME: INIT, NULLABLE: NULLABLE_UP}, {INIT_NAME: INIT_DOWN, NULLABLE: down}
    )
    assert lint(root) == []


def test_down_statement_that_does_not_fit(tmp_path: Path) -> None:
    down = 'DROP TABLE "User";\nDROP TABLE "Nope";\n'
    root = write_history(tmp_path, {INIT_NAME: INIT}, {INIT_NAME: down})
    (f,) = only(lint(root), "down-does-not-restore")
    assert (f.start.line, f.start.column) == (1, 0)
    assert "Nope" in f.message and "does not fit" in f.message


def test_generated_down_is_clean(tmp_path: Path) -> None:
    ups = {
        INIT_NAME: INIT,
        DROP: DROP_UP,
        NULLABLE: NULLABLE_UP,
        "20240104000000_idx": 'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n',
        "20240105000000_col": 'ALTER TABLE "User" ADD COLUMN "name" VARCHAR(80) DEFAULT \'x\';\n',
    }
    root = write_history(tmp_path, ups)
    write_generated_downs(root)
    findings = lint(root)
    assert only(findings, "down-does-not-restore") == []
    assert only(findings, "stale-down-sql") == []
    assert only(findings, "missing-down-sql") == []
    assert [f.rule for f in findings] == ["drop-without-rename"]


# --- stale-down-sql --------------------------------------------------------------------


def test_stale_down_sql_after_editing_migration(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT})
    write_generated_downs(root)
    assert lint(root) == []
    up = root / INIT_NAME / "migration.sql"
    up.write_text(INIT + '\nCREATE INDEX "User_bio_idx" ON "User"("bio");\n', encoding="utf-8")
    (f,) = only(lint(root), "stale-down-sql")
    assert f.severity == "warning"
    assert f.path == root / INIT_NAME / "down.sql"
    down_lines = f.path.read_text(encoding="utf-8").splitlines()
    assert down_lines[f.start.line].startswith("-- prisma-down: migration.sql sha256=")
    assert f.start.column == 0
    assert "different migration.sql" in f.message and "regenerate" in f.message


def test_hand_written_down_is_never_stale(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT}, {INIT_NAME: INIT_DOWN})
    assert only(lint(root), "stale-down-sql") == []


# --- unreadable-statement --------------------------------------------------------------


def test_non_utf8_migration_is_unreadable(tmp_path: Path) -> None:
    bad = "20240102000000_bad"
    root = write_history(tmp_path, {INIT_NAME: INIT, bad: b"\xff\xfe garbage"})
    findings = lint(root)
    (f,) = only(findings, "unreadable-statement")
    assert f.severity == "error"
    assert f.path == root / bad / "migration.sql"
    assert (f.start.line, f.start.column) == (0, 0)
    assert "cannot read migration.sql" in f.message and "UTF-8" in f.message
    assert only(findings, "missing-down-sql", INIT_NAME)  # the others are still checked


def test_invalid_utf8_byte(tmp_path: Path) -> None:
    bad = "20240102000000_bad"
    root = write_history(tmp_path, {bad: b"-- x\nSELECT '\xe9';\n"})
    (f,) = only(lint(root), "unreadable-statement")
    assert "0xe9" in f.message and "line 2" in f.message


def test_sql_that_cannot_be_read(tmp_path: Path) -> None:
    up = 'CREATE TABLE "T" ("id" INT);\n\nSELEC garbage here;\n'
    root = write_history(tmp_path, {"20240101000000_junk": up})
    (f,) = only(lint(root), "unreadable-statement")
    assert (f.start.line, f.start.column) == (2, 0)
    assert "cannot read this statement" in f.message


def test_unterminated_quote(tmp_path: Path) -> None:
    up = 'CREATE TABLE "T" ("id" INT);\nINSERT INTO "T" VALUES (\'half\n'
    root = write_history(tmp_path, {"20240101000000_open": up})
    found = only(lint(root), "unreadable-statement")
    never_closed = [f for f in found if "never closed" in f.message]
    assert len(never_closed) == 1
    assert (never_closed[0].start.line, never_closed[0].start.column) == (1, 24)


def test_readable_history_has_no_unreadable(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: DROP_UP})
    assert only(lint(root), "unreadable-statement") == []


# --- suppression and configuration -----------------------------------------------------


def test_statement_suppression(tmp_path: Path) -> None:
    up = (
        "-- prisma-down-ignore drop-without-rename\n"
        'ALTER TABLE "User" DROP COLUMN "bio";\n'
        'UPDATE "User" SET "email" = \'x\';\n'
        'ALTER TABLE "User" DROP COLUMN "email";\n'
    )
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: up}, {INIT_NAME: INIT_DOWN})
    findings = lint(root)
    drops = only(findings, "drop-without-rename")
    assert [(f.start.line, f.message.split(" deletes")[0]) for f in drops] == [
        (3, 'DROP COLUMN "User"."email"')
    ]
    assert only(findings, "irreversible-statement")  # other rules still report
    assert only(findings, "missing-down-sql", DROP)


def test_trailing_suppression(tmp_path: Path) -> None:
    up = 'ALTER TABLE "User" DROP COLUMN "bio"; -- prisma-down-ignore drop-without-rename\n'
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: up})
    assert only(lint(root), "drop-without-rename") == []


def test_statement_suppression_does_not_reach_the_next_statement(tmp_path: Path) -> None:
    up = (
        "-- prisma-down-ignore irreversible-statement\n"
        'UPDATE "User" SET "email" = \'x\';UPDATE "User" SET "bio" = \'y\';\n'
    )
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: up})
    (f,) = only(lint(root), "irreversible-statement")
    assert (f.start.line, f.start.column) == (1, len('UPDATE "User" SET "email" = \'x\';'))


def test_file_suppression(tmp_path: Path) -> None:
    up = (
        'UPDATE "User" SET "email" = \'x\';\n'
        "-- prisma-down-ignore-file irreversible-statement\n"
        'UPDATE "User" SET "bio" = \'y\';\n'
        'ALTER TABLE "User" DROP COLUMN "bio";\n'
    )
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: up}, {INIT_NAME: INIT_DOWN})
    findings = lint(root)
    assert only(findings, "irreversible-statement") == []
    assert len(only(findings, "drop-without-rename")) == 1
    assert len(only(findings, "missing-down-sql")) == 1


def test_rule_off_and_severity_override(tmp_path: Path) -> None:
    root = write_history(tmp_path, {INIT_NAME: INIT, DROP: DROP_UP})
    assert only(lint(root), "drop-without-rename")
    off = lint(root, {"drop-without-rename": "off"})
    assert only(off, "drop-without-rename") == []
    assert len(only(off, "missing-down-sql")) == 2
    raised = lint(root, {"drop-without-rename": "error", "missing-down-sql": "info"})
    assert [f.severity for f in only(raised, "drop-without-rename")] == ["error"]
    assert {f.severity for f in only(raised, "missing-down-sql")} == {"info"}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_can_be_turned_off(tmp_path: Path, rule: str) -> None:
    ups = {
        INIT_NAME: INIT,
        DROP: DROP_UP + 'UPDATE "User" SET "email" = \'x\';\n',
        "20240103000000_bad": b"\xff\xfe garbage",
    }
    root = write_history(tmp_path, ups, {INIT_NAME: "-- nothing\n"})
    assert rule in {f.rule for f in lint(root)} or rule == "stale-down-sql"
    assert rule not in {f.rule for f in lint(root, {rule: "off"})}
