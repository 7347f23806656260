"""The .vsix builds from a clean clone, as client-vscode/README.md says, without a .venv.

``npm ci`` then ``npm run package`` in the clone's client-vscode/, with Node and a system
Python on PATH: the bundle's pinned wheels come from the package index through pip (the
shared ``scripts/bundle_server.py``). The package is then read as the Marketplace and Open
VSX read it: its manifest, icon, schemas and bundled server.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO
from tests.packaging.test_npm import pyproject_version


@pytest.fixture(scope="module")
def vsix(clean_clone: Path, system_env: Mapping[str, str]) -> tuple[Path, str]:
    client = clean_clone / "client-vscode"
    env = dict(system_env)
    ci = subprocess.run(
        ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=client,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ci.returncode == 0, ci.stdout[-3000:] + ci.stderr[-3000:]
    package = subprocess.run(
        ["npm", "run", "package"], cwd=client, env=env, capture_output=True, text=True, timeout=900
    )
    log = package.stdout + package.stderr
    assert package.returncode == 0, log[-6000:]
    return client / "prisma-down.vsix", log


def test_the_vsix_builds_from_a_clean_clone(vsix: tuple[Path, str]) -> None:
    path, log = vsix
    assert path.is_file()
    assert "copied from" not in log  # nothing came from a prepared environment
    assert "bundle-server: " in log and " ready (" in log
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("extension/package.json"))
        vsixmanifest = z.read("extension.vsixmanifest").decode()
        icon = z.read("extension/" + manifest["icon"])
    assert manifest["version"] == pyproject_version()
    for need in (
        "extension/dist/extension.js",
        "extension/bundled/libs/prisma_down/cli.py",
        "extension/bundled/libs/prisma_down/lsp/server.py",
        "extension/bundled/libs/pygls/__init__.py",
        "extension/bundled/libs/psycopg/__init__.py",
        "extension/bundled/libs/pymysql/__init__.py",
        "extension/license.txt",
        "extension/readme.md",
    ):
        assert need in {n.lower() if n.count("/") == 1 else n for n in names}, need
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dylib", ".dll", ".pyc"))]
    # The icon: a PNG of at least 128 x 128 (the Marketplace's rule), named by the manifest.
    assert icon[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", icon[16:24])
    assert width >= 128 and height >= 128
    assert re.search(r'Type="Microsoft\.VisualStudio\.Services\.Icons\.Default"', vsixmanifest)
    for entry in manifest["contributes"]["jsonValidation"]:
        assert "extension/" + entry["url"].removeprefix("./") in names, entry
    assert manifest["repository"]["url"].startswith("https://github.com/")
    assert manifest["bugs"]["url"] and manifest["homepage"]


def test_restricted_mode_and_registry_scripts() -> None:
    manifest = json.loads((REPO / "client-vscode" / "package.json").read_text())
    untrusted = manifest["capabilities"]["untrustedWorkspaces"]
    assert untrusted["supported"] == "limited"
    assert {"prismaDown.python", "prismaDown.server.path"} <= set(
        untrusted["restrictedConfigurations"]
    )
    settings = manifest["contributes"]["configuration"]["properties"]
    assert all(key in settings for key in untrusted["restrictedConfigurations"])
    scripts = manifest["scripts"]
    assert "--packagePath prisma-down.vsix" in scripts["publish:marketplace"]
    assert re.search(r"ovsx@[\d.]+ publish prisma-down\.vsix$", scripts["publish:open-vsx"])
    assert "--out prisma-down.vsix" in scripts["package"]
    activation = manifest["activationEvents"]
    assert "workspaceContains:**/migration_lock.toml" in activation
    assert "workspaceContains:**/.prisma-down.json" in activation
