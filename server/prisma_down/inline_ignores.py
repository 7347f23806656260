"""Inline ``prisma-down-ignore`` comments in committed migrations: a hint toward the config.

An inline comment keeps working, and in a migration not yet committed it is the easy way.
Once the migration is committed (shared, soon applied somewhere), writing a comment into its
migration.sql changes the checksum Prisma verifies (``migrate dev`` then reports the
migration modified) and makes prisma-down's down.sql stale; ``"ignore"`` in
``.prisma-down.json`` does the same without touching it. The hint is for a comment added
after the file was first committed (git's HEAD holds it, and the version git first
recorded lacks that comment): a file committed with its comment, as ``revert`` writes
one, has had one checksum always. Outside a git repository, or without git, no hint.
Asked of git only when a migration.sql holds such a comment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "HINT_RULE",
    "InlineIgnore",
    "added_since_commit",
    "first_versions",
    "hint",
    "inline_ignores",
]

HINT_RULE = "inline-ignore-in-committed-migration"
_COMMENT = re.compile(r"--[ \t]*prisma-down-ignore(?:-file)?\b([^\n]*)", re.I)


@dataclass(frozen=True)
class InlineIgnore:
    """One suppression comment: where it is (code points) and the rules it names."""

    start: int
    end: int
    rules: tuple[str, ...]


def inline_ignores(text: str) -> list[InlineIgnore]:
    """The ``-- prisma-down-ignore`` comments of ``text`` (a quick look first: most
    files have none)."""
    if "prisma-down-ignore" not in text.lower():
        return []
    out = []
    for m in _COMMENT.finditer(text):
        rules = tuple(r for r in re.split(r"[\s,]+", m.group(1)) if re.fullmatch(r"[\w-]+", r))
        out.append(InlineIgnore(m.start(), m.end(), rules or ("*",)))
    return out


def _git(args: list[str], cwd: Path) -> bytes | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, *args], cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def first_versions(migrations_dir: Path, names: Iterable[str]) -> dict[str, str]:
    """The migration.sql text each of ``names`` had when first committed, for those git's
    HEAD holds (not a repository, no git: none)."""
    wanted = set(names)
    listed = _git(["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", "."], migrations_dir)
    if not wanted or listed is None:
        return {}
    out = {}
    for raw in listed.split(b"\0"):
        parts = os.fsdecode(raw).split("/")
        if len(parts) != 2 or parts[1] != "migration.sql" or parts[0] not in wanted:
            continue
        rel = f"{parts[0]}/migration.sql"
        added = _git(["log", "--diff-filter=A", "--format=%H", "HEAD", "--", rel], migrations_dir)
        commits = added.decode("ascii", "replace").split() if added else []
        first = _git(["show", f"{commits[-1]}:./{rel}"], migrations_dir) if commits else None
        if first is not None:
            out[parts[0]] = first.decode("utf-8", "replace")
    return out


def added_since_commit(text: str, first: str) -> list[InlineIgnore]:
    """The comments of ``text`` its first committed version did not hold: a file that was
    committed with its comment (a revert migration's) has had the same checksum always."""
    had = {" ".join(m.group(0).split()).lower() for m in _COMMENT.finditer(first)}
    return [
        c
        for c in inline_ignores(text)
        if " ".join(text[c.start : c.end].split()).lower() not in had
    ]


def hint(migration: str, rules: tuple[str, ...]) -> str:
    """What to say at an inline comment in a committed migration."""
    listed = ", ".join(f'"{r}"' for r in rules)
    return (
        f"{migration} is committed: once applied, editing its migration.sql changes the "
        "checksum Prisma verifies and makes down.sql stale. Put "
        f'"ignore": {{"{migration}": [{listed}]}} in .prisma-down.json instead '
        "(the editor's Ignore quick fix writes it)"
    )


def position(text: str, offset: int) -> tuple[int, int]:
    """Zero-based line and code-point column of ``offset``."""
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def scan(migrations_dir: Path) -> list[tuple[Path, str, str, InlineIgnore]]:
    """(migration.sql, its text, migration name, comment) for every inline comment in a
    committed migration of ``migrations_dir`` (read from disk: the CLI's view)."""
    texts: dict[str, tuple[Path, str]] = {}
    try:
        folders = sorted(p for p in migrations_dir.iterdir() if p.is_dir())
    except OSError:
        return []
    for folder in folders:
        path = folder / "migration.sql"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "prisma-down-ignore" in text.lower():
            texts[folder.name] = (path, text)
    out = []
    for name, first in sorted(first_versions(migrations_dir, texts).items()):
        path, text = texts[name]
        out += [(path, text, name, c) for c in added_since_commit(text, first)]
    return out
