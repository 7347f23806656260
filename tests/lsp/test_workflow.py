"""The language server's side of adopting a history: "Ignore" and "Set the baseline" write
the project's settings (never migration.sql), and settings written by hand are read again."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.test_code_actions import actions, all_migrations, current_diagnostics, migration

DROP = "20240215090000_drop_user_bio"


def _shas(client: LanguageClient) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in all_migrations(client)}


async def _until(
    client: LanguageClient, path: Path, pred: Callable[[set[str]], bool], timeout: float = 20
) -> set[str]:
    """The rules shown on ``path`` once ``pred`` holds for them."""

    async def poll() -> set[str]:
        while True:
            rules = {str(d.code) for d in await current_diagnostics(client, path)}
            if pred(rules):
                return rules
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(poll(), timeout)


async def _run(client: LanguageClient, action: types.CodeAction) -> object:
    assert action.command is not None and action.edit is None  # the server writes
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(action.command.command, action.command.arguments)
    )


async def test_ignore_quick_fix_writes_the_config_and_silences_only_that(
    client: LanguageClient,
) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    path = migration(client, "drop_user_bio")
    slug = migration(client, "add_post_slug")
    await _until(client, path, lambda r: {"drop-without-rename", "missing-down-sql"} <= r)
    before = _shas(client)
    diags = await current_diagnostics(client, path)
    fixes = [a for a in await actions(client, path, diags) if a.title.startswith("Ignore")]
    assert {a.title.split()[1] for a in fixes} == {"drop-without-rename", "missing-down-sql"}
    drop = next(a for a in fixes if a.title.split()[1] == "drop-without-rename")
    answer = await _run(client, drop)
    assert isinstance(answer, dict) and answer.get("written", "").endswith(".prisma-down.json")
    config = json.loads((project / ".prisma-down.json").read_text())
    assert config == {"ignore": {DROP: ["drop-without-rename"]}}
    assert await _until(client, path, lambda r: "drop-without-rename" not in r) == {
        "missing-down-sql"
    }
    # the other migrations keep theirs; no migration.sql changed
    assert "missing-down-sql" in await _until(client, slug, lambda r: bool(r))
    assert _shas(client) == before
    # a second rule on the same migration is added beside the first
    missing = next(a for a in fixes if a.title.split()[1] == "missing-down-sql")
    await _run(client, missing)
    config = json.loads((project / ".prisma-down.json").read_text())
    assert config == {"ignore": {DROP: ["drop-without-rename", "missing-down-sql"]}}
    assert await _until(client, path, lambda r: not r) == set()


async def test_baseline_code_action_silences_the_history(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    path = migration(client, "init")
    last = all_migrations(client)[-1]
    await _until(client, path, lambda r: "missing-down-sql" in r)
    before = _shas(client)
    diags = await current_diagnostics(client, path)
    (baseline,) = [a for a in await actions(client, path, diags) if a.title.startswith("Set")]
    assert baseline.title.startswith(f"Set the baseline at {last.parent.name}")
    await _run(client, baseline)
    assert json.loads((project / ".prisma-down.json").read_text()) == {"baseline": last.parent.name}
    for p in all_migrations(client):
        assert await _until(client, p, lambda r: not r) == set()
    assert _shas(client) == before
    # the lens of a migration the baseline accepted says so (still offering to generate)
    lens = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=path.as_uri()))
    )
    assert [x.command.title for x in lens or [] if x.command] == [
        "Before the baseline: no down.sql needed · Generate"
    ]
    # once a baseline is set it is no longer offered
    again = await actions(client, path, await current_diagnostics(client, path))
    assert not [a for a in again if a.title.startswith("Set")]


async def test_settings_written_by_hand_are_read_again(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    path = migration(client, "drop_user_bio")
    await _until(client, path, lambda r: "drop-without-rename" in r)
    config = project / ".prisma-down.json"
    config.write_text(json.dumps({"ignore": {DROP: ["drop-without-rename"]}}))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(config.as_uri(), types.FileChangeType.Created)]
        )
    )
    assert await _until(client, path, lambda r: "drop-without-rename" not in r) == {
        "missing-down-sql"
    }


async def test_ignore_command_refuses_what_it_does_not_know(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    path = migration(client, "init")
    await _until(client, path, lambda r: "missing-down-sql" in r)
    directory = str(path.parent.parent)
    for args in (
        [directory, DROP, "no-such-rule"],
        [directory, "20990101000000_nope", "missing-down-sql"],
        [str(project.parent), DROP, "missing-down-sql"],
        [],
    ):
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams("prismaDown.ignoreRule", args)
        )
        assert isinstance(answer, dict) and "error" in answer, args
    assert not (project / ".prisma-down.json").exists()


async def test_inline_comment_in_a_committed_migration_gets_a_hint(
    client: LanguageClient,
) -> None:
    import subprocess

    project: Path = client.project  # type: ignore[attr-defined]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "history"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=project, check=True, capture_output=True,
        )  # fmt: skip
    path = migration(client, "drop_user_bio")
    await _until(client, path, lambda r: "drop-without-rename" in r)
    text = path.read_text()
    edited = text.replace(
        "ALTER TABLE", "-- prisma-down-ignore drop-without-rename\nALTER TABLE", 1
    )
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sql", 1, text))
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [types.TextDocumentContentChangeWholeDocument(edited)],
        )
    )
    rule = "inline-ignore-in-committed-migration"
    assert await _until(client, path, lambda r: rule in r) == {"missing-down-sql", rule}
    (hint,) = [d for d in await current_diagnostics(client, path) if d.code == rule]
    assert hint.severity == types.DiagnosticSeverity.Hint
    assert hint.range.start.line == text[: text.index("ALTER TABLE")].count("\n")
    assert '"ignore": {"20240215090000_drop_user_bio": ["drop-without-rename"]}' in hint.message
    # no "Ignore" quick fix for the hint itself
    titles = [a.title for a in await actions(client, path, [hint])]
    assert not [t for t in titles if rule in t]


async def test_generate_all_skips_what_the_baseline_covers(client: LanguageClient) -> None:
    path = migration(client, "init")
    await _until(client, path, lambda r: "missing-down-sql" in r)
    directory = str(path.parent.parent)
    answer = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("prismaDown.setBaseline", [directory, DROP])
    )
    assert isinstance(answer, dict) and "written" in answer, answer
    await _until(client, path, lambda r: not r)
    got = await client.workspace_execute_command_async(
        types.ExecuteCommandParams("prismaDown.generateAll", [])
    )
    assert isinstance(got, dict) and got["written"] == 3, got
    written = sorted(p.parent.name for p in Path(directory).glob("*/down.sql"))
    assert written == [p.parent.name for p in all_migrations(client) if p.parent.name > DROP]
