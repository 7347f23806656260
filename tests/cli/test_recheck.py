"""``check --recheck``: every down.sql replayed, generate's verdicts and the cache set aside.

A down.sql ``generate`` wrote and found restoring carries a ``restores`` verdict that
``check`` trusts (``tests/core/test_vouched.py``); ``--recheck`` is how a person who doubts
it gets the full replay, from the command line as documented.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from prisma_down.cli import main
from prisma_down.core import lint
from tests.cli.test_cli import MIGRATIONS, blog, run

__all__ = ["blog"]  # the fixture, used by name

REPO = Path(__file__).resolve().parents[2]


def test_check_help_and_readme_document_recheck(tmp_path: Path) -> None:
    proc = run(tmp_path, "check", "--help")
    assert proc.returncode == 0
    assert "--recheck" in proc.stdout and "replay every down.sql" in " ".join(proc.stdout.split())
    readme = (REPO / "README.md").read_text()
    assert "[--recheck]`" in readme and "`--recheck`\nreplays every down.sql" in readme


def test_recheck_replays_every_down_sql_and_reads_no_cache(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = blog / MIGRATIONS
    monkeypatch.setenv("XDG_CACHE_HOME", str(blog / ".test-cache"))
    with redirect_stdout(io.StringIO()):
        assert main(["generate", str(root)]) == 0
    trust: list[bool] = []
    real = lint.analyse_history

    def watched(*args: Any, **kwargs: Any) -> Any:
        trust.append(kwargs.get("trust", True))
        contexts = real(*args, **kwargs)
        vouched = [c.vouched for c in contexts]
        assert all(vouched) if kwargs.get("trust", True) else not any(vouched)
        return contexts

    monkeypatch.setattr(lint, "analyse_history", watched)
    outputs = []
    for args in ([], ["--recheck"], ["--recheck"], []):
        out = io.StringIO()
        with redirect_stdout(out):
            main(["check", str(root), "--format", "json", *args])
        outputs.append(json.loads(out.getvalue()))
    assert outputs[0] == outputs[1] == outputs[2] == outputs[3]
    assert outputs[0], "the blog has findings (drop-without-rename)"
    # the first check filled the cache; each --recheck analysed again, the last one did not
    assert trust == [True, False, False]
