"""Half-applied migrations on a real PostgreSQL: ``prisma-down verify --partial``.

PostgreSQL runs migration.sql as one implicit transaction, so a failed run leaves nothing
or, with Prisma's ``BEGIN; … COMMIT;`` enum replacement, everything up to a COMMIT. Each
test writes a small history; generated down.sql files must come back from every such state,
and hand-written ones that do not must be caught with the state named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prisma_down.core.analysis import Analyzer
from prisma_down.core.down import generate
from prisma_down.verify.partial import partial_prefixes, verify_partial_history
from prisma_down.verify.postgres import PostgresServer, apply
from prisma_down.verify.postgres_target import reset_postgres
from prisma_down.verify.snapshot import snapshot
from prisma_down.verify.snapshot_diff import diff
from tests.verify.test_verify_command import project, run, verdicts

INIT = (
    "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN', 'GUEST');\n"
    'CREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    "email" TEXT NOT NULL,\n'
    '    "role" "Role" NOT NULL DEFAULT \'USER\',\n'
    '    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n'
)
# Prisma's enum replacement: what comes before its COMMIT stays when a later statement fails
ENUM_THEN_INDEX = (
    'ALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'
    "-- AlterEnum\n"
    "BEGIN;\n"
    "CREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
    'ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;\n'
    'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");\n'
    'ALTER TYPE "Role" RENAME TO "Role_old";\n'
    'ALTER TYPE "Role_new" RENAME TO "Role";\n'
    'DROP TYPE "Role_old";\n'
    'ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT \'USER\';\n'
    "COMMIT;\n"
    'CREATE INDEX "User_bio_idx" ON "User"("bio");\n'
)
HISTORY = {
    "1_init": INIT,
    "2_enum_then_index": ENUM_THEN_INDEX,
    "3_rename_email": (
        'ALTER TABLE "User" RENAME COLUMN "email" TO "mail";\n'
        'ALTER TABLE "User" ADD COLUMN "email" TEXT;\n'
    ),
    "4_bio_index": 'DROP INDEX "User_bio_idx";\nALTER TABLE "User" ADD COLUMN "age" INTEGER;\n',
}


def test_prefixes_end_at_each_commit() -> None:
    prefixes = partial_prefixes(ENUM_THEN_INDEX, "postgres")
    assert [k for k, _ in prefixes] == [0, 10]
    assert prefixes[0][1] == ""
    commit = ENUM_THEN_INDEX.index("COMMIT;") + len("COMMIT;")
    assert prefixes[1][1] == ENUM_THEN_INDEX[:commit]  # BEGIN … COMMIT whole
    assert partial_prefixes(INIT, "postgres") == [(0, "")]
    assert partial_prefixes(INIT, "tsql") == []


def test_generated_down_files_restore_every_partial_state(pg_conn: Any) -> None:
    ups = list(HISTORY.values())
    analyses = Analyzer().analyse(ups)
    items = [
        (name, up, generate(name, up, a, "postgres"))
        for (name, up), a in zip(HISTORY.items(), analyses, strict=True)
    ]
    found = verify_partial_history(
        pg_conn, items, "postgres", apply, snapshot, diff, reset_postgres
    )
    assert [(v.name, v.status) for v in found] == [(n, "restored") for n in HISTORY]
    assert [[t.applied for t in v.trials] for v in found] == [[0], [0, 10], [0], [0]]
    assert all(t.status == "restored" for v in found for t in v.trials)


# -- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, pg_server: PostgresServer) -> Path:
    del pg_server  # skips (or fails in CI) without PostgreSQL
    return project(tmp_path / "app", HISTORY, "postgres")


def test_cli_partial_on_a_private_server(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(app), "--partial", "--empty")
    assert code == 0, out
    assert out.splitlines() == [
        "1_init: restored",
        "2_enum_then_index: restored",
        "3_rename_email: restored",
        "4_bio_index: restored",
        "4 migrations: 4 restored, 0 failed; 5 partial states tried, 0 failed",
    ]


def test_cli_without_partial_says_nothing_of_partial_states(
    app: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found = verdicts(capsys, str(app), "--database-url", pg_server.url(pg_db))
    assert code == 0
    assert "partial" not in found["1_init"]


def test_unguarded_down_is_caught_after_zero_statements(
    app: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The down.sql Prisma's docs would have you write: right after a complete run only."""
    (app / "4_bio_index" / "down.sql").write_text(
        'ALTER TABLE "User" DROP COLUMN "age";\nCREATE INDEX "User_bio_idx" ON "User"("bio");\n'
    )
    url = pg_server.url(pg_db)
    code, out, _ = run(capsys, str(app), "--partial", "--empty", "--database-url", url)
    assert code == 1
    assert out.splitlines() == [
        "1_init: restored",
        "2_enum_then_index: restored",
        "3_rename_email: restored",
        "4_bio_index: down.sql failed after a partial migration: after 0 of 2 statements "
        '(stopped before line 1): column "age" of relation "User" does not exist',
        "4 migrations: 3 restored, 1 failed; 5 partial states tried, 1 failed",
    ]
    # without --partial the same file passes: it undoes a complete run
    code, out, _ = run(capsys, str(app), "--database-url", url)
    assert code == 0, out


def test_wrongly_guarded_down_is_caught_with_what_differs(
    app: Path, pg_server: PostgresServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """IF EXISTS on the wrong object: it runs, and drops a column that was there before."""
    (app / "3_rename_email" / "down.sql").write_text(
        'ALTER TABLE "User" DROP COLUMN IF EXISTS "email";\n'
        "DO $$ BEGIN\n"
        "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'User'"
        " AND column_name = 'mail') THEN\n"
        '    ALTER TABLE "User" RENAME COLUMN "mail" TO "email";\n'
        "  END IF;\n"
        "END $$;\n"
    )
    url = pg_server.url(pg_db)
    code, found = verdicts(capsys, str(app), "--partial", "--database-url", url)
    assert code == 1
    bad = found["3_rename_email"]
    assert bad["status"] == "partial-mismatch"
    assert bad["differences"] == [
        'after 0 of 2 statements (stopped before line 1): column "User"."email" is missing'
    ]
    assert bad["partial_states"] == 1
    assert bad["partial"] == [
        {
            "applied": 0,
            "statements": 2,
            "stopped_before_line": 1,
            "status": "partial-mismatch",
            "differences": ['column "User"."email" is missing'],
            "error": None,
        }
    ]
    # the trial that went wrong was followed by a fresh start: the rest is judged as usual
    assert found["4_bio_index"]["status"] == "restored"
    assert found["2_enum_then_index"]["partial"] == []
    assert found["2_enum_then_index"]["partial_states"] == 2
