"""Settings from every source, suppression comments, and diagnostics kept in sync with edits
and with the disk: rescans without file events, no stale results, client position units,
half-typed SQL."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import PROFILES, ignore_server_requests
from tests.lsp.test_diagnostics import wait_for

MIGRATIONS = "prisma/migrations"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "prisma_down.cli", "lsp"]),
    params=PROFILES,
)
async def bare(request: Any, lsp_client: LanguageClient, project: Path) -> AsyncIterator[None]:
    """A client not yet initialised: the test chooses initializationOptions and the disk."""

    ignore_server_requests(lsp_client)

    lsp_client.profile = request.param  # type: ignore[attr-defined]
    lsp_client.project = project  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def _start(client: LanguageClient, options: Any = None) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(client.profile),  # type: ignore[attr-defined]
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="blog")],
            initialization_options=options,
        )
    )


def _migration(client: LanguageClient, name: str) -> Path:
    project: Path = client.project  # type: ignore[attr-defined]
    return next((project / MIGRATIONS).glob(f"*_{name}")) / "migration.sql"


def _codes(diags: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags)


async def _settled(client: LanguageClient, path: Path) -> None:
    """Returns once the analysis in flight is published: a request waits for it (a hover)."""
    await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=types.Position(0, 0),
        )
    )


def _open(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri,
                language_id="sql",
                version=1,
                text=path.read_text() if text is None else text,
            )
        )
    )
    return uri


def _change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


# -- settings


async def test_initialization_options_turn_a_rule_off(bare: LanguageClient) -> None:
    await _start(bare, {"prismaDown": {"rules": {"drop-without-rename": "off"}}})
    path = _migration(bare, "drop_user_bio")
    diags = await wait_for(bare, path.as_uri(), bool)
    assert _codes(diags) == ["missing-down-sql"]


async def test_changed_configuration_changes_severity(client: LanguageClient) -> None:
    path = _migration(client, "drop_user_bio")
    diags = await wait_for(client, path.as_uri(), lambda d: "drop-without-rename" in _codes(d))
    drop = next(d for d in diags if d.code == "drop-without-rename")
    assert drop.severity == types.DiagnosticSeverity.Warning

    client.set_configuration({"rules": {"drop-without-rename": "error"}}, section="prismaDown")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    diags = await wait_for(
        client,
        path.as_uri(),
        lambda d: any(
            x.code == "drop-without-rename" and x.severity == types.DiagnosticSeverity.Error
            for x in d
        ),
    )
    assert _codes(diags) == ["drop-without-rename", "missing-down-sql"]


async def test_a_bad_setting_is_logged_and_the_default_kept(client: LanguageClient) -> None:
    client.set_configuration({"rules": {"drop-without-rename": "loud"}}, section="prismaDown")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))

    async def logged() -> types.LogMessageParams:
        while True:
            for m in client.log_messages:
                if "drop-without-rename" in m.message and "'loud'" in m.message:
                    return m
            await asyncio.sleep(0.05)

    message = await asyncio.wait_for(logged(), 10)
    assert message.type == types.MessageType.Warning
    path = _migration(client, "drop_user_bio")
    await _settled(client, path)
    diags = client.diagnostics[path.as_uri()]
    drop = next(d for d in diags if d.code == "drop-without-rename")
    assert drop.severity == types.DiagnosticSeverity.Warning


async def test_the_project_file_is_read_by_the_server_and_the_cli(bare: LanguageClient) -> None:
    project: Path = bare.project  # type: ignore[attr-defined]
    (project / ".prisma-down.json").write_text(json.dumps({"rules": {"missing-down-sql": "off"}}))
    await _start(bare)
    path = _migration(bare, "drop_user_bio")
    diags = await wait_for(bare, path.as_uri(), bool)
    assert _codes(diags) == ["drop-without-rename"]
    init = _migration(bare, "init")
    await _settled(bare, init)
    assert bare.diagnostics.get(init.as_uri(), []) == []

    out = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "check", str(project), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    rules = sorted({f["rule"] for f in json.loads(out.stdout)})
    assert rules == ["drop-without-rename", "irreversible-statement"], out.stderr


async def test_suppression_comments_typed_in_the_editor(client: LanguageClient) -> None:
    path = _migration(client, "drop_user_bio")
    text = path.read_text()
    uri = _open(client, path)
    await wait_for(client, uri, lambda d: "drop-without-rename" in _codes(d))

    text = text.replace(
        'ALTER TABLE "User"', '-- prisma-down-ignore drop-without-rename\nALTER TABLE "User"'
    )
    _change(client, uri, 2, text)
    diags = await wait_for(client, uri, lambda d: _codes(d) == ["missing-down-sql"])
    assert diags[0].range.start.line == 8  # the statement moved down a line

    _change(client, uri, 3, "-- prisma-down-ignore-file missing-down-sql\n" + text)
    await wait_for(client, uri, lambda d: d == [])


# -- in sync with the disk and the editor


async def test_a_new_migration_is_found_without_any_file_event(client: LanguageClient) -> None:
    project: Path = client.project  # type: ignore[attr-defined]
    folder = project / MIGRATIONS / "20250101000000_add_views"
    folder.mkdir()
    path = folder / "migration.sql"
    path.write_text('ALTER TABLE "Post" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;\n')
    # no didChangeWatchedFiles, no didOpen: the server's own poll (every 2 s) finds it
    diags = await wait_for(client, path.as_uri(), bool, timeout=10)
    assert _codes(diags) == ["missing-down-sql"]


async def test_rapid_edits_publish_the_last_version_last(client: LanguageClient) -> None:
    published: list[types.PublishDiagnosticsParams] = []
    features = client.protocol.fm.features
    default = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def record(params: types.PublishDiagnosticsParams) -> None:
        published.append(params)
        default(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record

    path = _migration(client, "drop_user_bio")
    base = path.read_text()
    uri = _open(client, path)
    update = 'UPDATE "Post" SET "title" = \'x\';\n'
    for version in range(2, 22):  # 20 edits, as fast as the client can send them
        _change(client, uri, version, base + update * (version - 1))
    final = base + update * 20

    async def settled() -> types.PublishDiagnosticsParams:
        while True:
            mine = [p for p in published if p.uri == uri]
            if mine and mine[-1].version == 21:
                return mine[-1]
            await asyncio.sleep(0.05)

    last = await asyncio.wait_for(settled(), 15)
    await asyncio.sleep(0.5)  # nothing older may arrive after it
    mine = [p for p in published if p.uri == uri and p.version is not None]
    assert mine[-1] is last
    versions = [p.version or 0 for p in mine]
    assert versions == sorted(versions), versions

    lines = final.splitlines()
    irreversible = [d for d in last.diagnostics if d.code == "irreversible-statement"]
    assert len(irreversible) == 20
    assert {d.range.start.line for d in irreversible} == {
        i for i, line in enumerate(lines) if line.startswith("UPDATE")
    }


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le")) // 2


async def test_positions_are_in_the_client_units(client: LanguageClient) -> None:
    caps = client_capabilities(client.profile)  # type: ignore[attr-defined]
    offered = (caps.general and caps.general.position_encodings) or ["utf-16"]
    encoding = offered[0]  # the server takes the client's first choice it supports
    project: Path = client.project  # type: ignore[attr-defined]
    folder = project / MIGRATIONS / "20250101000000_cafe"
    folder.mkdir()
    path = folder / "migration.sql"
    head = "/* 🚀 Café */ "
    statement = 'ALTER TABLE "User" DROP COLUMN "name";'
    path.write_text(f"-- Ünïcödé 🚀\n{head}{statement}\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    diags = await wait_for(client, path.as_uri(), lambda d: "drop-without-rename" in _codes(d))
    drop = next(d for d in diags if d.code == "drop-without-rename")
    start = _units(head, encoding)
    assert drop.range == types.Range(
        types.Position(1, start), types.Position(1, start + len(statement))
    )
    if client.profile == "visual-studio-code":  # type: ignore[attr-defined]
        assert drop.range.start.character == 14  # UTF-16: the rocket counts two

    # and positions the client sends are read in the same units
    name = head + statement[: statement.index('"name"') + 2]
    got = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=types.Position(1, _units(name, encoding)),
        )
    )
    assert isinstance(got, list) and len(got) == 1
    assert got[0].uri == _migration(client, "init").as_uri()


async def test_half_typed_sql_keeps_the_server_serving(client: LanguageClient) -> None:
    path = _migration(client, "rename_post_content_to_body")
    uri = _open(client, path)
    await wait_for(client, uri, lambda d: "missing-down-sql" in _codes(d))
    for version, text in enumerate(
        ['ALTER TABLE "Post" ADD COLU', 'ALTER TABLE "Po', 'ALTER TABLE "Post" ADD COLUMN \'x'],
        start=2,
    ):
        _change(client, uri, version, text)
        await client.text_document_hover_async(  # answers, whatever it says
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(0, len(text) - 1),
            )
        )
    _change(client, uri, 9, 'ALTER TABLE "Post" ADD COLUMN "views" INTEGER;\n')
    await wait_for(client, uri, lambda d: _codes(d) == ["missing-down-sql"])
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 3)
        )
    )
    assert hover is not None and "DROP COLUMN" in str(hover.contents)


async def test_an_unsupported_provider_is_said_once(bare: LanguageClient) -> None:
    """A MongoDB project: one clear line, not one per poll of the folder (every 2 s)."""
    project: Path = bare.project  # type: ignore[attr-defined]
    (project / MIGRATIONS / "migration_lock.toml").write_text('provider = "mongodb"\n')
    await _start(bare)

    def said() -> list[str]:
        return [m.message for m in bare.log_messages if "mongodb" in m.message]

    async def first() -> None:
        while not said():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(first(), 10)
    await asyncio.sleep(4.5)  # two polls and more
    (line,) = said()
    assert 'Unsupported database provider "mongodb"' in line
