"""Lifecycle, documents, settings and file watching.

Watched files: registered dynamically where the client can; every client also gets a
rescan on open/save/close and a slow poll, since Neovim's file events are off by default
and miss new subfolders.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from prisma_down.lsp.features import diagnostics

if TYPE_CHECKING:
    from prisma_down.lsp.language_server import PrismaDownServer

WATCH_GLOBS = (
    "**/migrations/**/migration.sql",
    "**/migrations/**/down.sql",
    "**/migrations/*",
    "**/migration_lock.toml",
    "**/.prisma-down.json",
)
SETTINGS_FILES = (".prisma-down.json",)  # a change there: settings read again


def _path(uri: str) -> Path:
    return Path(to_fs_path(uri) or "")


def register(ls: PrismaDownServer) -> None:
    session = ls.session

    @ls.feature(types.INITIALIZE)
    def initialize(ls: PrismaDownServer, params: types.InitializeParams) -> None:
        session.configure(_prisma_down(params.initialization_options))
        if diagnostics.wants_pull(params.capabilities):
            diagnostics.enable_pull(ls)

    @ls.feature(types.INITIALIZED)
    async def initialized(ls: PrismaDownServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities
        if caps.workspace and caps.workspace.configuration:
            await _pull_configuration(ls)
        folders = list(ls.workspace.folders.values())
        paths = [_path(f.uri) for f in folders] or (
            [Path(ls.workspace.root_path)] if ls.workspace.root_path else []
        )
        for folder in paths:
            for root in session.add_folder(folder):
                session.request(root, rescan=True)
        watched = caps.workspace and caps.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:
            await ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="prisma-down-watch",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[
                                    types.FileSystemWatcher(glob_pattern=g) for g in WATCH_GLOBS
                                ]
                            ),
                        )
                    ]
                )
            )
            session.watching = True
        session.spawn(session.poll())

    @ls.feature(types.SHUTDOWN)
    def shutdown(ls: PrismaDownServer, params: Any) -> None:
        session.close()  # answered at once: a running analysis stops at its next statement

    @ls.feature(types.EXIT)
    def exit_(ls: PrismaDownServer, params: Any) -> None:
        ls.leave(0 if session.closed else 1)  # now, even with a worker thread busy

    @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PrismaDownServer, params: types.DidOpenTextDocumentParams) -> None:
        root = session.root_for(_path(params.text_document.uri))
        if root is not None:
            session.request(root, rescan=True)

    @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PrismaDownServer, params: types.DidChangeTextDocumentParams) -> None:
        root = session.root_for(_path(params.text_document.uri))
        if root is not None:
            session.request(root)

    @ls.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PrismaDownServer, params: types.DidSaveTextDocumentParams) -> None:
        root = session.root_for(_path(params.text_document.uri))
        if root is not None:
            session.request(root, rescan=True)

    @ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PrismaDownServer, params: types.DidCloseTextDocumentParams) -> None:
        root = session.root_for(_path(params.text_document.uri))
        if root is not None:
            session.request(root, rescan=True)  # the disk is the truth again

    @ls.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: PrismaDownServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        touched = set()
        for change in params.changes:
            path = _path(change.uri)
            if path.name in SETTINGS_FILES:
                session.reload_settings()
                return
            for candidate in (path, path / "migration.sql"):
                root = session.root_for(candidate)
                if root is not None:
                    touched.add(root.directory)
        for directory in touched:
            session.request(session.roots[directory], rescan=True)

    @ls.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: PrismaDownServer, params: types.DidChangeConfigurationParams
    ) -> None:
        caps = ls.client_capabilities
        if caps.workspace and caps.workspace.configuration:
            await _pull_configuration(ls)
        else:
            session.configure(_prisma_down(params.settings))

    @ls.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(
        ls: PrismaDownServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        for folder in params.event.added:
            for root in session.add_folder(_path(folder.uri)):
                session.request(root, rescan=True)


def _prisma_down(raw: Any) -> Any:
    """Accept both ``{"prismaDown": {...}}`` and the bare ``{...}``."""
    if isinstance(raw, dict) and "prismaDown" in raw:
        return raw["prismaDown"]
    return raw


async def _pull_configuration(ls: PrismaDownServer) -> None:
    try:
        got = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="prismaDown")])
        )
    except Exception as e:  # a client that answers badly keeps the settings we have
        ls.session.log(f"could not read the prismaDown settings: {e}", types.MessageType.Warning)
        return
    if got and got[0] is not None:
        ls.session.configure(got[0])
