"""Fill a folder with prisma-down and its pure-Python dependencies: one bundle, two users.

The VS Code extension (``client-vscode/bundled/libs``) runs ``python -m prisma_down.cli lsp``
and the npm package (``npm/python``) runs ``python -m prisma_down.cli …``, each with
``PYTHONPATH`` set to the bundle, so the user needs only a Python >= 3.10 interpreter.
Every distribution pinned in ``bundled-requirements.txt`` (beside this script) is copied
from the running interpreter's environment when the same version is installed there
(offline, exactly what the test suite ran), else installed with ``pip install --target
--no-deps`` (a clean clone: no prepared environment needed). ``sqlglotc`` and
``psycopg-binary`` are never bundled: they are compiled, and the bundle must run on any
interpreter. The result is checked: no compiled file, and ``import prisma_down.lsp.server``
works from it.

Usage: python scripts/bundle_server.py --target DIR [--repo DIR]
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
COMPILED = (".so", ".pyd", ".dylib", ".dll")


def pins(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            out.append((name.strip(), version.strip()))
    return out


def copy_installed(name: str, version: str, target: Path) -> bool:
    """Copy an installed distribution's files (its RECORD) when its version is the pinned one."""
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        return False
    if dist.version != version or not dist.files:
        return False
    for file in dist.files:
        parts = Path(str(file)).parts
        if not parts or parts[0] == ".." or "__pycache__" in parts:
            continue  # console scripts live outside site-packages; bytecode is rebuilt
        if str(file).endswith(COMPILED):
            raise SystemExit(f"bundle-server: {name} ships compiled {file}: not pure Python")
        src = Path(str(dist.locate_file(file)))
        dst = target / Path(*parts)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    return True


def pip_install(specs: list[str], target: Path) -> None:
    cmd = [
        *(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
        *("--no-deps", "--no-compile", "--only-binary=:all:", "--target", str(target), *specs),
    ]
    print("bundle-server: " + " ".join(cmd[2:]), file=sys.stderr)
    if subprocess.run(cmd, check=False).returncode != 0:
        raise SystemExit(
            f"bundle-server: {sys.executable} -m pip could not install {' '.join(specs)} "
            "(it needs pip and the package index, or those versions installed in this Python)"
        )


def copy_server(repo: Path, target: Path) -> None:
    src = repo / "server" / "prisma_down"
    if not (src / "cli.py").is_file():
        raise SystemExit(f"bundle-server: no prisma-down sources at {src}")
    shutil.copytree(
        src, target / "prisma_down", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )


def check(target: Path) -> None:
    compiled = [p for p in target.rglob("*") if p.suffix in COMPILED]
    if compiled:
        raise SystemExit(f"bundle-server: compiled files in the bundle: {compiled[:5]}")
    for p in target.rglob("__pycache__"):
        shutil.rmtree(p)
    probe = (
        "import sys, pymysql, sqlglot.tokens as t, prisma_down.lsp.server as s;"
        "assert not t.SQLGLOTC_INSTALLED, 'compiled sqlglot modules were loaded';"
        "assert s.__file__.startswith(sys.argv[1]), 'prisma_down was not loaded from the bundle'"
    )
    env = dict(os.environ, PYTHONPATH=str(target), PYTHONDONTWRITEBYTECODE="1")
    subprocess.run([sys.executable, "-c", probe, str(target)], check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, default=REPO)
    parser.add_argument("--target", type=Path, required=True)
    args = parser.parse_args()
    target: Path = args.target.resolve()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)

    missing = []
    for name, version in pins(HERE / "bundled-requirements.txt"):
        if copy_installed(name, version, target):
            print(f"bundle-server: {name}=={version} (copied from {sys.prefix})", file=sys.stderr)
        else:
            missing.append(f"{name}=={version}")
    if missing:
        pip_install(missing, target)
    copy_server(args.repo.resolve(), target)
    for stale in target.glob("bin"):
        shutil.rmtree(stale)
    check(target)
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"bundle-server: {target} ready ({size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
