"""Code actions, each applied to the real files and its result checked.

Applying is the test's job (pytest-lsp's client does not apply edits): ``apply`` writes
CreateFile + TextDocumentEdit (or ``changes``) to disk in the negotiated position encoding.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types
from pygls.capabilities import ServerCapabilitiesBuilder
from pygls.exceptions import JsonRpcMethodNotFound
from pygls.uris import to_fs_path
from pytest_lsp import LanguageClient

from prisma_down.core.text import Span
from prisma_down.lsp.convert import Converter
from tests.lsp.test_diagnostics import MIGRATIONS
from tests.lsp.wire import Wire

GENERATE_KIND = "source.generateDownSql"


# -- helpers shared with test_commands.py
def migration(client: LanguageClient, name: str) -> Path:
    project: Path = client.project  # type: ignore[attr-defined]
    return next((project / MIGRATIONS).glob(f"*_{name}")) / "migration.sql"


def all_migrations(client: LanguageClient) -> list[Path]:
    project: Path = client.project  # type: ignore[attr-defined]
    return sorted((project / MIGRATIONS).glob("*/migration.sql"))


def cli_generate(folder: Path) -> str:
    """What ``prisma-down generate <folder> --stdout`` prints: the reference down.sql."""
    out = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "generate", str(folder), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def encoding(client: LanguageClient) -> str:
    assert client.capabilities is not None
    return str(ServerCapabilitiesBuilder.choose_position_encoding(client.capabilities))


def _path(uri: str) -> Path:
    return Path(to_fs_path(uri) or "")


def _apply_text_edits(path: Path, edits: list[types.TextEdit], enc: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    conv = Converter(text, enc)
    spans = [
        (Span(conv.offset(e.range.start), conv.offset(e.range.end)), e.new_text) for e in edits
    ]
    for span, new in sorted(spans, key=lambda s: s[0].start, reverse=True):
        text = text[: span.start] + new + text[span.end :]
    path.write_text(text, encoding="utf-8", newline="")


def apply(client: LanguageClient, edit: types.WorkspaceEdit | None) -> list[Path]:
    """Apply ``edit`` to disk the way an editor would; the paths it touched."""
    assert edit is not None, "the action has no edit"
    enc = encoding(client)
    touched: list[Path] = []
    for op in edit.document_changes or []:
        if isinstance(op, types.CreateFile):
            path = _path(op.uri)
            ignore = op.options is not None and op.options.ignore_if_exists
            assert ignore or not path.exists()
            if not path.exists():
                path.write_text("")
        elif isinstance(op, types.TextDocumentEdit):
            path = _path(op.text_document.uri)
            _apply_text_edits(path, list(op.edits), enc)  # type: ignore[arg-type]
        else:
            raise AssertionError(f"unexpected {op}")
        touched.append(path)
    for uri, edits in (edit.changes or {}).items():
        _apply_text_edits(_path(uri), list(edits), enc)
        touched.append(_path(uri))
    return touched


async def actions(
    client: LanguageClient,
    path: Path,
    diagnostics: list[types.Diagnostic] | None = None,
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    """Code actions for the whole file, resolved the way the profile's client resolves them."""
    text = path.read_text() if path.exists() else ""
    end = types.Position(len(text.splitlines()) + 1, 0)
    got = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(path.as_uri()),
            range=types.Range(types.Position(0, 0), end),
            context=types.CodeActionContext(diagnostics=diagnostics or [], only=only),
        )
    )
    out: list[types.CodeAction] = []
    for a in got or []:
        assert isinstance(a, types.CodeAction)
        if a.edit is None and a.data is not None:
            assert client.profile != "emacs"  # type: ignore[attr-defined]
            a = await client.code_action_resolve_async(a)
        out.append(a)
    return out


async def current_diagnostics(client: LanguageClient, path: Path) -> list[types.Diagnostic]:
    """What the client shows for ``path``: pulled if the server serves pulls, else pushed."""
    if getattr(client, "pulls", None) is not False:
        try:
            report = await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(types.TextDocumentIdentifier(path.as_uri()))
            )
        except JsonRpcMethodNotFound:
            client.pulls = False  # type: ignore[attr-defined]
        else:
            client.pulls = True  # type: ignore[attr-defined]
            return list(getattr(report, "items", []))
    return list(client.diagnostics.get(path.as_uri(), []))


async def wait_diagnostics(
    client: LanguageClient,
    path: Path,
    pred: Callable[[list[types.Diagnostic]], bool],
    timeout: float = 15.0,
) -> list[types.Diagnostic]:
    async def poll() -> list[types.Diagnostic]:
        while True:
            diags = await current_diagnostics(client, path)
            if pred(diags):
                return diags
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def diagnostic(client: LanguageClient, path: Path, rule: str) -> types.Diagnostic:
    diags = await wait_diagnostics(client, path, lambda d: any(x.code == rule for x in d))
    return next(x for x in diags if x.code == rule)


def without(rule: str) -> Callable[[list[types.Diagnostic]], bool]:
    return lambda ds: not any(x.code == rule for x in ds)


def notify_changed(client: LanguageClient, *paths: Path) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=p.as_uri(), type=types.FileChangeType.Changed) for p in paths
            ]
        )
    )


def open_doc(client: LanguageClient, path: Path, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=path.as_uri(), language_id="sql", version=version, text=text)
        )
    )


def _titled(found: list[types.CodeAction], start: str) -> list[types.CodeAction]:
    return [a for a in found if a.title.startswith(start)]


# -- generate
async def test_generate_quick_fix_writes_what_the_cli_writes(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    d = await diagnostic(client, path, "missing-down-sql")
    found = await actions(client, path, [d])
    fix = next(a for a in found if a.kind == types.CodeActionKind.QuickFix)
    assert fix.title.startswith("Generate down.sql") and list(fix.diagnostics or []) == [d]
    assert fix.edit is not None and fix.edit.document_changes is not None
    create, insert = fix.edit.document_changes
    down = path.with_name("down.sql")
    assert isinstance(create, types.CreateFile) and create.uri == down.as_uri()
    assert create.options is not None and create.options.ignore_if_exists
    assert isinstance(insert, types.TextDocumentEdit) and insert.text_document.version is None
    assert any(a.kind == GENERATE_KIND for a in found)
    assert apply(client, fix.edit) == [down, down]
    assert down.read_text() == cli_generate(path.parent)


async def test_source_action_generates_every_migration_like_the_cli(
    client: LanguageClient,
) -> None:
    for path in all_migrations(client):
        found = await actions(client, path, only=[GENERATE_KIND])
        assert [a.kind for a in found] == [GENERATE_KIND]
        apply(client, found[0].edit)
        assert path.with_name("down.sql").read_text() == cli_generate(path.parent), path


async def test_resolve_builds_the_edit_lazily(client: LanguageClient) -> None:
    path = migration(client, "init")
    got = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(path.as_uri()),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source"]),
        )
    )
    assert got and isinstance(got[0], types.CodeAction)
    assert got[0].edit is None and got[0].data is not None  # both profiles resolve edits
    resolved = await client.code_action_resolve_async(got[0])
    apply(client, resolved.edit)
    assert path.with_name("down.sql").read_text() == cli_generate(path.parent)


async def test_only_filters_by_kind_prefix(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    missing = await diagnostic(client, path, "missing-down-sql")
    drop = await diagnostic(client, path, "drop-without-rename")
    every = await actions(client, path, [missing, drop])
    assert {a.kind for a in every} == {types.CodeActionKind.QuickFix, GENERATE_KIND}
    source = await actions(client, path, [missing, drop], only=["source"])
    assert [a.kind for a in source] == [GENERATE_KIND]
    fixes = await actions(client, path, [missing, drop], only=["quickfix"])
    assert all(a.kind == "quickfix" for a in fixes)
    assert [a.title.split(" ")[0] for a in fixes] == ["Generate", "Keep", "Ignore", "Ignore", "Set"]
    assert await actions(client, path, [missing, drop], only=["refactor"]) == []


async def test_generate_from_the_editor_text(client: LanguageClient) -> None:
    path = migration(client, "add_post_slug")
    await diagnostic(client, path, "missing-down-sql")
    edited = path.read_text() + '\nCREATE INDEX "Post_title_idx" ON "Post"("title");\n'
    open_doc(client, path, path.read_text())
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
            [types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    found = await actions(client, path, only=[GENERATE_KIND])
    apply(client, found[0].edit)
    generated = path.with_name("down.sql").read_text()
    assert 'DROP INDEX IF EXISTS "Post_title_idx";' in generated
    path.write_text(edited)  # the CLI reads the disk: save the buffer, then compare
    assert generated == cli_generate(path.parent)


async def test_never_offered_over_a_down_sql_on_disk(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    d = await diagnostic(client, path, "missing-down-sql")
    down = path.with_name("down.sql")
    down.write_text("")  # what Neovim leaves on disk before :w; or a person's empty file
    assert not _titled(await actions(client, path, [d]), "Generate")
    down.write_bytes(b'-- by hand\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\n')
    assert not _titled(await actions(client, path, [d]), "Generate")
    assert down.read_bytes() == b'-- by hand\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'


async def test_never_offered_over_an_unsaved_down_sql_buffer(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    d = await diagnostic(client, path, "missing-down-sql")
    down = path.with_name("down.sql")
    first = await actions(client, path, [d], only=[GENERATE_KIND])
    # The client applied the CreateFile + insert into a buffer and has not saved it yet.
    open_doc(client, down, first[0].edit.document_changes[1].edits[0].new_text)  # type: ignore[union-attr,index]
    assert not _titled(await actions(client, path, [d]), "Generate")
    assert not down.exists()


# -- regenerate
async def test_regenerate_only_unmodified_generated_output(client: LanguageClient) -> None:
    path = migration(client, "add_post_slug")
    down = path.with_name("down.sql")
    down.write_text(cli_generate(path.parent))
    path.write_text(path.read_text() + '\nCREATE INDEX "Post_title_idx" ON "Post"("title");\n')
    notify_changed(client, path, down)
    stale = await diagnostic(client, down, "stale-down-sql")
    fix = _titled(await actions(client, down, [stale]), "Regenerate")
    assert len(fix) == 1 and fix[0].kind == "quickfix"
    apply(client, fix[0].edit)
    assert down.read_text() == cli_generate(path.parent)

    # A person's edit to the body: the header no longer matches, regenerating would lose it.
    path.write_text(path.read_text() + '\nCREATE INDEX "Post_slug_idx" ON "Post"("slug");\n')
    down.write_text(down.read_text().replace("-- Undo line", "-- reviewed -- Undo line", 1))
    notify_changed(client, path, down)
    stale = await diagnostic(client, down, "stale-down-sql")
    before = down.read_bytes()
    assert not _titled(await actions(client, down, [stale]), "Regenerate")
    assert down.read_bytes() == before


# -- archive instead of dropping
async def test_archive_rewrites_drop_column(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    d = await diagnostic(client, path, "drop-without-rename")
    fix = _titled(await actions(client, path, [d]), "Keep the data")
    assert len(fix) == 1
    assert '"bio" to "bio_archived"' in fix[0].title
    assert "already-applied migration changes Prisma's checksum" in fix[0].title
    before = path.read_text()
    apply(client, fix[0].edit)
    assert path.read_text() == before.replace(
        'ALTER TABLE "User" DROP COLUMN "bio";',
        'ALTER TABLE "User" RENAME COLUMN "bio" TO "bio_archived";',
    )
    assert not path.with_name("down.sql").exists()  # no down.sql: none is made up


async def test_archive_splits_a_multi_clause_alter_table(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    path.write_text(
        '/* 移行 🙂 */ ALTER TABLE "User" DROP COLUMN "bio", ADD COLUMN "nick" TEXT;\n'
        'DROP TABLE "Tag";\n'
    )
    notify_changed(client, path)
    diags = await wait_diagnostics(
        client, path, lambda ds: sum(x.code == "drop-without-rename" for x in ds) == 2
    )
    drops = [x for x in diags if x.code == "drop-without-rename"]
    for d in sorted(drops, key=lambda x: -x.range.start.line):  # bottom first: ranges hold
        fix = _titled(await actions(client, path, [d]), "Keep the data")
        assert len(fix) == 1
        apply(client, fix[0].edit)
        notify_changed(client, path)
    assert path.read_text() == (
        '/* 移行 🙂 */ ALTER TABLE "User" RENAME COLUMN "bio" TO "bio_archived";\n'
        'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n'
        'ALTER TABLE "Tag" RENAME TO "Tag_archived";\n'
    )


async def test_archive_regenerates_a_generated_down_sql(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    down = path.with_name("down.sql")
    down.write_text(cli_generate(path.parent))
    notify_changed(client, down)
    d = await diagnostic(client, path, "drop-without-rename")
    await wait_diagnostics(client, path, without("missing-down-sql"))
    fix = _titled(await actions(client, path, [d]), "Keep the data")
    assert sorted(apply(client, fix[0].edit)) == [down, path]
    assert 'RENAME COLUMN "bio" TO "bio_archived"' in path.read_text()
    assert down.read_text() == cli_generate(path.parent)
    assert 'RENAME COLUMN "bio_archived" TO "bio"' in down.read_text()


async def test_archive_leaves_a_hand_written_down_sql_alone(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    down = path.with_name("down.sql")
    down.write_text('ALTER TABLE "User" ADD COLUMN "bio" TEXT;\n')
    notify_changed(client, down)
    await wait_diagnostics(client, path, without("missing-down-sql"))
    d = await diagnostic(client, path, "drop-without-rename")
    fix = _titled(await actions(client, path, [d]), "Keep the data")
    assert apply(client, fix[0].edit) == [path]
    assert down.read_text() == 'ALTER TABLE "User" ADD COLUMN "bio" TEXT;\n'


# -- complete a down.sql
async def test_add_missing_statements_makes_the_diagnostic_go_away(
    client: LanguageClient,
) -> None:
    path = migration(client, "add_post_slug")
    down = path.with_name("down.sql")
    down.write_text('-- by hand\nDROP INDEX "Post_slug_key";\n')
    notify_changed(client, down)
    d = await diagnostic(client, down, "down-does-not-restore")
    assert '"slug" is still there' in d.message
    fix = _titled(await actions(client, down, [d]), "Add the missing statements")
    assert len(fix) == 1
    apply(client, fix[0].edit)
    assert down.read_text() == (
        '-- by hand\nDROP INDEX "Post_slug_key";\n\n'
        "-- Added by prisma-down: what down.sql did not restore.\n"
        'ALTER TABLE "Post" DROP COLUMN "slug";\n'
    )
    notify_changed(client, down)
    await wait_diagnostics(client, down, without("down-does-not-restore"))


SQLITE_HISTORY = {
    "1_init": 'CREATE TABLE "A" ("id" INTEGER NOT NULL PRIMARY KEY, "x" TEXT);\n',
    "2_add_y": 'ALTER TABLE "A" ADD COLUMN "y" TEXT;\n',
}
# A hand-written down.sql that forgets "y" and, redefining the table, changes "x"'s type.
SQLITE_DOWN = (
    'CREATE TABLE "new_A" ("id" INTEGER NOT NULL PRIMARY KEY, "x" INTEGER, "y" TEXT);\n'
    'INSERT INTO "new_A" ("id", "x", "y") SELECT "id", "x", "y" FROM "A";\n'
    'DROP TABLE "A";\nALTER TABLE "new_A" RENAME TO "A";\n'
)


def _new_texts(value: object) -> list[str]:
    if isinstance(value, dict):
        own = [value["newText"]] if isinstance(value.get("newText"), str) else []
        return own + [t for v in value.values() for t in _new_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _new_texts(v)]
    return []


def test_add_missing_statements_offers_only_what_sqlite_can_write(tmp_path: Path) -> None:
    """The schema comparison behind the fix knows no engine: for SQLite it proposed ALTER
    COLUMN … TYPE, which the SQLite renderer cannot write, and the code action request
    failed with an internal error (ValueError; found by tests/fuzz). The fix now holds
    what SQLite can run, and the answer is no error."""
    migrations = tmp_path / "app" / "prisma" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "sqlite"\n')
    for name, up in SQLITE_HISTORY.items():
        (migrations / name).mkdir()
        (migrations / name / "migration.sql").write_text(up)
    down = migrations / "2_add_y" / "down.sql"
    down.write_text(SQLITE_DOWN)
    wire = Wire(tmp_path / "app")
    try:
        kinds = {"valueSet": ["quickfix", "source"]}
        caps = {
            "textDocument": {"codeAction": {"codeActionLiteralSupport": {"codeActionKind": kinds}}}
        }
        wire.initialize(tmp_path / "app", caps)
        wrong = "down-does-not-restore"
        published = wire.diagnostics(
            down.as_uri(), lambda p: any(d.get("code") == wrong for d in p["diagnostics"]), 60
        )
        assert published is not None, wire.stderr.decode(errors="replace")
        diags = [d for d in published["params"]["diagnostics"] if d.get("code") == wrong]
        params = {
            "textDocument": {"uri": down.as_uri()},
            "range": diags[0]["range"],
            "context": {"diagnostics": diags},
        }
        wire.request(1, "textDocument/codeAction", params)
        answer = wire.response(1, 30)
        assert answer is not None and "error" not in answer, answer
        (fix,) = [a for a in answer["result"] if a["title"].startswith("Add the missing")]
        added = "".join(_new_texts(fix["edit"]))
        assert 'ALTER TABLE "A" DROP COLUMN "y";' in added
        assert "ALTER COLUMN" not in added
    finally:
        wire.close()
    assert b"Traceback" not in wire.stderr


async def test_add_missing_statements_in_an_open_buffer(client: LanguageClient) -> None:
    path = migration(client, "drop_user_bio")
    down = path.with_name("down.sql")
    down.write_text("-- nothing yet\n")
    open_doc(client, down, "-- nothing yet\n")
    d = await diagnostic(client, down, "down-does-not-restore")
    fix = _titled(await actions(client, down, [d]), "Add the missing statements")
    edit = fix[0].edit
    assert edit is not None
    if edit.document_changes:
        (op,) = edit.document_changes
        assert isinstance(op, types.TextDocumentEdit) and op.text_document.version == 1
    apply(client, edit)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=down.as_uri(), version=2),
            [types.TextDocumentContentChangeWholeDocument(text=down.read_text())],
        )
    )
    assert 'ADD COLUMN "bio" TEXT' in down.read_text()
    await wait_diagnostics(client, down, without("down-does-not-restore"))
