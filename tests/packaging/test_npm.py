"""The npm package ``prisma-down``: packed from a clean clone, installed into a fresh app.

``npm pack`` in ``npm/`` runs its ``prepack`` (the shared ``scripts/bundle_server.py``)
with a system Python and no ``.venv``: the pinned pure-Python wheels are installed with pip.
The tarball is installed into a folder with a package.json and a Prisma migrations folder,
and ``npx prisma-down`` runs there on the system Python, with nothing pip-installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.packaging.conftest import REPO, tool

NPM_TIMEOUT = 600


def pyproject_version(root: Path = REPO) -> str:
    text = (root / "pyproject.toml").read_text()
    m = re.search(r'^\[project\]\n(?:.*\n)*?version = "([^"]+)"', text, flags=re.M)
    assert m
    return m.group(1)


@pytest.fixture(scope="module")
def tarball(clean_clone: Path, system_env: Mapping[str, str]) -> Path:
    """``npm pack`` in the clean clone's npm/ folder."""
    pack = subprocess.run(
        ["npm", "pack", "--json"],
        cwd=clean_clone / "npm",
        env=dict(system_env),
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
    )
    assert pack.returncode == 0, pack.stdout[-3000:] + pack.stderr[-3000:]
    assert "copied from" not in pack.stderr  # fetched by pip: no prepared environment used
    (info,) = json.loads(pack.stdout)
    path = clean_clone / "npm" / info["filename"]
    assert path.is_file()
    return path


def npx(app: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npx", "--no-install", "prisma-down", *args],
        cwd=app,
        env={**env, "XDG_CACHE_HOME": str(app / ".cache")},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def installed(tarball: Path, prisma_project: Path, system_env: Mapping[str, str]) -> Path:
    got = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--save-dev", str(tarball)],
        cwd=prisma_project,
        env=dict(system_env),
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
    )
    assert got.returncode == 0, got.stderr[-3000:]
    assert (prisma_project / "node_modules" / ".bin" / "prisma-down").exists()
    return prisma_project


def test_the_interfaces_of_the_npm_package() -> None:
    manifest = json.loads((REPO / "npm" / "package.json").read_text())
    assert manifest["name"] == "prisma-down"
    assert manifest["bin"] == {"prisma-down": "bin/prisma-down.js"}
    assert "prepack" in manifest["scripts"]
    assert manifest["version"] == pyproject_version()
    vscode = json.loads((REPO / "client-vscode" / "package.json").read_text())
    assert vscode["version"] == pyproject_version()


def test_the_bundle_pins_satisfy_pyproject() -> None:
    """Each pinned distribution that pyproject names is one pyproject accepts."""
    pins = dict(
        line.split("==")
        for line in (REPO / "scripts" / "bundled-requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    text = (REPO / "pyproject.toml").read_text()
    block = text[text.index("dependencies = [") : text.index("]", text.index("dependencies = ["))]
    named = [Requirement(r) for r in re.findall(r'^\s*"([^"]+)",', block, flags=re.M)]
    checked = 0
    for req in named:
        pin = next((v for k, v in pins.items() if k.lower() == req.name.lower()), None)
        if pin is None:
            assert req.name in ("sqlglotc", "psycopg-binary"), f"{req.name} is not bundled"
            continue
        assert req.specifier.contains(pin), f"{req.name}=={pin} does not satisfy {req}"
        checked += 1
    assert checked >= 5


def test_npm_pack_from_a_clean_clone(tarball: Path, clean_clone: Path) -> None:
    assert tarball.name == f"prisma-down-{pyproject_version(clean_clone)}.tgz"
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    for need in (
        "package/package.json",
        "package/bin/prisma-down.js",
        "package/README.md",
        "package/LICENSE",
        "package/prisma-down.schema.json",
        "package/python/prisma_down/cli.py",
        "package/python/sqlglot/__init__.py",
        "package/python/pygls/__init__.py",
        "package/python/psycopg/__init__.py",
        "package/python/pymysql/__init__.py",
    ):
        assert need in names, need
    compiled = [n for n in names if n.endswith((".so", ".pyd", ".dylib", ".dll", ".pyc"))]
    assert compiled == []
    assert not any(n.startswith("package/python/sqlglotc") for n in names)


def test_npx_check_and_generate_on_the_system_python(
    installed: Path, system_env: Mapping[str, str]
) -> None:
    check = npx(installed, system_env, "check")
    assert check.returncode == 0, check.stderr
    assert "8 migrations checked: 0 errors, 10 warnings" in check.stdout
    assert "missing-down-sql" in check.stdout

    generate = npx(installed, system_env, "generate")
    assert generate.returncode == 0, generate.stderr
    assert generate.stdout.splitlines()[-1] == "8 down.sql written"
    written = sorted(installed.glob("prisma/migrations/*/down.sql"))
    assert len(written) == 8
    # Byte for byte what this repository's prisma-down writes.
    for down in written:
        expected = subprocess.run(
            [sys.executable, "-m", "prisma_down.cli", "generate", str(down.parent), "--stdout"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert down.read_text() == expected

    again = npx(installed, system_env, "check", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert not any(r["rule"] == "missing-down-sql" for r in json.loads(again.stdout))

    # As a devDependency, from the app's package.json scripts.
    script = subprocess.run(
        ["npm", "run", "--silent", "check:migrations"],
        cwd=installed,
        env=dict(system_env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert script.returncode == 0, script.stderr
    assert "8 migrations checked" in script.stdout


def test_npx_passes_arguments_exit_codes_and_stderr_through(
    installed: Path, system_env: Mapping[str, str]
) -> None:
    version = npx(installed, system_env, "--version")
    assert version.stdout.strip() == f"prisma-down {pyproject_version()}"
    explain = npx(installed, system_env, "explain", "missing-down-sql")
    assert explain.returncode == 0 and explain.stdout.startswith("### missing-down-sql\n")
    bad = npx(installed, system_env, "check", "no/such/folder")
    assert bad.returncode == 2
    assert bad.stderr == "prisma-down: No such file or folder: no/such/folder\n"
    strict = npx(installed, system_env, "check", "--fail-on", "warning")
    assert strict.returncode == 1


def test_npx_without_python_says_what_to_install(
    installed: Path, system_env: Mapping[str, str], tmp_path: Path
) -> None:
    bare = tmp_path / "bare-bin"  # sh, node and npx: no python3 or python anywhere on PATH
    bare.mkdir()
    for name in ("sh", "node", "npx"):
        (bare / name).symlink_to(tool(name))
    env = {**system_env, "PATH": str(bare)}
    got = npx(installed, env, "check")
    assert got.returncode == 2
    assert got.stdout == ""
    lines = got.stderr.splitlines()
    assert len(lines) == 1, got.stderr
    assert lines[0].startswith("prisma-down: needs Python 3.10 or newer")
    assert "install it" in lines[0] and "PRISMA_DOWN_PYTHON" in lines[0]
    assert not list(installed.glob("prisma/migrations/*/down.sql"))


def test_the_schema_is_usable_as_dollar_schema(installed: Path) -> None:
    schema = installed / "node_modules" / "prisma-down" / "prisma-down.schema.json"
    assert json.loads(schema.read_text()) == json.loads(
        (REPO / "client-vscode" / "schemas" / "prisma-down.schema.json").read_text()
    )
