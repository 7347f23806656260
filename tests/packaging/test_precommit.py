"""``.pre-commit-hooks.yaml``, run by the real pre-commit on a clean clone of this repository.

``pre-commit try-repo`` installs the hook as a user's ``.pre-commit-config.yaml`` would
(``language: python``: a virtualenv with this repository pip-installed) and runs it in a
git repository holding a Prisma project.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.packaging.conftest import REPO

HOOKS = REPO / ".pre-commit-hooks.yaml"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def pre_commit() -> list[str]:
    exe = Path(sys.executable).with_name("pre-commit")
    if not exe.exists():
        pytest.fail("pre-commit is missing: pip install -e '.[dev]'")
    return [str(exe)]


def test_the_manifest_is_valid_and_its_files_pattern_selects_migrations() -> None:
    validated = subprocess.run(
        [*pre_commit(), "validate-manifest", str(HOOKS)], capture_output=True, text=True
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "prisma-down-check"
    assert hook["entry"].split()[:2] == ["prisma-down", "check"]
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in (
        "prisma/migrations/20240101_init/migration.sql",
        "db/changes/1_init/down.sql",
        "prisma/migrations/migration_lock.toml",
        ".prisma-down.json",
    ):
        assert files.search(path), path
    for path in ("src/index.ts", "prisma/schema.prisma", "docs/migration.sql.md"):
        assert not files.search(path), path


def test_pre_commit_try_repo_runs_the_hook(clean_clone: Path, tmp_path: Path) -> None:
    hook_repo = tmp_path / "hook-repo"
    shutil.copytree(clean_clone, hook_repo)
    git(hook_repo, "init", "-q")
    git(hook_repo, "add", "-A")
    git(hook_repo, "commit", "-q", "-m", "prisma-down")

    app = tmp_path / "app"
    shutil.copytree(REPO / "examples" / "blog" / "prisma", app / "prisma")
    bad = app / "prisma" / "migrations" / "20240215090000_drop_user_bio" / "down.sql"
    bad.write_text('ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n')  # restores nothing
    git(app, "init", "-q")
    git(app, "add", "-A")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pre_commit(), "try-repo", str(hook_repo), "prisma-down-check", "--all-files"],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    failed = run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"prisma-down check\.+Failed", failed.stdout), failed.stdout
    assert "down-does-not-restore" in failed.stdout

    bad.unlink()
    git(app, "add", "-A")
    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"prisma-down check\.+Passed", passed.stdout), passed.stdout
