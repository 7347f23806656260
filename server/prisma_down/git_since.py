"""``check --since REF``: which migration folders a git ref did not have yet.

For pull requests: the findings of the migrations the branch adds, not of the history it
builds on. Asked of git itself (``git ls-tree``), in the repository holding the
migrations folder; nothing is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["GitError", "added_since"]


class GitError(Exception):
    """One sentence for the user (exit code 2)."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise GitError("--since needs git, which is not installed (or not on PATH)")
    try:
        return subprocess.run(
            [git, *args], cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise GitError(f"could not run git: {e}") from None


def added_since(migrations_dir: Path, ref: str) -> frozenset[str]:
    """The names of the migration folders in ``migrations_dir`` that ``ref`` lacks.

    Raises:
        GitError: no git, not a repository, or ``ref`` names no commit.
    """
    if not ref or ref.startswith("-") or "\0" in ref:
        raise GitError(f"--since {ref!r} is not a git ref")
    top = _git(["rev-parse", "--show-toplevel"], migrations_dir)
    if top.returncode != 0:
        raise GitError(f"--since needs a git repository: {migrations_dir} is not in one")
    root = Path(os.fsdecode(top.stdout.rstrip(b"\n")))
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    if commit.returncode != 0:
        raise GitError(f"--since {ref}: git knows no commit by that name")
    sha = commit.stdout.decode("ascii").strip()
    rel = Path(os.path.relpath(os.path.realpath(migrations_dir), os.path.realpath(root)))
    spec = f"{sha}:{'' if str(rel) == '.' else rel.as_posix()}"
    listed = _git(["ls-tree", "-z", "-d", "--name-only", spec], root)
    before = (
        {os.fsdecode(name) for name in listed.stdout.split(b"\0") if name}
        if listed.returncode == 0
        else set()  # the folder did not exist at ref: every migration is new
    )
    try:
        with os.scandir(migrations_dir) as entries:
            now = {e.name for e in entries if e.is_dir()}
    except OSError as e:
        raise GitError(f"cannot read {migrations_dir}: {e.strerror or e}") from None
    return frozenset(now - before)
