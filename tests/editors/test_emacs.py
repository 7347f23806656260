"""A real Emacs (batch mode) with eglot against ``prisma-down lsp``, with the documented config.

Debian's ``emacs-nox`` (28.2) and ``elpa-eglot`` (1.9): ``bash scripts/setup-editors.sh``
installs them. Without ``emacs`` the test is skipped, except under CI, where it fails: a
skipped editor test proves nothing. ``PRISMA_DOWN_EMACS`` may name another emacs.

Eglot 1.9 advertises no ``resourceOperations``, so the server offers "Generate down.sql" as a
code action carrying the ``prismaDown.generateDownSql`` command, which writes the file itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "docs" / "emacs" / "prisma-down.el"
DOC = REPO / "docs" / "emacs.md"
SCRIPT = Path(__file__).with_name("emacs_generate.el")


@pytest.fixture
def emacs() -> str:
    found = os.environ.get("PRISMA_DOWN_EMACS") or shutil.which("emacs")
    if found is None:
        message = "no emacs: bash scripts/setup-editors.sh (emacs-nox, elpa-eglot)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _run_emacs(emacs: str, tmp_path: Path, project: Path, migration_sql: Path, via: str) -> str:
    """Run emacs_generate.el in a batch Emacs; assert it exits 0; return its log."""
    home = tmp_path / "home"  # no user init, no ~/.emacs.d writes
    home.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        PRISMA_DOWN_CONFIG=str(CONFIG),
        PRISMA_DOWN_LSP_CMD=json.dumps([sys.executable, "-m", "prisma_down.cli", "lsp"]),
        PRISMA_DOWN_MIGRATION=str(migration_sql),
        PRISMA_DOWN_VIA=via,
    )
    started = time.monotonic()
    proc = subprocess.run(
        [emacs, "--batch", "-l", str(SCRIPT)],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )
    elapsed = time.monotonic() - started
    report = f"emacs ({via}) exited {proc.returncode} after {elapsed:.1f}s\n"
    report += proc.stderr + proc.stdout
    print(report)
    assert proc.returncode == 0, report
    return report


@pytest.mark.parametrize(
    ("via", "migration"),
    [
        # The quick fix on the warning (eglot-code-actions, then its command).
        ("quickfix", "20240215090000_drop_user_bio"),
        # The documented C-c l d: the source.generateDownSql action, no menu.
        ("keymap", "20240301120000_add_editor_role"),
    ],
)
def test_generate_down_sql_in_emacs(emacs: str, tmp_path: Path, via: str, migration: str) -> None:
    project = tmp_path / "blog"
    shutil.copytree(REPO / "examples" / "blog", project)
    folder = project / "prisma" / "migrations" / migration
    assert not (folder / "down.sql").exists()

    # What the CLI would write; asked before Emacs runs (generate skips existing files).
    expected = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "generate", str(folder), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert expected.startswith("-- Down migration for " + migration)
    assert not (folder / "down.sql").exists()

    report = _run_emacs(emacs, tmp_path, project, folder / "migration.sql", via)

    assert (folder / "down.sql").read_text() == expected, report


def test_the_documented_elisp_is_the_el_file() -> None:
    """docs/emacs.md shows the configuration verbatim: the tested file is the documented one."""
    blocks = re.findall(r"^```elisp\n(.*?)^```$", DOC.read_text(), flags=re.S | re.M)
    assert CONFIG.read_text() in blocks, (
        f"{DOC.relative_to(REPO)} must contain {CONFIG.relative_to(REPO)} verbatim "
        "in an ```elisp block"
    )
