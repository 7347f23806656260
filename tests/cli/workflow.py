"""Helpers shared by the workflow tests: run the CLI in a folder, copy example projects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BLOG = REPO / "examples" / "blog"
CORPUS = REPO.parent / "shared" / "corpus"
TRIGGER = (
    CORPUS
    / "postgresql"
    / "triggerdotdev__trigger.dev--internal-packages-database-prisma-migrations"
)


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``prisma-down ARGS`` in ``cwd``, with a private cache; never a traceback."""
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ |= {"PYTHONIOENCODING": "utf-8", "XDG_CACHE_HOME": str(cwd / ".test-cache")}
    environ |= env or {}
    proc = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def findings(cwd: Path, *args: str) -> list[dict[str, Any]]:
    """``check --format json`` rows (the exit code may be 0 or 1, never 2)."""
    proc = run(cwd, "check", "--format", "json", "--fail-on", "never", *args)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert isinstance(rows, list)
    return rows


def blog(tmp: Path, name: str = "app") -> Path:
    """A copy of the bundled blog project."""
    root = tmp / name
    shutil.copytree(BLOG, root)
    return root


def add_migration(migrations: Path, name: str, sql: str) -> Path:
    folder = migrations / name
    folder.mkdir()
    (folder / "migration.sql").write_text(sql)
    return folder
