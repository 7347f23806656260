"""Inline ``prisma-down-ignore`` comments in committed migrations: a hint toward the config.

An inline comment keeps working, and in a migration not yet committed it is the easy way.
Once the migration is committed (shared, soon applied somewhere), writing a comment into its
migration.sql changes the checksum Prisma verifies (``migrate dev`` then reports the
migration modified) and makes prisma-down's down.sql stale; ``"ignore"`` in
``.prisma-down.json`` does the same without touching it. "Committed": git's HEAD holds
the file; outside a git repository, or without git, no hint. Asked of git only when a
migration.sql holds such a comment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HINT_RULE", "InlineIgnore", "committed", "hint", "inline_ignores"]

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


def committed(migrations_dir: Path, names: Iterable[str]) -> frozenset[str]:
    """Which of the migrations ``names`` have their migration.sql in git's HEAD."""
    wanted = set(names)
    git = shutil.which("git")
    if not wanted or git is None:
        return frozenset()
    try:
        listed = subprocess.run(
            [git, "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", "."],
            cwd=migrations_dir,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    if listed.returncode != 0:
        return frozenset()  # not a repository, or no commit yet
    found = set()
    for raw in listed.stdout.split(b"\0"):
        parts = os.fsdecode(raw).split("/")
        if len(parts) == 2 and parts[1] == "migration.sql" and parts[0] in wanted:
            found.add(parts[0])
    return frozenset(found)


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
    for name in sorted(committed(migrations_dir, texts)):
        path, text = texts[name]
        out += [(path, text, name, c) for c in inline_ignores(text)]
    return out
