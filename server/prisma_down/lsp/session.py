"""All the language server's state, on one object a test can construct.

Per migrations folder (a ``Root``, lsp/roots.py): the history as last read from disk, an
Analyzer whose memo makes re-analysis incremental, and what was last published. Analysis
runs in a worker thread, one at a time per root; edits that arrive meanwhile coalesce into
one more run, and a result computed from text that has changed since is dropped, never
published.

Verify verdicts (features/verify.py) are published with each down.sql's diagnostics, apart
from the analysis: they stay through re-analyses for as long as the migration.sql and
down.sql texts are the ones verified, and are dropped as stale once either changes.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from prisma_down.core.analysis import Analyzer, Stopped, sha256
from prisma_down.core.findings import Finding
from prisma_down.core.history import load_history
from prisma_down.core.lint import analyse_history, baselined, run_rules
from prisma_down.core.project import MIGRATION_FILE, ProjectError, locate, locate_all
from prisma_down.core.read import SUPPORTED
from prisma_down.core.rules.context import MigrationContext
from prisma_down.core.settings import Settings, load_project, parse
from prisma_down.lsp.confine import inside, real, refusal
from prisma_down.lsp.convert import Converter, diagnostic, uri
from prisma_down.lsp.freshness import holds, signature
from prisma_down.lsp.roots import Result, Root, Verified

log = logging.getLogger(__name__)
RESCAN_SECONDS = 2.0


class Session:
    def __init__(self, ls: LanguageServer) -> None:
        self.ls = ls
        self.settings = Settings()
        self.roots: dict[Path, Root] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.watching = False  # the client sends didChangeWatchedFiles for our globs
        self.closed = False
        # Pull mode: the client pulls textDocument/diagnostic and can be told to re-pull
        # (workspace/diagnostic/refresh); we then stop pushing, or it would show both.
        self.pull = False
        self.listeners: list[Callable[[Root, Result], None]] = []  # told of each new result
        self.verified: dict[Path, Verified] = {}  # down.sql path → its last verify verdict

    # -- background work, tracked and logged
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.log(f"internal error: {type(exc).__name__}: {exc}", types.MessageType.Error)
            log.exception("background task failed", exc_info=exc)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.ls.window_log_message(types.LogMessageParams(kind, f"prisma-down: {message}"))
        except Exception:  # before initialisation there is no client to tell
            log.info(message)

    # -- settings
    def configure(self, raw: Any) -> None:
        self.settings = parse(raw, lambda m: self.log(m, types.MessageType.Warning))
        for root in self.roots.values():
            root.settings = self._root_settings(root.directory)
            root.rule_memo.clear()
            root.rescan = True
            self.request(root)

    def _root_settings(self, directory: Path) -> Settings:
        return load_project(
            directory, lambda m: self.log(m, types.MessageType.Warning), self.settings
        )

    def reload_settings(self) -> None:
        """A project settings file changed (a baseline or an "ignore" written, by us or by
        hand): every root reads its settings again and is analysed afresh."""
        for root in self.roots.values():
            root.settings = self._root_settings(root.directory)
            self.request(root, rescan=True)

    # -- roots
    def add_folder(self, folder: Path) -> list[Root]:
        """Every migrations folder of a workspace folder (a monorepo's root holds several,
        as the CLI finds them)."""
        try:
            found = locate_all(folder, self.settings.migrations_path)
        except ProjectError as e:
            self.log(f"{folder}: {e}")
            return []
        return [self.root(located.migrations_dir) for located in found]

    def root(self, directory: Path) -> Root:
        hit = self.roots.get(directory)
        if hit is None:
            hit = Root(directory, self._root_settings(directory))
            self.roots[directory] = hit
            self.log(f"watching {directory}")
        return hit

    def root_for(self, path: Path) -> Root | None:
        for root in self.roots.values():
            if root.contains(path):
                return root
        if path.name not in ("migration.sql", "down.sql"):
            return None
        try:
            located = locate(path, self.settings.migrations_path)
        except ProjectError:
            return None
        return self.root(located.migrations_dir)

    # -- where commands and code actions may write
    def workspace_folders(self) -> list[Path]:
        """The client's workspace folders (or its root path, from clients without folders)."""
        try:
            ws = self.ls.workspace
        except RuntimeError:  # not initialised: no workspace yet
            return []
        folders = [Path(to_fs_path(f.uri) or "") for f in ws.folders.values()]
        if not folders and ws.root_path:
            folders = [Path(ws.root_path)]
        return [f for f in folders if f.is_absolute()]

    def write_refusal(self, folder: Path) -> str | None:
        """Why nothing may be written in the migration ``folder``; None when it may."""

        def migrations() -> Path | None:
            root = self.root_for(folder / MIGRATION_FILE)
            return root.directory if root is not None else None

        return refusal(folder, self.workspace_folders(), migrations)

    def in_workspace(self, directory: Path) -> bool:
        where = real(directory)
        folders = [r for r in map(real, self.workspace_folders()) if r is not None]
        return where is not None and inside(where, folders)

    # -- analysis
    def request(self, root: Root, rescan: bool = False) -> None:
        """Analyse ``root`` soon: now if idle, else once more, stopping the running analysis
        at its next statement (its result would be stale)."""
        root.rescan = root.rescan or rescan
        root.done.clear()
        if root.task is not None and not root.task.done():
            root.dirty = True
            root.stop.set()
            return
        root.task = self.spawn(self._run(root))

    def close(self) -> None:
        """Shutdown: stop every analysis at its next statement, and the background tasks."""
        self.closed = True
        for root in list(self.roots.values()):
            root.stop.set()
        for task in list(self.tasks):
            task.cancel()

    async def _run(self, root: Root) -> None:
        try:
            while not self.closed:
                root.dirty = False
                overlays, versions = self._snapshot(root)
                stop = root.stop = threading.Event()
                try:
                    result = await asyncio.to_thread(
                        self._analyse, root, overlays, versions, stop.is_set
                    )
                except Stopped:
                    continue  # by a newer request (dirty) or by shutdown (closed)
                if root.dirty or self._snapshot(root)[1] != versions:
                    continue  # the text changed while we worked: this result is stale
                if result is not None:
                    root.result = result
                    self._publish(root, result)
                    for listener in self.listeners:
                        listener(root, result)
                return
        except Exception as e:  # a bug on one odd file must not hang every waiter
            log.exception("analysis of %s failed", root.directory)
            self.log(
                f"could not analyse {root.directory}: {type(e).__name__}: {e}",
                types.MessageType.Error,
            )
            root.history = None  # read everything afresh next time
        finally:
            root.done.set()

    async def wait(self, root: Root) -> Result | None:
        if root.result is None or root.dirty or (root.task and not root.task.done()):
            if root.task is None or root.task.done():
                self.request(root)
            await root.done.wait()
        return root.result

    async def context_of(self, path: Path) -> tuple[Result, MigrationContext] | None:
        """The latest analysis of the root holding ``path``, and ``path``'s migration in it."""
        root = self.root_for(path)
        if root is None:
            return None
        result = await self._holding(root, path) or await self.wait(root)
        if result is None:
            return None
        ctx = result.context_for(path)
        return (result, ctx) if ctx is not None else None

    async def _holding(self, root: Root, path: Path) -> Result | None:
        """The last result, while a newer analysis runs, if it still holds for ``path``."""
        result = root.result
        if result is None or root.task is None or root.task.done():
            return None  # idle: wait() answers at once
        if result.settings is not root.settings:
            return None
        now = await asyncio.to_thread(signature, root.directory)
        overlays, _ = self._snapshot(root)
        found = holds(
            result.contexts, result.texts, result.versions, result.signature, overlays, now, path
        )
        return result if found and root.result is result else None

    def _snapshot(self, root: Root) -> tuple[dict[Path, str], dict[Path, int | None]]:
        overlays: dict[Path, str] = {}
        versions: dict[Path, int | None] = {}
        for doc_uri, doc in list(self.ls.workspace.text_documents.items()):
            path = Path(to_fs_path(doc_uri) or "")
            if root.contains(path) and path.name in ("migration.sql", "down.sql"):
                overlays[path] = doc.source
                versions[path] = doc.version
        return overlays, versions

    def _analyse(
        self,
        root: Root,
        overlays: dict[Path, str],
        versions: dict[Path, int | None],
        should_stop: Callable[[], bool],
    ) -> Result | None:
        """Runs in a worker thread; only one per root at a time.

        Raises:
            Stopped: ``should_stop`` said so (checked between statements).
        """
        settings = root.settings
        sig = signature(root.directory) if root.rescan or root.history is None else root.signature
        if root.history is None or sig != root.signature:
            try:
                root.history = load_history(root.directory, root.settings.dialect)
            except ProjectError as e:  # e.g. a mongodb provider: said once, not every poll
                root.signature = sig
                if root.unsupported != str(e):
                    root.unsupported = str(e)
                    self.log(f"{root.directory}: {e}", types.MessageType.Warning)
                return None
            root.unfrozen = True
            root.signature = sig
            if root.analyzer.dialect != root.history.dialect:
                root.analyzer = Analyzer(root.history.dialect)
        root.rescan = False
        history = root.history
        if history.dialect not in SUPPORTED:
            if root.unsupported != history.dialect:
                root.unsupported = history.dialect
                self.log(f"{root.directory}: the {history.provider} provider is not supported yet")
            return None
        root.analyzer.should_stop = should_stop
        contexts = analyse_history(
            history, root.analyzer, overlays, root.settings.archive_suffix, root.context_memo
        )
        if should_stop():
            raise Stopped
        findings: dict[Path, list[Finding]] = {}
        quiet = baselined(history, settings.baseline) or frozenset()  # None: names none
        for f in run_rules(contexts, settings.rules, root.rule_memo, ignore=settings.ignore):
            if f.path.parent.name not in quiet:
                findings.setdefault(f.path, []).append(f)
        for f in root.hints.findings(root.directory, root.signature, contexts):
            findings.setdefault(f.path, []).append(f)
        texts: dict[Path, str] = {}
        for ctx in contexts:
            texts[ctx.up_path] = ctx.up_text
            if ctx.down_text is not None:
                texts[ctx.down_path] = ctx.down_text
        if root.unfrozen:
            # The history's objects live as long as the session: move them out of the
            # collector's reach, or every full collection walks them (~90 ms on 820
            # migrations, the edit-latency tail measured by bench/bench_lsp.py).
            root.unfrozen = False
            gc.collect()
            gc.freeze()
        return Result(contexts, findings, texts, versions, root.signature, settings, quiet)

    def encoding(self) -> str:
        enc = self.ls.workspace.position_encoding
        return str(enc) if enc else types.PositionEncodingKind.Utf16

    def diagnostics_for(self, result: Result, path: Path) -> list[types.Diagnostic]:
        text = result.texts.get(path, "")
        conv = Converter(text, self.encoding())
        found = [diagnostic(f, conv, result.texts) for f in result.findings.get(path, [])]
        return found + list(self._verified_for(result, path))

    # -- verify verdicts, published beside the analysis
    def set_verified(self, down_path: Path, verified: Verified | None) -> None:
        """Show ``verified`` on ``down_path`` (None: clear it) and publish the change now."""
        if verified is None:
            self.verified.pop(down_path, None)
        else:
            self.verified[down_path] = verified
        root = self.root_for(down_path)
        if root is not None and root.result is not None:
            self._publish(root, root.result)

    def _verified_for(self, result: Result, path: Path) -> tuple[types.Diagnostic, ...]:
        """The verify diagnostics of ``path`` while ``result`` holds the texts verified."""
        hit = self.verified.get(path)
        if hit is None:
            return ()
        up = result.texts.get(path.with_name("migration.sql"))
        down = result.texts.get(path)
        if up is None or down is None or (sha256(up), sha256(down)) != (hit.up_sha, hit.down_sha):
            del self.verified[path]  # a file changed since: the verdict is stale
            return ()
        return hit.diagnostics

    def _publish(self, root: Root, result: Result) -> None:
        """Send only what changed since the last publish: an edit touches few files."""
        verified = {p for p in self.verified if root.contains(p)}
        paths = set(result.findings) | set(root.published) | verified
        changed = False
        for path in paths:
            findings = result.findings.get(path, [])
            version = result.versions.get(path)
            extra = self._verified_for(result, path) if path in verified else ()
            key = (tuple(findings), extra)  # the same objects when nothing changed: cheap
            if root.published.get(path) == (version, key):
                continue
            changed = True
            root.published[path] = (version, key)
            if not findings and not extra:
                root.published.pop(path, None)
            if not self.pull:
                self.ls.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=uri(path),
                        version=version,
                        diagnostics=self.diagnostics_for(result, path),
                    )
                )
        if changed and self.pull:
            self.ls.workspace_diagnostic_refresh(None)

    # -- polling fallback for clients without file watching (Neovim)
    async def poll(self) -> None:
        while not self.closed:
            await asyncio.sleep(RESCAN_SECONDS)
            for root in list(self.roots.values()):
                sig = await asyncio.to_thread(signature, root.directory)
                if sig != root.signature:
                    self.request(root, rescan=True)


Handler = Callable[..., Any]
