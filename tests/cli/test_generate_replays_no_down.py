"""``generate`` replays the migration.sql files and the files it writes, nothing else.

A down.sql already on disk decides only whose file it is (``down_files.inspect``); what
``generate`` writes never depends on it, so none is analysed. Each file it writes it replays
once, to stamp the ones that restore (``lint.vouch``); ``check`` then replays none of those
(``--recheck``: every one). Observed on real runs of the command: every script the engine
replays passes through ``analysis.replay``, which the test watches (and calls through)
without replacing anything.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prisma_down.cli import main
from prisma_down.core import analysis
from tests.cli.test_cli import BLOG, DROP_BIO, MIGRATIONS

GARBAGE = "ALTER TABLE garbage ~~ ((( DROP;\n" * 20_000  # text, valid UTF-8, nonsense SQL
BINARY = b"\x00\xff\xfe garbage \x00" * 1000


@pytest.fixture
def blog(tmp_path: Path) -> Iterator[Path]:
    thresholds = gc.get_threshold()  # main() tunes the collector for a one-shot process
    dest = tmp_path / "blog"
    shutil.copytree(BLOG, dest)
    yield dest / MIGRATIONS
    gc.set_threshold(*thresholds)


@pytest.fixture
def replayed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every script the engine replays, in order."""
    seen: list[str] = []
    real = analysis.replay

    def watched(text: str, *args: Any, **kwargs: Any) -> analysis.ScriptAnalysis:
        seen.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(analysis, "replay", watched)
    return seen


def ups(root: Path) -> list[str]:
    return [p.read_bytes().decode() for p in sorted(root.glob("*/migration.sql"))]


def test_generate_replays_each_migration_once_and_no_down_sql(
    blog: Path, replayed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", str(blog)]) == 0
    downs = [p.read_bytes().decode() for p in sorted(blog.glob("*/down.sql"))]
    assert len(set(downs)) == 8
    assert replayed == ups(blog) + downs  # each written file once, after the history
    replayed.clear()
    # check replays no down.sql generate vouched for; --recheck replays every one
    main(["check", "--no-cache", str(blog)])
    assert replayed == ups(blog)
    replayed.clear()
    main(["check", "--no-cache", "--recheck", str(blog)])
    assert set(downs) <= set(replayed)
    replayed.clear()
    files = {p: p.read_bytes() for p in blog.glob("*/down.sql")}
    capsys.readouterr()
    assert main(["generate", "--force", str(blog)]) == 0
    assert "8 down.sql written" in capsys.readouterr().out
    assert replayed == ups(blog) + downs
    assert {p: p.read_bytes() for p in blog.glob("*/down.sql")} == files


def test_a_garbage_down_sql_changes_nothing_for_the_others(
    blog: Path, replayed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", str(blog)]) == 0
    clean = {p: p.read_bytes() for p in blog.glob("*/down.sql")}
    capsys.readouterr()
    assert main(["generate", "--force", str(blog)]) == 0
    expected = capsys.readouterr()
    target = blog / DROP_BIO / "down.sql"
    others = [line for line in expected.out.splitlines() if DROP_BIO not in line]
    for garbage in (GARBAGE.encode(), BINARY):
        target.write_bytes(garbage)
        replayed.clear()
        code = main(["generate", "--force", str(blog)])
        got = capsys.readouterr()
        assert code == 0
        assert got.err == expected.err
        assert [line for line in got.out.splitlines() if DROP_BIO not in line][:-1] == others[:-1]
        assert got.out.splitlines()[-1].startswith("7 down.sql written, 1 kept")
        written = [t.decode() for p, t in sorted(clean.items()) if p != target]
        assert replayed == ups(blog) + written  # the garbage was never analysed
        assert target.read_bytes() == garbage  # a person's file (or no SQL at all): kept
        for path, text in clean.items():
            if path != target:
                assert path.read_bytes() == text
