"""A 20 MB migration opened in the editor: its analysis takes minutes, and nothing waits
for it that need not. Other requests are answered meanwhile; a newer text, a close or a
shutdown stops it; ``exit`` ends the process at once."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.conftest import REPO
from tests.lsp.test_diagnostics import MIGRATIONS
from tests.lsp.wire import Wire

SMALL = 'CREATE TABLE "Small" ("id" INTEGER NOT NULL);\n'


def big_text(tables: int = 100_000) -> str:
    """~20 MB: ``tables`` CREATE TABLE statements of ~200 bytes each."""
    row = (
        'CREATE TABLE "T{i}" ("id" INTEGER NOT NULL, "name" TEXT, "note" VARCHAR(200), '
        '"size" BIGINT, "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, '
        'CONSTRAINT "T{i}_pkey" PRIMARY KEY ("id"));\n'
    )
    return "".join(row.format(i=i) for i in range(tables))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "blog"
    shutil.copytree(REPO / "examples" / "blog", dest)
    big = dest / MIGRATIONS / "20990101000000_big"
    big.mkdir()
    (big / "migration.sql").write_text(SMALL)
    return dest


def migration(project: Path, name: str) -> Path:
    return next((project / MIGRATIONS).glob(f"*_{name}")) / "migration.sql"


@pytest.fixture
def wire(project: Path) -> Iterator[Wire]:
    """A server that has analysed the project once, then received the 20 MB didOpen."""
    w = Wire(project)
    try:
        w.initialize(project)
        uri = migration(project, "big").as_uri()
        assert w.diagnostics(uri, lambda p: bool(p["diagnostics"]), 60), w.stderr[-2000:]
        text = big_text()
        assert len(text) > 20_000_000
        document = {"uri": uri, "languageId": "sql", "version": 1, "text": text}
        w.notify("textDocument/didOpen", {"textDocument": document})
        time.sleep(2)  # the analysis is under way
        yield w
    finally:
        w.close()


def position(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def hover(wire: Wire, msg_id: int, path: Path, line: int) -> None:
    params = {"textDocument": {"uri": path.as_uri()}, "position": position(line, 3)}
    wire.request(msg_id, "textDocument/hover", params)


def test_other_migrations_are_served_during_the_big_analysis(wire: Wire, project: Path) -> None:
    init = migration(project, "init")
    hover(wire, 2, init, 5)
    answer = wire.response(2, 15)
    assert answer is not None, "a hover on another migration waited for the big one"
    assert "undo" in answer["result"]["contents"]["value"]
    slug = migration(project, "add_post_slug")
    params = {
        "textDocument": {"uri": slug.as_uri()},
        "range": {"start": position(0, 0), "end": position(50, 0)},
        "context": {"diagnostics": [], "only": ["source.generateDownSql"]},
    }
    wire.request(3, "textDocument/codeAction", params)
    answer = wire.response(3, 15)
    assert answer is not None, "a code action on another migration waited for the big one"
    assert [a["kind"] for a in answer["result"]] == ["source.generateDownSql"]


def cpu_seconds(pid: int) -> float:
    """User and system time the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_shutdown_stops_the_analysis_and_exit_ends_the_process(wire: Wire) -> None:
    start = time.monotonic()
    wire.request(5, "shutdown")
    assert wire.response(5, 10) is not None, "shutdown was not answered"
    time.sleep(1)  # the analysis notices at its next statement
    before = cpu_seconds(wire.process.pid)
    time.sleep(2)
    busy = cpu_seconds(wire.process.pid) - before
    assert busy < 0.3, f"{busy:.2f} s of CPU in 2 s after shutdown: still analysing"
    wire.notify("exit")
    assert not wire.alive_after(10), "exit did not end the process"
    assert wire.process.returncode == 0
    assert time.monotonic() - start < 20


def test_a_newer_text_stops_the_big_analysis(wire: Wire, project: Path) -> None:
    uri = migration(project, "big").as_uri()
    change = {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"text": 'DROP TABLE "Tag";\n'}],
    }
    wire.notify("textDocument/didChange", change)
    got = wire.diagnostics(uri, lambda p: p.get("version") == 2, 30)
    assert got is not None, "the edit waited for the analysis of the text it replaced"
    codes = {d["code"] for d in got["params"]["diagnostics"]}
    assert "drop-without-rename" in codes


def test_closing_the_big_migration_stops_its_analysis(wire: Wire, project: Path) -> None:
    path = migration(project, "big")
    path.write_text(SMALL.replace("Small", "Saved"))  # what the editor saved, then closed
    wire.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
    hover(wire, 6, path, 0)  # on the text on disk, which only a new analysis has read
    answer = wire.response(6, 30)
    assert answer is not None, "the close waited for the analysis of the closed text"
    assert '"Saved"' in answer["result"]["contents"]["value"]
