"""Broken JSON-RPC on the server's real stdin: every request is answered, and a malformed
frame costs one error (id null), never the server or the messages after it."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from prisma_down.lsp.framing import Framer, Garbage, Message
from tests.lsp.conftest import REPO
from tests.lsp.wire import Wire, frame

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602
BODY = json.dumps({"jsonrpc": "2.0", "id": 50, "method": "shutdown"}).encode()
# Each malformed frame is followed by a well-formed request (id 7) that must be answered.
FRAMES = {
    "smaller": b"Content-Length: %d\r\n\r\n%s" % (len(BODY) - 9, BODY),
    "larger": b"Content-Length: %d\r\n\r\n%s" % (len(BODY) + 500, BODY),
    "larger-to-the-next-header": b"Content-Length: %d\r\n\r\n%s" % (len(BODY) + 10, BODY),
    "non-numeric": b"Content-Length: lots\r\n\r\n" + BODY,
    "negative": b"Content-Length: -12\r\n\r\n" + BODY,
    "missing": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + BODY,
    "no-headers": BODY + b"\r\n",
    "not-json": b"Content-Length: 11\r\n\r\n{not json}!",
    "huge": b"Content-Length: 1000000000000\r\n\r\n" + BODY,
    "endless-header": b"X-Junk: " + b"j" * 100_000,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "blog"
    shutil.copytree(REPO / "examples" / "blog", dest)
    return dest


@pytest.fixture
def wire(project: Path) -> Iterator[Wire]:
    w = Wire(project)
    w.initialize(project)
    yield w
    w.close()


def hover(wire: Wire, msg_id: int, project: Path) -> None:
    """A request any live server answers at once (null: the file is no migration)."""
    doc = {"uri": (project / "README.md").as_uri()}
    wire.request(msg_id, "textDocument/hover", {"textDocument": doc, "position": _at(0, 0)})


def _at(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def errors(wire: Wire, code: int) -> list[dict[str, object]]:
    return [
        m
        for m in wire.seen
        if "error" in m and "id" in m and m["id"] is None and m["error"]["code"] == code  # type: ignore[index]
    ]


@pytest.mark.parametrize("case", sorted(FRAMES))
@pytest.mark.parametrize("together", [True, False], ids=["one-write", "two-writes"])
def test_a_malformed_frame_is_reported_and_the_next_request_answered(
    wire: Wire, project: Path, case: str, together: bool
) -> None:
    hover_params = {"textDocument": {"uri": (project / "x.sql").as_uri()}, "position": _at(0, 0)}
    follow = frame(
        {"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": hover_params}
    )
    if together:
        wire.write(FRAMES[case] + follow)
    else:
        wire.write(FRAMES[case])
        time.sleep(0.3)  # the server has read the bad frame and is waiting for more
        wire.write(follow)
    answer = wire.response(7, 15)
    assert answer is not None, f"no answer after a {case} frame: {wire.stderr[-2000:]!r}"
    assert answer.get("result") is None and "error" not in answer
    assert not any(m.get("id") == 50 and "result" in m for m in wire.seen), "garbage obeyed"
    assert errors(wire, PARSE_ERROR), f"no parse error (id null) for a {case} frame"
    assert wire.process.poll() is None


@pytest.mark.parametrize("case", sorted(FRAMES))
@pytest.mark.parametrize("chunk", [1, 7, 1 << 16])
def test_the_framer_finds_the_next_message_at_any_chunk_size(case: str, chunk: int) -> None:
    follow = {"jsonrpc": "2.0", "id": 7, "method": "shutdown", "params": None}
    stream = FRAMES[case] + frame(follow) + frame(follow)
    framer = Framer(limit=1 << 20)
    events = []
    for i in range(0, len(stream), chunk):
        events += framer.feed(stream[i : i + chunk])
    assert [e.data for e in events if isinstance(e, Message)] == [follow, follow]
    assert len([e for e in events if isinstance(e, Garbage)]) == 1, events


def test_a_huge_content_length_allocates_nothing_and_a_20_mb_message_passes(
    wire: Wire, project: Path
) -> None:
    wire.write(b"Content-Length: 1000000000000\r\n\r\n")
    folder = project / "prisma" / "migrations" / "20990101000000_big"
    folder.mkdir()
    (folder / "migration.sql").write_text("")
    uri = (folder / "migration.sql").as_uri()
    # 20 MB that reads fast: comment lines, then the one statement the diagnostics show.
    text = ("-- " + "x" * 96 + "\n") * 200_000 + 'DROP TABLE "Tag";\n'
    document = {"uri": uri, "languageId": "sql", "version": 3, "text": text}
    wire.notify("textDocument/didOpen", {"textDocument": document})
    got = wire.diagnostics(
        uri, lambda p: any(d["code"] == "drop-without-rename" for d in p["diagnostics"]), 120
    )
    assert got is not None, wire.stderr[-2000:]
    assert got["params"]["version"] == 3
    (drop,) = [d for d in got["params"]["diagnostics"] if d["code"] == "drop-without-rename"]
    assert drop["range"]["start"]["line"] == 200_000
    assert errors(wire, PARSE_ERROR)
    assert b"MemoryError" not in wire.stderr


def test_invalid_params_get_an_invalid_params_error_with_the_request_id(
    wire: Wire, project: Path
) -> None:
    uri = (project / "prisma" / "schema.prisma").as_uri()
    wire.request(11, "textDocument/hover", {"textDocument": 5, "position": "here"})
    wire.request("twelve", "textDocument/codeAction", {"textDocument": {"uri": uri}})  # type: ignore[arg-type]
    wire.notify("textDocument/didOpen", {"textDocument": {"uri": 1}})  # cannot be answered
    wire.request(13, "workspace/executeCommand", {"command": 42})
    for msg_id in (11, "twelve", 13):
        answer = wire.response(msg_id)
        assert answer is not None, f"request {msg_id!r} got no answer"
        assert answer["error"]["code"] == INVALID_PARAMS, answer
    hover(wire, 14, project)
    assert wire.response(14) is not None


def test_what_is_no_request_object_is_answered_invalid_request(wire: Wire, project: Path) -> None:
    wire.send({"jsonrpc": "1.0", "id": 21, "method": "shutdown"})
    wire.write(frame([1, 2]))  # type: ignore[arg-type]  # a batch: not in LSP
    wire.send({"jsonrpc": "2.0", "id": {"an": "object"}, "method": "shutdown"})
    assert wire.response(21) is not None
    assert wire.response(21)["error"]["code"] == INVALID_REQUEST  # type: ignore[index]
    deadline = time.monotonic() + 10
    while len(errors(wire, INVALID_REQUEST)) < 2 and time.monotonic() < deadline:
        wire.wait(lambda m: False, 0.2)
    assert len(errors(wire, INVALID_REQUEST)) == 2
    hover(wire, 22, project)
    assert wire.response(22) is not None


def test_an_invalid_answer_to_a_server_request_does_not_hang_it(project: Path) -> None:
    """The server asks for settings on initialized; an answer that does not fit the type
    used to leave that handler waiting for ever, so the project was never analysed."""
    wire = Wire(project, answer={"workspace/configuration": 5})
    try:
        wire.initialize(project, {"workspace": {"configuration": True}})
        init = next((project / "prisma" / "migrations").glob("*_init")) / "migration.sql"
        got = wire.diagnostics(init.as_uri(), lambda p: bool(p["diagnostics"]), 30)
        assert got is not None, wire.stderr[-2000:]
    finally:
        wire.close()
