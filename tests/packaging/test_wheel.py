"""The wheel and sdist, ready to publish: built from a clean clone, installed into a fresh venv.

``python -m build`` makes the sdist, then the wheel from the sdist (so the sdist is
complete). The wheel goes into a new virtual environment of the system Python with plain
``pip install`` (no extra), and ``prisma-down verify`` proves the example's down.sql files
on a private PostgreSQL: the driver came as an ordinary dependency.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Mapping
from email.parser import Parser
from pathlib import Path

import pytest

from prisma_down.verify.postgres import PostgresUnavailable, find_bin_dir
from tests.packaging.conftest import EXAMPLE, missing, system_python
from tests.packaging.test_npm import pyproject_version


@pytest.fixture(scope="module")
def dist(clean_clone: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(clean_clone)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment of the system Python with the wheel pip-installed."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([system_python(), "-m", "venv", str(where)], check=True, timeout=120)
    (wheel,) = dist.glob("*.whl")
    got = subprocess.run(
        [str(where / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
    return where


def test_sdist_and_wheel(dist: Path) -> None:
    version = pyproject_version()
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    assert sdist.name == f"prisma_down-{version}.tar.gz"
    assert wheel.name == f"prisma_down-{version}-py3-none-any.whl"
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for need in ("README.md", "LICENSE", "pyproject.toml", "server/prisma_down/cli.py"):
        assert need in names, need
    with zipfile.ZipFile(wheel) as z:
        files = set(z.namelist())
        metadata = Parser().parsestr(z.read(f"prisma_down-{version}.dist-info/METADATA").decode())
        entry_points = z.read(f"prisma_down-{version}.dist-info/entry_points.txt").decode()
    for need in ("prisma_down/rule_docs.py", "prisma_down/report.py", "prisma_down/py.typed"):
        assert need in files, need
    assert "prisma-down = prisma_down.cli:main" in entry_points
    requires = metadata.get_all("Requires-Dist") or []
    # The verify drivers are ordinary dependencies: no "; extra == ..." marker on them.
    for driver in ("psycopg", "pymysql"):
        found = [r for r in requires if r.lower().startswith(driver)]
        assert found and all("extra ==" not in r for r in found), requires
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["License-Expression"] == "MIT"


def test_the_wheel_in_a_fresh_venv_verifies_on_postgresql(venv: Path, tmp_path: Path) -> None:
    try:
        find_bin_dir()
    except PostgresUnavailable as e:
        missing(f"PostgreSQL is not installed: {e}")
    app = tmp_path / "app"
    shutil.copytree(EXAMPLE / "prisma", app / "prisma")
    env: Mapping[str, str] = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    exe = str(venv / "bin" / "prisma-down")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, env=env)
    assert version.stdout.strip() == f"prisma-down {pyproject_version()}"
    generate = subprocess.run([exe, "generate"], cwd=app, capture_output=True, text=True, env=env)
    assert generate.returncode == 0, generate.stderr
    verify = subprocess.run(
        [exe, "verify"], cwd=app, capture_output=True, text=True, env=env, timeout=300
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # with rows (the default): the rows modules are in the wheel too
    summary = verify.stdout.splitlines()[-1]
    assert summary.startswith("8 migrations: 8 restored, 0 failed; with rows: "), summary
    # It ran the driver of the venv, not of this test run.
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import psycopg, pymysql; print(psycopg.__file__)"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert where.returncode == 0 and where.stdout.startswith(str(venv)), where.stderr
