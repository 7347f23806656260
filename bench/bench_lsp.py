#!/usr/bin/env python3
"""Benchmark the prisma-down language server against ``squawk server`` over stdio.

Run from the repository root with the project's virtualenv active:

    python bench/bench_lsp.py [--history DIR] [--edits N] [--out bench/results/lsp.json]

Both servers are driven by pygls's LanguageClient on a temporary copy of one migration
history, laid out as a project (``<tmp>/prisma/migrations/...``; the workspace folder is
``<tmp>``).  The document under test is the last migration's ``migration.sql``.

prisma-down (``python -m prisma_down.cli lsp``), push diagnostics:

* start -> first diagnostics: spawning the process to the first
  ``textDocument/publishDiagnostics`` for the document (the server scans the workspace
  on ``initialized``; the document is not opened yet);
* edit -> diagnostics: didOpen, then N didChange (full text) that alternately append and
  remove ``ALTER TABLE ... DROP COLUMN ...`` (a real column of the history, so a
  ``drop-without-rename`` finding appears and disappears).  Each latency runs from sending
  didChange (version v) to the publishDiagnostics for the document with version v; the
  next edit is sent only after that;
* edit -> pull answer in the same session, if the server answers pulls while it pushes
  (newer versions do not: they serve pulls only to clients that also support
  ``workspace/diagnostic/refresh``, and then stop pushing);
* peak RSS: VmHWM of the server process (and any children) just before shutdown.

prisma-down again, in pull mode (the client also advertises
``workspace.diagnostics.refreshSupport``), measured like squawk below.

squawk (``squawk server --assume-in-transaction``), pull only, and prisma-down pull mode:

* start -> first answer: spawning the process to the answer of the first
  ``textDocument/diagnostic`` for the document (initialize, initialized, didOpen, pull);
* edit -> pull answer: didChange then immediately a pull, timed to the answer
  (``ban-drop-column`` appears and disappears);
* peak RSS as above.

Every answer is checked: the finding must be present after an "add" edit and absent
after a "remove" edit, otherwise the run is reported as invalid.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types  # noqa: TID251 (a client, not the server)
from pygls.lsp.client import LanguageClient  # noqa: TID251

REPO = Path(__file__).resolve().parent.parent
DEFAULT_HISTORY = (
    REPO.parent
    / "shared"
    / "corpus"
    / "postgresql"
    / "triggerdotdev__trigger.dev--internal-packages-database-prisma-migrations"
)
DEFAULT_OUT = REPO / "bench" / "results" / "lsp.json"
# Appended to / removed from the last migration: a column that exists in the history.
DEFAULT_STATEMENT = 'ALTER TABLE "WorkerDeployment" DROP COLUMN "externalId";'
PRISMA_DOWN_CODE = "drop-without-rename"
SQUAWK_CODE = "ban-drop-column"
TARGETS = {"edit_p90_ms": 25.0, "start_s": 3.0, "peak_rss_mb": 300.0}
TIMEOUT = 120.0  # seconds for any single wait


# --------------------------------------------------------------------------- helpers


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summary(latencies_s: list[float]) -> dict[str, Any]:
    ms = [x * 1000.0 for x in latencies_s]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
        "min_ms": round(min(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def _status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def peak_rss_mb(pid: int) -> dict[str, Any]:
    """VmHWM (peak resident set) of ``pid`` and its descendants, in MB."""
    procs = {}
    for p in _descendants(pid):
        hwm = _status_kb(p, "VmHWM")
        if hwm is not None:
            procs[p] = hwm
    total = sum(procs.values())
    return {
        "peak_rss_mb": round(total / 1024.0, 1),
        "processes": len(procs),
        "rss_now_mb": round((_status_kb(pid, "VmRSS") or 0) / 1024.0, 1),
    }


def make_project(history: Path) -> Path:
    """A fresh ``<tmp>/prisma/migrations`` copy of ``history``; returns ``<tmp>``."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-lsp-")).resolve()
    shutil.copytree(history, tmp / "prisma" / "migrations")
    return tmp


def last_migration(project: Path) -> Path:
    dirs = sorted(
        p for p in (project / "prisma" / "migrations").iterdir() if (p / "migration.sql").is_file()
    )
    if not dirs:
        sys.exit(f"no */migration.sql in {project}")
    return dirs[-1] / "migration.sql"


def edited_texts(original: str, statement: str) -> tuple[str, str]:
    """(text with the statement appended, the original text)."""
    sep = "" if original.endswith("\n") else "\n"
    return original + sep + "\n" + statement + "\n", original


def client_capabilities(pull: bool = False) -> types.ClientCapabilities:
    """VS Code-like capabilities.  ``pull``: also ``workspace.diagnostics.refreshSupport``,
    which is what makes prisma-down serve diagnostics by pull instead of push."""
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=pull),
            workspace_folders=True,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True
            ),
            diagnostic=types.DiagnosticClientCapabilities(related_document_support=True),
        ),
        window=types.WindowClientCapabilities(work_done_progress=False),
    )


def codes(diags: list[types.Diagnostic] | None) -> set[str]:
    return {str(d.code) for d in diags or [] if d.code is not None}


# --------------------------------------------------------------------------- client


class BenchClient(LanguageClient):
    """A LanguageClient that records pushed diagnostics with their arrival time."""

    def __init__(self) -> None:
        super().__init__("prisma-down-bench", "0")
        self.waiters: list[tuple[Callable[[types.PublishDiagnosticsParams], bool], Any]] = []
        self.published = 0
        self.registrations: list[str] = []
        self.config_requests = 0
        self.refreshes = 0
        self.messages: list[str] = []
        self.stderr_tail: list[str] = []

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(params: types.PublishDiagnosticsParams) -> None:
            now = time.perf_counter()
            self.published += 1
            for waiter in list(self.waiters):
                pred, fut = waiter
                if not fut.done() and pred(params):
                    fut.set_result((now, params))
                    self.waiters.remove(waiter)

        @self.feature(types.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: types.RegistrationParams) -> None:
            self.registrations.extend(r.method for r in params.registrations)

        @self.feature(types.CLIENT_UNREGISTER_CAPABILITY)
        def on_unregister(params: types.UnregistrationParams) -> None:
            return None

        @self.feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(params: types.ConfigurationParams) -> list[Any]:
            self.config_requests += 1
            return [None for _ in params.items]

        @self.feature(types.WORKSPACE_DIAGNOSTIC_REFRESH)
        def on_refresh(params: None) -> None:
            self.refreshes += 1

        @self.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            self.messages.append(params.message)

        @self.feature(types.WINDOW_SHOW_MESSAGE)
        def on_show(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

    def expect(self, pred: Callable[[types.PublishDiagnosticsParams], bool]) -> Any:
        """A future resolved with (time, params) by the next matching publish."""
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((pred, fut))
        return fut

    @property
    def pid(self) -> int:
        return int(self._server.pid)  # type: ignore[union-attr]

    async def launch(self, cmd: list[str]) -> None:
        await self.start_io(cmd[0], *cmd[1:])
        asyncio.get_running_loop().create_task(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        """The server's stderr is a pipe nobody else reads: keep it from filling."""
        stream = self._server.stderr  # type: ignore[union-attr]
        if stream is None:
            return
        while True:
            line = await stream.readline()
            if not line:
                return
            self.stderr_tail = [*self.stderr_tail[-19:], line.decode("utf-8", "replace")]

    async def handshake(self, project: Path, pull: bool = False) -> None:
        await asyncio.wait_for(
            self.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    capabilities=client_capabilities(pull),
                    root_uri=project.as_uri(),
                    workspace_folders=[
                        types.WorkspaceFolder(uri=project.as_uri(), name=project.name)
                    ],
                )
            ),
            TIMEOUT,
        )
        self.initialized(types.InitializedParams())

    def open(self, uri: str, text: str) -> None:
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=text)
            )
        )

    def change(self, uri: str, version: int, text: str) -> None:
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def pull(self, uri: str) -> list[types.Diagnostic]:
        report = await asyncio.wait_for(
            self.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
            ),
            TIMEOUT,
        )
        return list(getattr(report, "items", None) or [])

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.shutdown_async(None), 30)
            self.exit(None)
        except Exception as e:  # a server that fails to shut down is killed below
            print(f"  shutdown failed: {type(e).__name__}: {e}", file=sys.stderr)
        try:
            await asyncio.wait_for(self.stop(), 30)
        except (asyncio.TimeoutError, Exception):
            with contextlib.suppress(ProcessLookupError):
                self._server.kill()  # type: ignore[union-attr]


# --------------------------------------------------------------------------- runs


async def pull_edits(
    client: BenchClient, uri: str, texts: tuple[str, str], first_version: int, n: int, code: str
) -> tuple[list[float], int]:
    """didChange then at once a pull; the time to the answer.  Returns (latencies, wrong)."""
    latencies: list[float] = []
    wrong = 0
    for i in range(n):
        adding = i % 2 == 0
        text = texts[0] if adding else texts[1]
        t0 = time.perf_counter()
        client.change(uri, first_version + i, text)
        items = await client.pull(uri)
        latencies.append(time.perf_counter() - t0)
        if (code in codes(items)) != adding:
            wrong += 1
    return latencies, wrong


async def run_prisma_down(
    history: Path, edits: int, statement: str, cmd: list[str] | None = None
) -> dict[str, Any]:
    project = make_project(history)
    doc = last_migration(project)
    uri = doc.as_uri()
    original = doc.read_text(encoding="utf-8")
    texts = edited_texts(original, statement)
    cmd = cmd or [sys.executable, "-m", "prisma_down.cli", "lsp"]
    client = BenchClient()
    out: dict[str, Any] = {"server": "prisma-down", "command": cmd, "document": str(doc)}
    try:
        first = client.expect(lambda p: p.uri == uri)
        t0 = time.perf_counter()
        await client.launch(cmd)
        await client.handshake(project)
        t_first, params = await asyncio.wait_for(first, TIMEOUT)
        out["start_to_first_diagnostics_s"] = round(t_first - t0, 3)
        out["first_diagnostics_codes"] = sorted(codes(params.diagnostics))
        out["publishes_until_first"] = client.published

        # edit -> pushed diagnostics
        opened = client.expect(lambda p: p.uri == uri and p.version == 1)
        client.open(uri, original)
        await asyncio.wait_for(opened, TIMEOUT)
        latencies: list[float] = []
        wrong = 0
        version = 1
        for i in range(edits):
            adding = i % 2 == 0
            version += 1
            v = version
            got = client.expect(lambda p, v=v: p.uri == uri and p.version == v)
            t_send = time.perf_counter()
            client.change(uri, v, texts[0] if adding else texts[1])
            t_got, params = await asyncio.wait_for(got, TIMEOUT)
            latencies.append(t_got - t_send)
            if (PRISMA_DOWN_CODE in codes(params.diagnostics)) != adding:
                wrong += 1
        out["edit_to_diagnostics"] = summary(latencies)
        out["edit_to_diagnostics"]["wrong_answers"] = wrong
        out["edit_to_diagnostics_raw_ms"] = [round(x * 1000, 3) for x in latencies]

        # edit -> pull answer in the same session, if the server answers pulls while it
        # pushes (newer versions serve pulls only to clients with refreshSupport: see the
        # separate pull-mode run)
        try:
            pulled, wrong = await pull_edits(
                client, uri, texts, version + 1, edits, PRISMA_DOWN_CODE
            )
            out["edit_to_pull"] = summary(pulled)
            out["edit_to_pull"]["wrong_answers"] = wrong
        except Exception as e:
            out["edit_to_pull"] = {"unsupported": f"{type(e).__name__}: {e}"}
        out.update(peak_rss_mb(client.pid))
        out["registrations"] = client.registrations
        out["configuration_requests"] = client.config_requests
        out["publishes_total"] = client.published
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
        out["stderr_tail"] = client.stderr_tail
    finally:
        await client.close()
        shutil.rmtree(project, ignore_errors=True)
    return out


async def run_pull(
    name: str, cmd: list[str], code: str, history: Path, edits: int, statement: str, pull: bool
) -> dict[str, Any]:
    """A pull-mode session: start -> first pull answer, then edit -> pull answer."""
    project = make_project(history)
    doc = last_migration(project)
    uri = doc.as_uri()
    original = doc.read_text(encoding="utf-8")
    texts = edited_texts(original, statement)
    client = BenchClient()
    out: dict[str, Any] = {"server": name, "command": cmd, "document": str(doc)}
    try:
        t0 = time.perf_counter()
        await client.launch(cmd)
        await client.handshake(project, pull=pull)
        client.open(uri, original)
        items = await client.pull(uri)
        out["start_to_first_diagnostics_s"] = round(time.perf_counter() - t0, 3)
        out["first_diagnostics_codes"] = sorted(codes(items))
        latencies, wrong = await pull_edits(client, uri, texts, 2, edits, code)
        out["edit_to_pull"] = summary(latencies)
        out["edit_to_pull"]["wrong_answers"] = wrong
        out["edit_to_pull_raw_ms"] = [round(x * 1000, 3) for x in latencies]
        out.update(peak_rss_mb(client.pid))
        out["registrations"] = client.registrations
        out["configuration_requests"] = client.config_requests
        out["publishes_total"] = client.published
        out["refresh_requests"] = client.refreshes
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
        out["stderr_tail"] = client.stderr_tail
    finally:
        await client.close()
        shutil.rmtree(project, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- report


def version_of(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        line = (done.stdout or done.stderr).strip().splitlines()[0]
        return line.split()[-1]  # "squawk 2.70.0" -> "2.70.0"
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


def squawk_cmd() -> str:
    found = Path(sys.executable).with_name("squawk")
    if found.exists():
        return str(found)
    which = shutil.which("squawk")
    if not which:
        sys.exit("squawk not found: install squawk-cli in this environment")
    return which


def fmt(value: Any, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def report(runs: dict[str, dict[str, Any] | None]) -> tuple[str, dict[str, Any]]:
    """The side-by-side table; targets are judged on the prisma-down push run."""
    rows = [
        ("start -> first diagnostics (s)", "start_to_first_diagnostics_s", None, ".3f"),
        ("edit -> push diagnostics p50 (ms)", "edit_to_diagnostics", "p50_ms", ".1f"),
        ("edit -> push diagnostics p90 (ms)", "edit_to_diagnostics", "p90_ms", ".1f"),
        ("edit -> push diagnostics p99 (ms)", "edit_to_diagnostics", "p99_ms", ".1f"),
        ("edit -> pull answer p50 (ms)", "edit_to_pull", "p50_ms", ".1f"),
        ("edit -> pull answer p90 (ms)", "edit_to_pull", "p90_ms", ".1f"),
        ("edit -> pull answer p99 (ms)", "edit_to_pull", "p99_ms", ".1f"),
        ("peak RSS (MB)", "peak_rss_mb", None, ".1f"),
    ]

    def get(res: dict[str, Any] | None, key: str, sub: str | None) -> Any:
        if res is None:
            return None
        val = res.get(key)
        if sub is not None:
            val = val.get(sub) if isinstance(val, dict) else None
        return val

    width = 36 + 18 * len(runs)
    lines = ["".join([f"{'':36}", *(f"{name:>18}" for name in runs)]), "-" * width]
    for label, key, sub, spec in rows:
        cells = (fmt(get(res, key, sub), spec) for res in runs.values())
        lines.append("".join([f"{label:36}", *(f"{c:>18}" for c in cells)]))
    lines.append("-" * width)
    for name, res in runs.items():
        if res is None:
            continue
        for key in ("edit_to_diagnostics", "edit_to_pull"):
            wrong = get(res, key, "wrong_answers")
            if wrong:
                lines.append(f"WARNING: {name} {key}: {wrong} answers had wrong findings")
            unsupported = get(res, key, "unsupported")
            if unsupported:
                lines.append(f"note: {name} {key}: not measured ({unsupported})")
        if "error" in res:
            lines.append(f"ERROR: {name}: {res['error']}")
            lines.extend("  " + s.rstrip() for s in res.get("stderr_tail", []))

    pd = runs["prisma-down push"] or {}
    verdict = {
        "edit_p90_ms": {
            "target": TARGETS["edit_p90_ms"],
            "value": get(pd, "edit_to_diagnostics", "p90_ms"),
        },
        "start_s": {"target": TARGETS["start_s"], "value": pd.get("start_to_first_diagnostics_s")},
        "peak_rss_mb": {"target": TARGETS["peak_rss_mb"], "value": pd.get("peak_rss_mb")},
    }
    lines.append("prisma-down targets (push run):")
    for name, v in verdict.items():
        ok = v["value"] is not None and v["value"] <= v["target"]
        v["met"] = ok
        lines.append(
            f"  {name:12} {fmt(v['value'], '.3f'):>9} (target <= {v['target']}): "
            + ("MET" if ok else "NOT MET")
        )
    return "\n".join(lines), verdict


async def main_async(args: argparse.Namespace) -> int:
    history = Path(args.history).resolve()
    if not history.is_dir():
        sys.exit(f"no such history: {history}")
    squawk = None if args.skip_squawk else squawk_cmd()
    migrations = sum(1 for _ in history.glob("*/migration.sql"))
    pd_cmd = [sys.executable, "-m", "prisma_down.cli", "lsp"]
    machine = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "prisma_down": version_of([sys.executable, "-m", "prisma_down.cli", "--version"]),
        "squawk": version_of([squawk, "--version"]) if squawk else None,
        "loadavg_before": os.getloadavg(),
    }
    print(
        f"machine: nproc={machine['nproc']}  python {machine['python']}  "
        f"prisma-down {machine['prisma_down']}  squawk {machine['squawk']}  "
        f"load average {' '.join(f'{x:.2f}' for x in machine['loadavg_before'])}"
    )
    print(f"history: {history} ({migrations} migrations), {args.edits} edits per measure")
    print(f"edit statement: {args.statement}")

    runs: dict[str, dict[str, Any] | None] = {}
    runs["prisma-down push"] = await run_prisma_down(history, args.edits, args.statement, pd_cmd)
    runs["prisma-down pull"] = await run_pull(
        "prisma-down pull", pd_cmd, PRISMA_DOWN_CODE, history, args.edits, args.statement, True
    )
    if squawk:
        cmd = [squawk, "server", "--assume-in-transaction"]
        runs["squawk"] = await run_pull(
            "squawk", cmd, SQUAWK_CODE, history, args.edits, args.statement, False
        )
    machine["loadavg_after"] = os.getloadavg()
    text, verdict = report(runs)
    print()
    print(text)

    result = {
        "date": datetime.date.today().isoformat(),
        "machine": machine,
        "history": str(history),
        "migrations": migrations,
        "edits": args.edits,
        "statement": args.statement,
        "targets": verdict,
        "prisma_down": runs["prisma-down push"],
        "prisma_down_pull": runs["prisma-down pull"],
        "squawk": runs.get("squawk"),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")
    return 1 if any(r is not None and "error" in r for r in runs.values()) else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--history", default=str(DEFAULT_HISTORY), help="one migration history")
    ap.add_argument("--edits", type=int, default=200, help="edits per latency measure")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="JSON results file")
    ap.add_argument(
        "--statement",
        default=DEFAULT_STATEMENT,
        help="SQL appended/removed by the edits (must drop a real column of the history)",
    )
    ap.add_argument("--skip-squawk", action="store_true", help="measure prisma-down only")
    args = ap.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
