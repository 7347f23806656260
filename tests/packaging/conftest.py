"""What the packaging tests share: a clean clone of the repository, and a machine's PATH.

``clean_clone`` copies the files git knows (tracked, or new and not ignored) into a temp
folder: no ``.venv``, no ``node_modules``, no bundle or build output, as a fresh
``git clone`` has. ``system_env`` is the environment of a user with Node and a system
Python on PATH and nothing of this repository's virtual environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "blog"


def missing(message: str) -> None:
    """Skip locally; fail under CI, where a skipped packaging test proves nothing."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def git_files(repo: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (repo / name).is_file()]


@pytest.fixture(scope="session")
def clean_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("clone") / "prisma-down"
    for name in git_files(REPO):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    assert not (dest / ".venv").exists() and not (dest / "client-vscode" / "node_modules").exists()
    return dest


def system_python() -> str:
    """A Python >= 3.10 that is not this test run's: $PRISMA_DOWN_SYSTEM_PYTHON, else
    /usr/bin/python3, else python3 on PATH outside the virtual environment."""
    candidates = [os.environ.get("PRISMA_DOWN_SYSTEM_PYTHON"), "/usr/bin/python3"]
    candidates.append(shutil.which("python3", path=_outside_venv(os.environ.get("PATH", ""))))
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info >= (3, 10))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() == "True":
            return candidate
    missing("no system Python >= 3.10 (set PRISMA_DOWN_SYSTEM_PYTHON)")
    raise AssertionError("unreachable")


def _outside_venv(path: str) -> str:
    keep = []
    for entry in path.split(os.pathsep):
        where = Path(entry) if entry else None
        if where is None or where.is_relative_to(REPO) or where.is_relative_to(sys.prefix):
            continue
        keep.append(entry)
    return os.pathsep.join(keep)


def tool(name: str) -> str:
    found = shutil.which(name, path=_outside_venv(os.environ.get("PATH", "")))
    if found is None:
        missing(f"no {name} on PATH")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def system_env(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, str]:
    """PATH: a folder holding only node, npm, npx and the system Python as python3."""
    bin_dir = tmp_path_factory.mktemp("system-bin")
    for name in ("node", "npm", "npx"):
        (bin_dir / name).symlink_to(tool(name))
    (bin_dir / "python3").symlink_to(system_python())
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PRISMA_DOWN_BUNDLE_PYTHON")
    }
    env["PATH"] = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    env["npm_config_update_notifier"] = "false"
    # What that user has: no prisma-down in the Python on PATH.
    probe = subprocess.run(
        ["python3", "-c", "import prisma_down"], env=env, capture_output=True, check=False
    )
    assert probe.returncode != 0, "the system Python must not have prisma-down installed"
    return env


@pytest.fixture
def prisma_project(tmp_path: Path) -> Iterator[Path]:
    """A fresh app: a package.json and the example's Prisma migrations, no down.sql."""
    app = tmp_path / "app"
    shutil.copytree(EXAMPLE / "prisma", app / "prisma")
    (app / "package.json").write_text(
        '{\n  "name": "app",\n  "private": true,\n'
        '  "scripts": { "check:migrations": "prisma-down check" }\n}\n'
    )
    yield app
