"""Every down.sql prisma-down writes passes prisma-down's own check.

For each history of the shared corpus (every provider it holds): ``generate`` into a copy,
then ``check --recheck`` (every file replayed, the verdicts generate stamped set aside). A
generated file reported as not restoring the schema, stale, or unreadable is a bug on one
side or the other (the catalog comparison said so of trigger.dev's enum replacement once,
for ``"public"."Status"`` against ``"Status"``). ``check`` trusting those verdicts must
report exactly the same.
"""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from prisma_down.cli import main
from tests.verify.conftest import require_corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ABOUT_DOWN = ("down-does-not-restore", "stale-down-sql", "unreadable-statement")


def _histories() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        h
        for provider in CORPUS.iterdir()
        if provider.is_dir()
        for h in provider.iterdir()
        if h.is_dir() and any(h.glob("*/migration.sql"))
    )


def test_corpus_is_there() -> None:
    require_corpus(CORPUS, _histories())


@pytest.mark.parametrize("history", _histories(), ids=lambda p: f"{p.parent.name}/{p.name}"[:70])
def test_generated_down_sql_passes_check(tmp_path: Path, history: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(history, copy, ignore=shutil.ignore_patterns("down.sql"))
    with redirect_stdout(io.StringIO()):
        assert main(["generate", str(copy)]) in (0, 1)
    assert list(copy.glob("*/down.sql")), "nothing was generated"
    outputs = []
    for recheck in (["--recheck"], []):
        out = io.StringIO()
        with redirect_stdout(out):
            args = ["check", str(copy), "--format", "json", "--fail-on", "never", "--no-cache"]
            main([*args, *recheck])
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1], "check trusting generate's verdicts reports otherwise"
    found = [f for f in json.loads(outputs[0]) if f["rule"] in ABOUT_DOWN]
    # an unreadable statement in the project's own migration.sql is the corpus's, not ours
    ours = [f for f in found if f["path"].endswith("down.sql") or f["rule"] != ABOUT_DOWN[2]]
    assert ours == [], "\n".join(f"{f['migration']}: {f['rule']} {f['message']}" for f in ours)
