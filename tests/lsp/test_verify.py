"""*Verify down.sql* and *Verify all migrations* from the editor, on real databases.

SQLite runs in-process (fast); PostgreSQL on the suite's private server through
``prismaDown.verify.databaseUrl``, and once on the private server verify starts by itself.
Every verdict is checked where the user sees it: the notification, the diagnostics on
down.sql (source ``prisma-down verify``), the progress, the lens and the action.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from prisma_down.verify.postgres import PostgresServer
from tests.lsp.conftest import PROFILES, ignore_server_requests, tell_actions_from_commands
from tests.lsp.test_code_actions import actions, open_doc, wait_diagnostics
from tests.verify.conftest import pg_db, pg_server  # noqa: F401 (fixtures)
from tests.verify.test_verify_command import PG_HISTORY, SQLITE_HISTORY
from tests.verify.test_verify_command import project as write_project

VERIFY = "prismaDown.verifyMigration"
VERIFY_ALL = "prismaDown.verifyAll"
SOURCE = "prisma-down verify"
TIMINGS: dict[str, float] = {}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "prisma_down.cli", "lsp"]),
    params=PROFILES,
)
async def client(request: Any, lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A client the test initialises with :func:`start`, on the project it wrote."""
    tell_actions_from_commands(lsp_client)

    ignore_server_requests(lsp_client)

    lsp_client.profile = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, root: Path, settings: dict[str, Any] | None = None) -> None:
    """Initialise on ``root`` with ``settings`` (prismaDown.*) from both sources."""
    client.project = root  # type: ignore[attr-defined]
    if settings:
        client.set_configuration(settings, section="prismaDown")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(client.profile),  # type: ignore[attr-defined]
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=settings,
        )
    )


def sqlite_project(tmp_path: Path) -> Path:
    """1_init, 2_drop_email_key, 3_add_name, each with the down.sql prisma-down writes."""
    write_project(tmp_path / "app", SQLITE_HISTORY, "sqlite")
    return tmp_path / "app"


async def run(client: LanguageClient, command: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(args) or None)
    )


def verified(diags: list[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diags if d.source == SOURCE]


def ours(
    pred: Callable[[list[types.Diagnostic]], bool],
) -> Callable[[list[types.Diagnostic]], bool]:
    return lambda ds: pred(verified(ds))


def messages(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages]


def changed(client: LanguageClient, *paths: Path) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(p.as_uri(), types.FileChangeType.Changed) for p in paths]
        )
    )


def timed(name: str, seconds: float) -> None:
    TIMINGS[name] = min(seconds, TIMINGS.get(name, seconds))
    print(f"{name}: {seconds:.2f}s")


# -- SQLite ---------------------------------------------------------------------------------


async def test_a_restoring_down_sql_gets_a_notification_and_no_diagnostic(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = sqlite_project(tmp_path)
    await start(client, root)
    up = root / "prisma/migrations/2_drop_email_key/migration.sql"
    began = time.monotonic()
    got = await run(client, VERIFY, up.as_uri())
    timed(f"verify one on SQLite ({client.profile})", time.monotonic() - began)  # type: ignore[attr-defined]
    assert [v["status"] for v in got["verdicts"]] == ["restored"]
    line = "prisma-down: 2_drop_email_key: down.sql restores the schema (verified on SQLite)"
    assert line in messages(client)
    (shown,) = [m for m in client.messages if m.message == line]
    assert shown.type == types.MessageType.Info
    (reports,) = client.progress_reports.values()
    assert reports[0].kind == "begin" and reports[-1].kind == "end"
    assert reports[-1].message == line.removeprefix("prisma-down: ")
    down = up.with_name("down.sql")
    await asyncio.sleep(0.3)  # anything published would have arrived
    assert verified(list(client.diagnostics.get(down.as_uri(), []))) == []


async def test_a_broken_down_sql_is_shown_on_it_until_fixed(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = sqlite_project(tmp_path)
    folder = root / "prisma/migrations/3_add_name"
    down = folder / "down.sql"
    good = down.read_text()
    down.write_text(
        'ALTER TABLE "User" DROP COLUMN "name";\nCREATE TABLE "Extra" ("id" INTEGER);\n'
    )
    await start(client, root)
    got = await run(client, VERIFY, down.as_uri())  # down.sql's URI works too
    (verdict,) = got["verdicts"]
    assert verdict["status"] == "mismatch"
    diags = await wait_diagnostics(client, down, ours(bool))
    (d,) = verified(diags)
    assert d.code == "down-does-not-restore" and d.severity == types.DiagnosticSeverity.Error
    assert d.message == 'table "Extra" was not there before, is there after down.sql'
    assert d.range == types.Range(types.Position(0, 0), types.Position(0, 38))  # statement 1
    note = next(m for m in client.messages if "3_add_name" in m.message)
    assert note.type == types.MessageType.Error
    assert note.message == (
        "prisma-down: 3_add_name: down.sql does not restore the schema "
        "(1 difference, shown on down.sql) (on SQLite)"
    )

    # A re-analysis that leaves this migration's files alone keeps them.
    other = root / "prisma/migrations/2_drop_email_key/migration.sql"
    other.write_text(other.read_text() + "\n")
    changed(client, other)
    await wait_diagnostics(client, other, lambda ds: True)
    await asyncio.sleep(0.5)
    assert verified(list(client.diagnostics.get(down.as_uri(), []))) == [d]

    # Fixing down.sql makes the verdict stale: it goes, and the static analysis stays.
    down.write_text(good)
    changed(client, down)
    await wait_diagnostics(client, down, ours(lambda ds: ds == []))


async def test_a_failing_down_sql_is_one_diagnostic_with_the_database_message(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = sqlite_project(tmp_path)
    down = root / "prisma/migrations/3_add_name/down.sql"
    down.write_text('-- undo\nDROP TABLE IF EXISTS "Other";\nDROP TABLE "Nope";\n')
    await start(client, root)
    got = await run(client, VERIFY, down.parent.as_uri())  # the folder's URI too
    # with rows (the default), run as a client without a transaction runs it: the first
    # statement changed nothing, so the database is as it was
    assert [v["status"] for v in got["verdicts"]] == ["stopped-clean"]
    (d,) = verified(await wait_diagnostics(client, down, ours(bool)))
    assert d.message == (
        "down.sql failed and stopped cleanly: OperationalError: no such table: Nope "
        "(statement at line 3)"
    )
    assert d.range.start.line == 2  # on the statement that failed, not the first one


async def test_edits_in_the_editor_are_what_is_verified_and_make_it_stale(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = sqlite_project(tmp_path)
    down = root / "prisma/migrations/3_add_name/down.sql"
    good = down.read_text()
    await start(client, root)
    open_doc(client, down, "-- column left behind\n")  # unsaved: the disk still restores
    got = await run(client, VERIFY, down.as_uri())
    assert [v["status"] for v in got["verdicts"]] == ["reapply-failed"]
    diags = verified(await wait_diagnostics(client, down, ours(bool)))
    assert [d.message for d in diags] == [
        'column "User"."name" was not there before, is there after down.sql',
        "migration.sql failed when applied again after down.sql: "
        "OperationalError: duplicate column name: name (statement at line 1)",
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=down.as_uri(), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=good)],
        )
    )
    await wait_diagnostics(client, down, ours(lambda ds: ds == []))
    got = await run(client, VERIFY, down.as_uri())
    assert [v["status"] for v in got["verdicts"]] == ["restored"]


async def test_lens_and_source_action_run_the_verify(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = sqlite_project(tmp_path)
    folder = root / "prisma/migrations/3_add_name"
    up, down = folder / "migration.sql", folder / "down.sql"
    (root / "prisma/migrations/1_init/down.sql").unlink()
    await start(client, root)

    async def lenses(path: Path) -> list[types.CodeLens]:
        got = await client.text_document_code_lens_async(
            types.CodeLensParams(types.TextDocumentIdentifier(path.as_uri()))
        )
        return list(got or [])

    for path in (up, down):
        found = await lenses(path)
        lens = next(x for x in found if x.command and x.command.title == "Verify down.sql")
        assert lens.command is not None and lens.command.command == VERIFY
        assert list(lens.command.arguments or []) == [up.as_uri()]
        assert lens.range == found[0].range  # beside the lens already there
    bare = await lenses(root / "prisma/migrations/1_init/migration.sql")
    assert [x.command.title for x in bare if x.command] == ["down.sql missing · Generate"]

    title = "Verify down.sql on a throwaway database"
    for path in (up, down):
        (action,) = [a for a in await actions(client, path, only=["source"]) if a.title == title]
        assert action.kind == "source" and action.edit is None and action.command is not None
        assert action.command.command == VERIFY
        assert list(action.command.arguments or []) == [up.as_uri()]
        assert not [a for a in await actions(client, path, only=["quickfix"]) if a.title == title]
        assert not [a for a in await actions(client, path) if a.title == title]  # a lightbulb
        assert not [
            a
            for a in await actions(client, path, only=["source.generateDownSql"])
            if a.title == title
        ]
    assert not [
        a
        for a in await actions(client, root / "prisma/migrations/1_init/migration.sql")
        if a.title == title
    ]
    got = await run(client, action.command.command, *(action.command.arguments or []))
    assert [v["status"] for v in got["verdicts"]] == ["restored"]


async def test_verify_all_reports_each_step_and_a_summary(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = sqlite_project(tmp_path)
    broken = root / "prisma/migrations/3_add_name/down.sql"
    broken.write_text("-- column left behind\n")
    (root / "prisma/migrations/1_init/down.sql").unlink()
    await start(client, root)
    got = await run(client, VERIFY_ALL)
    assert [(v["migration"], v["status"]) for v in got["verdicts"]] == [
        ("1_init", "no-down"),
        ("2_drop_email_key", "restored"),
        ("3_add_name", "reapply-failed"),
    ]
    summary = "Verified 3 migrations on SQLite: 1 restored, 1 failed, 1 not verified (3_add_name)"
    assert got["message"] == summary
    note = next(m for m in client.messages if m.message == f"prisma-down: {summary}")
    assert note.type == types.MessageType.Error
    (reports,) = client.progress_reports.values()
    assert reports[0].kind == "begin" and reports[-1].kind == "end"
    assert reports[-1].message == summary
    assert any(r.kind == "report" for r in reports)
    assert verified(await wait_diagnostics(client, broken, ours(bool)))


async def test_a_setting_the_engine_refuses_is_a_notification_without_the_password(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = sqlite_project(tmp_path)
    url = "mysql://me:s3cr%21t@127.0.0.1:1/app"
    await start(client, root, {"verify": {"databaseUrl": url}})
    got = await run(client, VERIFY, (root / "prisma/migrations/1_init").as_uri())
    assert "error" in got and "verdicts" not in got
    note = next(m for m in client.messages if "verify:" in m.message)
    assert note.type == types.MessageType.Error
    assert note.message.startswith("prisma-down: verify: ")
    assert "mysql://me:****@127.0.0.1:1/app" in note.message
    everything = " ".join(messages(client) + [m.message for m in client.log_messages])
    assert "s3cr" not in everything
    got = await run(client, VERIFY_ALL)
    assert "error" in got and "s3cr" not in str(got)


async def test_not_a_migration_and_no_down_sql(client: LanguageClient, tmp_path: Path) -> None:
    root = sqlite_project(tmp_path)
    (root / "prisma/migrations/1_init/down.sql").unlink()
    await start(client, root)
    got = await run(client, VERIFY, (root / "elsewhere/migration.sql").as_uri())
    assert got["error"].startswith("not a migration")
    got = await run(client, VERIFY)
    assert got["error"].startswith("not a migration")
    got = await run(client, VERIFY, (root / "prisma/migrations/1_init").as_uri())
    assert got["error"] == "1_init has no down.sql to verify: generate it first"
    kinds = [m.type for m in client.messages]
    assert kinds == [types.MessageType.Error, types.MessageType.Error, types.MessageType.Warning]


async def test_commands_are_advertised(client: LanguageClient, tmp_path: Path) -> None:
    root = sqlite_project(tmp_path)
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(client.profile),  # type: ignore[attr-defined]
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="app")],
        )
    )
    assert result.capabilities.execute_command_provider is not None
    assert {VERIFY, VERIFY_ALL} <= set(result.capabilities.execute_command_provider.commands)


# -- PostgreSQL -----------------------------------------------------------------------------


def pg_project(tmp_path: Path) -> Path:
    write_project(tmp_path / "app", PG_HISTORY, "postgres")
    return tmp_path / "app"


async def test_postgres_on_the_database_of_the_setting(
    client: LanguageClient,
    tmp_path: Path,
    pg_server: PostgresServer,  # noqa: F811 (the fixture)
    pg_db: str,  # noqa: F811
) -> None:
    root = pg_project(tmp_path)
    folder = root / "prisma/migrations/2_email_optional"
    await start(client, root, {"verify": {"databaseUrl": pg_server.url(pg_db)}})
    began = time.monotonic()
    got = await run(client, VERIFY, (folder / "migration.sql").as_uri())
    timed(f"verify one on PostgreSQL, URL ({client.profile})", time.monotonic() - began)  # type: ignore[attr-defined]
    assert [v["status"] for v in got["verdicts"]] == ["restored"]
    assert got["message"].startswith("2_email_optional: down.sql restores the schema (verified on ")

    down = folder / "down.sql"
    down.write_text("-- SET NOT NULL forgotten\n")
    changed(client, down)
    got = await run(client, VERIFY, down.as_uri())
    assert [v["status"] for v in got["verdicts"]] == ["mismatch"]
    (d,) = verified(await wait_diagnostics(client, down, ours(bool)))
    assert d.message == 'column "User"."email" is NOT NULL before, nullable after down.sql'

    bad = root / "prisma/migrations/4_drop_bio/down.sql"
    bad.write_text('-- undo\nALTER TABLE "User" ADD COLUMN "bio" TEXT,\n  ADD COLUMN "x" NOPE;\n')
    changed(client, bad)
    got = await run(client, VERIFY, bad.as_uri())
    assert [v["status"] for v in got["verdicts"]] == ["stopped-clean"]
    (d,) = verified(await wait_diagnostics(client, bad, ours(bool)))
    assert d.message.startswith(
        'down.sql failed and stopped cleanly: type "nope" does not exist; at line 3, column'
    )
    assert d.range.start.line == 2  # where PostgreSQL says it failed


async def test_postgres_private_server_while_the_server_keeps_answering(
    client: LanguageClient,
    tmp_path: Path,
    pg_server: PostgresServer,  # noqa: F811 (the fixture)
) -> None:
    del pg_server  # skips (or fails in CI) without PostgreSQL
    root = pg_project(tmp_path)
    up = root / "prisma/migrations/4_drop_bio/migration.sql"
    await start(client, root)
    await client.text_document_hover_async(  # the analysis is done: hovers are quick now
        types.HoverParams(types.TextDocumentIdentifier(up.as_uri()), types.Position(0, 0))
    )
    began = time.monotonic()
    task = asyncio.ensure_future(run(client, VERIFY, up.as_uri()))
    answered: list[float] = []
    while not task.done():
        asked = time.monotonic()
        await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(up.as_uri()), types.Position(0, 14))
        )
        if not task.done():
            answered.append(time.monotonic() - asked)
        await asyncio.sleep(0.05)
    got = await task
    took = time.monotonic() - began
    timed(f"verify one on PostgreSQL, private server ({client.profile})", took)  # type: ignore[attr-defined]
    assert [v["status"] for v in got["verdicts"]] == ["restored"]
    assert got["message"] == "4_drop_bio: down.sql restores the schema (verified on PostgreSQL)"
    assert len(answered) >= 3, (answered, took)  # requests were served while it ran
    assert max(answered) < 0.5, answered


async def test_verify_partial_setting_runs_down_sql_from_half_applied_states(
    client: LanguageClient, tmp_path: Path
) -> None:
    """``verify.partial``: also from every state a failed migration.sql leaves, as the CLI's
    ``--partial``; a hand-written down.sql that assumes the whole migration ran is caught."""
    root = sqlite_project(tmp_path)
    folder = root / "prisma/migrations/3_add_name"
    (folder / "migration.sql").write_text(
        'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n'
        'CREATE INDEX "User_name_idx" ON "User"("name");\n'
    )
    down = folder / "down.sql"
    down.write_text('DROP INDEX "User_name_idx";\nALTER TABLE "User" DROP COLUMN "name";\n')
    await start(client, root, {"verify": {"partial": True}})
    got = await run(client, VERIFY, down.as_uri())
    (verdict,) = got["verdicts"]
    assert verdict["status"] == "partial-down-failed"
    assert verdict["partial_states"] == 2
    diags = verified(await wait_diagnostics(client, down, ours(bool)))
    error = "down.sql failed: OperationalError: no such index: User_name_idx (statement at line 1)"
    assert sorted(d.message for d in diags) == [
        f"if migration.sql stopped after 0 of 2 statements (before line 1): {error}",
        f"if migration.sql stopped after 1 of 2 statements (before line 2): {error}",
    ]
    assert {d.range.start.line for d in diags} == {0}


_EMPTIES_USER = 'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\nDELETE FROM "User";\n'


async def test_verify_fills_rows_and_names_the_rows_that_do_not_come_back(
    client: LanguageClient, tmp_path: Path
) -> None:
    """By default the editor's verify puts rows in the tables, as the CLI does: a down.sql
    that also empties "User" is caught, on down.sql."""
    root = sqlite_project(tmp_path)
    down = root / "prisma/migrations/2_drop_email_key/down.sql"
    down.write_text(_EMPTIES_USER)
    await start(client, root)
    got = await run(client, VERIFY, down.as_uri())
    (verdict,) = got["verdicts"]
    assert verdict["status"] == "mismatch"
    assert verdict["rows"]["inserted"]['"User"'] >= 3
    (d,) = verified(await wait_diagnostics(client, down, ours(bool)))
    assert re.fullmatch(r'rows of "User": \d+ before, 0 after down\.sql', d.message), d.message


async def test_verify_empty_setting_leaves_the_tables_empty(
    client: LanguageClient, tmp_path: Path
) -> None:
    """``verify.empty``: no rows, as the CLI's ``--empty``: the same down.sql passes."""
    root = sqlite_project(tmp_path)
    down = root / "prisma/migrations/2_drop_email_key/down.sql"
    down.write_text(_EMPTIES_USER)
    await start(client, root, {"verify": {"empty": True}})
    got = await run(client, VERIFY, down.as_uri())
    (verdict,) = got["verdicts"]
    assert verdict["status"] == "restored"
    assert "rows" not in verdict


# -- without a client -----------------------------------------------------------------------


def test_the_setting_is_read_nested_or_dotted_and_never_echoed() -> None:
    from prisma_down.core.settings import Settings, parse

    said: list[str] = []
    url = "postgresql://me:s3cret@db.local:5432/scratch"
    nested = parse({"verify": {"databaseUrl": url}}, said.append)
    assert nested.verify_database_url == url
    assert parse({"verify.databaseUrl": url}, said.append).verify_database_url == url
    assert "s3cret" not in repr(nested)  # a repr reaches logs and the check cache's key
    assert parse({"verify": {"databaseUrl": ""}}, said.append).verify_database_url is None
    assert parse({"dialect": "sqlite"}, said.append, nested).verify_database_url == url
    assert said == []
    assert parse({"verify": {"partial": True}}, said.append).verify_partial is True
    assert parse({"verify.partial": True}, said.append, nested).verify_partial is True
    assert parse({"dialect": "sqlite"}, said.append).verify_partial is False
    bad = parse({"verify": {"databaseUrl": "s3cret"}}, said.append)
    assert bad.verify_database_url is None and bad == Settings()
    assert said == [
        "prismaDown.verify.databaseUrl must be a postgresql:// or mysql:// URL: ignored"
    ]
    assert parse({"verify": {"partial": "yes"}}, said.append).verify_partial is False
    assert said[-1] == "prismaDown.verify.partial must be true or false: using false"
    assert parse({"verify": {"empty": True}}, said.append).verify_empty is True
    assert parse({"verify.empty": True}, said.append, nested).verify_empty is True
    assert parse({"dialect": "sqlite"}, said.append).verify_empty is False
    assert parse({"verify": {"empty": 1}}, said.append).verify_empty is False
    assert said[-1] == "prismaDown.verify.empty must be true or false: using false"


def test_differences_are_worded_for_down_sql() -> None:
    from prisma_down.lsp.features.verify import worded

    said = 'column "User"."email" is NOT NULL before, nullable after'
    assert worded(said, "mismatch") == f"{said} down.sql"
    assert worded('index "I" is missing', "reapply-failed") == 'index "I" is missing after down.sql'
    assert worded('table "T" was not there before', "mismatch") == (
        'table "T" was not there before, is there after down.sql'
    )
    assert worded("x", "reapply-mismatch") == "migration.sql applied again after down.sql: x"
    assert worded("x", "partial-mismatch") == "partial-mismatch: x"  # a status it does not know
    assert worded(
        'after 1 of 3 statements (stopped before line 5): column "User"."b" is missing',
        "partial-mismatch",
    ) == (
        "if migration.sql stopped after 1 of 3 statements (before line 5), "
        'after down.sql: column "User"."b" is missing'
    )
