"""Code lenses, hover, go to definition and document links, on real files of examples/blog."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.test_diagnostics import wait_for

MIGRATIONS = "prisma/migrations"
T = TypeVar("T")


def _folder(client: LanguageClient, name: str) -> Path:
    project: Path = client.project  # type: ignore[attr-defined]
    return next((project / MIGRATIONS).glob(f"*_{name}"))


def _open(client: LanguageClient, path: Path, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri, language_id="sql", version=version, text=path.read_text()
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


def _touched(client: LanguageClient, path: Path, kind: types.FileChangeType) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=kind)])
    )


def _generate(folder: Path) -> Path:
    """Write down.sql the way a user would: with the CLI."""
    subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "generate", str(folder)],
        check=True,
        capture_output=True,
    )
    return folder / "down.sql"


async def _until(
    ask: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = 15.0
) -> T:
    """Ask again until the answer is ``ok`` (lenses follow analyses that finish later)."""

    async def loop() -> T:
        while True:
            got = await ask()
            if ok(got):
                return got
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(loop(), timeout)


async def _lenses(client: LanguageClient, uri: str) -> list[types.CodeLens]:
    got = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return list(got or [])


def _titles(lenses: list[types.CodeLens]) -> list[str]:
    return [lens.command.title if lens.command else "" for lens in lenses]


def _line_of(path: Path, needle: str) -> int:
    """The first line holding ``needle`` (at its start, for a needle that starts with ^)."""
    lines = path.read_text().splitlines()
    if needle.startswith("^"):
        return next(i for i, line in enumerate(lines) if line.startswith(needle[1:]))
    return next(i for i, line in enumerate(lines) if needle in line)


def _at(path: Path, needle: str, offset: int = 0) -> types.Position:
    """The position of ``needle`` (ASCII lines: code points = UTF-8 = UTF-16 units)."""
    line = _line_of(path, needle)
    return types.Position(line, path.read_text().splitlines()[line].index(needle) + offset)


async def _hover(client: LanguageClient, uri: str, pos: types.Position) -> str | None:
    got = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )
    if got is None:
        return None
    assert isinstance(got.contents, types.MarkupContent)
    return got.contents.value


async def _definition(client: LanguageClient, uri: str, pos: types.Position) -> list[Any]:
    got = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )
    if got is None:
        return []
    return list(got) if isinstance(got, list) else [got]


# -- code lens


async def test_lens_follows_down_sql_from_missing_to_restoring_to_broken(
    client: LanguageClient,
) -> None:
    folder = _folder(client, "rename_post_content_to_body")
    up = _open(client, folder / "migration.sql")
    lenses = await _lenses(client, up)
    assert _titles(lenses) == ["down.sql missing · Generate"]
    assert lenses[0].range.start == types.Position(4, 0)  # above the first statement
    assert lenses[0].command is not None
    assert lenses[0].command.command == "prismaDown.generateDownSql"
    assert list(lenses[0].command.arguments or []) == [up]

    down = _generate(folder)
    _touched(client, down, types.FileChangeType.Created)
    lenses = await _until(
        lambda: _lenses(client, up),
        lambda ls: _titles(ls) == ["down.sql restores the schema", "Verify down.sql"],
    )
    if client.profile == "visual-studio-code":  # type: ignore[attr-defined]

        async def refreshes() -> int:
            return int(client.code_lens_refreshes)  # type: ignore[attr-defined]

        await _until(refreshes, bool)  # it advertises refreshSupport: it is told

    down_lenses = await _lenses(client, down.as_uri())
    assert _titles(down_lenses) == [f"Undoes {folder.name}", "Verify down.sql"]
    assert down_lenses[0].command is not None
    assert down_lenses[0].command.command == "prismaDown.showMigration"
    assert list(down_lenses[0].command.arguments or []) == [up]
    first = next(
        i for i, x in enumerate(down.read_text().splitlines()) if x and not x.startswith("--")
    )
    assert down_lenses[0].range.start.line == first

    down.write_text('ALTER TABLE "Post" RENAME COLUMN "body" TO "text";\n')
    _touched(client, down, types.FileChangeType.Changed)
    lenses = await _until(
        lambda: _lenses(client, up), lambda ls: _titles(ls)[0].startswith("down.sql: ")
    )
    diags = await wait_for(client, down.as_uri(), bool)
    n = len(diags)
    assert _titles(lenses) == [f"down.sql: {n} problem{'s' if n != 1 else ''}", "Verify down.sql"]

    # an edit in the editor, not on disk: the lens of the other file follows it
    down_uri = _open(client, down)
    _change(client, down_uri, 2, 'ALTER TABLE "Post" RENAME COLUMN "body" TO "content";\n')
    await _until(
        lambda: _lenses(client, up),
        lambda ls: _titles(ls) == ["down.sql restores the schema", "Verify down.sql"],
    )


async def test_show_migration_asks_the_client_to_open_migration_sql(
    client: LanguageClient,
) -> None:
    folder = _folder(client, "add_post_slug")
    down = _generate(folder)
    _touched(client, down, types.FileChangeType.Created)
    ok = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prismaDown.showMigration", arguments=[down.as_uri()])
    )
    assert ok is True
    assert [s.uri for s in client.shown_documents] == [(folder / "migration.sql").as_uri()]


# -- hover


async def test_hover_on_up_statements_shows_the_inverse_and_its_risk(
    client: LanguageClient,
) -> None:
    slug = _folder(client, "add_post_slug") / "migration.sql"
    uri = _open(client, slug)

    add = await _hover(client, uri, _at(slug, "ADD COLUMN"))
    assert add is not None
    assert '```sql\nALTER TABLE "Post" DROP COLUMN "slug";\n```' in add
    assert "**loses-data**" in add
    assert 'values written to "Post"."slug" since are lost' in add

    update = await _hover(client, uri, _at(slug, 'UPDATE "Post"'))
    assert update is not None
    assert "**irreversible**" in update
    assert "UPDATE overwrites values; the previous values are not recorded" in update
    assert "```sql" not in update  # no SQL can undo it

    rename = _folder(client, "rename_post_content_to_body") / "migration.sql"
    got = await _hover(client, _open(client, rename), _at(rename, "RENAME COLUMN"))
    assert got is not None
    assert '```sql\nALTER TABLE "Post" RENAME COLUMN "body" TO "content";\n```' in got
    assert "**exact**" in got

    assert await _hover(client, uri, types.Position(0, 1)) is None  # the warning comment


async def test_hover_in_down_sql_shows_the_up_statement_it_undoes(
    client: LanguageClient,
) -> None:
    folder = _folder(client, "add_post_slug")
    down = _generate(folder)
    _touched(client, down, types.FileChangeType.Created)
    uri = _open(client, down)

    got = await _hover(client, uri, _at(down, 'DROP COLUMN IF EXISTS "slug"'))
    assert got is not None
    assert "undoes line 11 of `20240402084500_add_post_slug/migration.sql`" in got
    assert 'ALTER TABLE "Post" ADD COLUMN     "slug" TEXT;' in got
    assert "**loses-data**" in got

    on_comment = await _hover(client, uri, _at(down, "-- Undo line 14"))  # irreversible block
    assert on_comment is not None and "undoes line 14" in on_comment

    # hand-written, without Undo comments: matched by its inverse, or nothing to say
    rename = _folder(client, "rename_post_content_to_body")
    hand = rename / "down.sql"
    hand.write_text('ALTER TABLE "Post" RENAME COLUMN "body" TO "content";\nSELECT 1;\n')
    _touched(client, hand, types.FileChangeType.Created)
    hand_uri = _open(client, hand)
    got = await _hover(client, hand_uri, types.Position(0, 3))
    assert got is not None and "undoes line 5" in got
    assert await _hover(client, hand_uri, types.Position(1, 3)) is None


# -- definition and links


async def test_definition_goes_from_a_statement_to_its_down_sql_block(
    client: LanguageClient,
) -> None:
    folder = _folder(client, "add_post_slug")
    up = folder / "migration.sql"
    uri = _open(client, up)
    assert await _definition(client, uri, _at(up, "UPDATE")) == []  # no down.sql yet

    down = _generate(folder)
    _touched(client, down, types.FileChangeType.Created)
    got = await _until(lambda: _definition(client, uri, _at(up, "UPDATE")), bool)
    assert len(got) == 1
    assert got[0].uri == down.as_uri()
    assert got[0].range.start == types.Position(_line_of(down, "-- Undo line 14"), 0)

    got = await _definition(client, uri, _at(up, "SET NOT NULL"))
    block = _line_of(down, "-- Undo line 16")
    assert got[0].range.start.line == block
    # through its statement: a DO block guarding it against a half-applied migration
    end = down.read_text().splitlines().index("END $down$;", block)
    assert got[0].range.end.line == end


async def test_definition_goes_from_a_name_to_the_migration_that_created_it(
    client: LanguageClient,
) -> None:
    init = _folder(client, "init") / "migration.sql"
    create_user = types.Position(_line_of(init, 'CREATE TABLE "User"'), 0)
    drop = _folder(client, "drop_user_bio") / "migration.sql"
    uri = _open(client, drop)

    for needle in ('"User"', '"bio"'):
        got = await _definition(client, uri, _at(drop, needle, 2))
        assert [(g.uri, g.range.start) for g in got] == [(init.as_uri(), create_user)], needle

    # from the generated down.sql too, and for a bare column inside an expression
    down = _generate(drop.parent)
    _touched(client, down, types.FileChangeType.Created)
    down_uri = _open(client, down)
    line = next(
        i
        for i, x in enumerate(down.read_text().splitlines())
        if '"User"' in x and not x.lstrip().startswith("--")
    )
    at_user = types.Position(line, down.read_text().splitlines()[line].index('"User"') + 1)
    got = await _until(lambda: _definition(client, down_uri, at_user), bool)
    assert got[0].uri == init.as_uri() and got[0].range.start == create_user

    slug = _folder(client, "add_post_slug") / "migration.sql"
    slug_uri = _open(client, slug)
    got = await _definition(client, slug_uri, _at(slug, '"title"', 1))  # in the UPDATE
    create_post = types.Position(_line_of(init, 'CREATE TABLE "Post"'), 0)
    assert [(g.uri, g.range.start) for g in got] == [(init.as_uri(), create_post)]


async def test_undo_comments_link_to_the_up_statement(client: LanguageClient) -> None:
    folder = _folder(client, "add_post_slug")
    down = _generate(folder)
    uri = _open(client, down)
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert links is not None
    up = (folder / "migration.sql").as_uri()
    assert [link.target for link in links] == [f"{up}#L{n}" for n in (19, 16, 14, 11)]
    lines = down.read_text().splitlines()
    for link in links:
        line = lines[link.range.start.line]
        text = line[link.range.start.character : link.range.end.character]
        assert re.fullmatch(r"line \d+", text) and line.startswith("-- Undo " + text)
