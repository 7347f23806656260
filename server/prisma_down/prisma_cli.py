"""The project's Prisma CLI: which package manager runs it, running it, reading its status.

prisma-down never connects to the user's database: Prisma does, with the project's own
configuration. The commands it prints and runs use the project's package manager, read
from its lockfile (the nearest one above the project): ``npx prisma`` (npm), ``pnpm exec
prisma``, ``yarn prisma``, ``bunx prisma``.

Which migrations are applied or failed comes from ``prisma migrate status``, parsed. Its
wording is Prisma's (prisma/prisma ``packages/migrate/src/commands/MigrateStatus.ts``);
what it decides from, the schema engine's ``diagnoseMigrationHistory``
(prisma/prisma-engines ``schema-engine/commands/src/commands/diagnose_migration_history.rs``):
a migration folder with no row in ``_prisma_migrations`` is "not yet applied"; a row
with neither ``finished_at`` nor ``rolled_back_at`` is failed. Two consequences read
from that source: a migration whose rows are all rolled back still counts as present
(status does not list it as pending, though ``migrate deploy`` applies it again), and
status prints the failed ones only when none is pending (it exits after the pending
list). The rollback scripts therefore check the row themselves (``history_sql``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from prisma_down.core.files import read_regular
from prisma_down.urls import scrub

__all__ = [
    "LOCKFILES",
    "PrismaError",
    "Status",
    "package_manager",
    "parse_status",
    "run",
    "runner",
]

# lockfile → package manager, in the order a folder is looked at
LOCKFILES = (
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
_RUNNERS = {
    "npm": ("npx", "prisma"),
    "pnpm": ("pnpm", "exec", "prisma"),
    "yarn": ("yarn", "prisma"),
    "bun": ("bunx", "prisma"),
}


class PrismaError(Exception):
    """One sentence for the user (exit code 2)."""


def package_manager(project: Path) -> str:
    """npm, pnpm, yarn or bun: from the nearest lockfile at or above ``project``, else the
    ``packageManager`` field of its package.json (corepack), else npm."""
    for folder in (project, *project.parents):
        for name, manager in LOCKFILES:
            if (folder / name).is_file():
                return manager
    try:
        data = json.loads(read_regular(project / "package.json"))
    except (OSError, ValueError):
        data = None
    field_value = data.get("packageManager") if isinstance(data, dict) else None
    if isinstance(field_value, str):
        name = field_value.split("@", 1)[0].strip()
        if name in _RUNNERS:
            return name
    return "npm"


def runner(project: Path) -> list[str]:
    """How the project runs its Prisma CLI: ``["bunx", "prisma"]`` for a bun project."""
    return list(_RUNNERS[package_manager(project)])


def shown_runner(project: Path) -> str:
    """The runner as the generated files and messages spell it (``npx prisma``)."""
    return " ".join(runner(project))


def resolve(argv: list[str]) -> list[str]:
    """``argv`` with its program found on PATH.

    Raises:
        PrismaError: the package manager is not installed.
    """
    found = shutil.which(argv[0])
    if found is None:
        raise PrismaError(
            f"this project runs Prisma with `{argv[0]}` (from its lockfile), but {argv[0]} "
            "is not installed or not on PATH"
        )
    return [found, *argv[1:]]


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str


def run(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    known: list[str | None],
    echo: bool = True,
) -> Ran:
    """Run a Prisma command; its output is passed on (``echo``) with every secret of
    ``known`` masked."""
    try:
        proc = subprocess.run(
            resolve(argv), cwd=cwd, env=env, capture_output=True, text=True,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError as error:
        raise PrismaError(f"could not run {argv[0]}: {error.strerror or error}") from None
    out, err = scrub(proc.stdout, *known), scrub(proc.stderr, *known)
    if echo:
        sys.stdout.write(out)
        sys.stderr.write(err)
    return Ran(proc.returncode, out, err)


# -- prisma migrate status -----------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Status:
    """What ``prisma migrate status`` said about the database's history."""

    pending: frozenset[str] = field(default_factory=frozenset)  # "not yet applied"
    failed: frozenset[str] = field(default_factory=frozenset)  # "have failed"
    unmanaged: bool = False  # "not managed by Prisma Migrate": no _prisma_migrations
    diverged: bool = False  # the database holds migrations prisma/migrations does not
    up_to_date: bool = False  # "Database schema is up to date!"

    @property
    def failures_hidden(self) -> bool:
        """Status lists failed migrations only when none is pending (MigrateStatus.ts
        exits after the pending list): with pending ones, a failed one may be unlisted."""
        return bool(self.pending) and not self.failed


def _names_after(text: str, heading: re.Pattern[str]) -> frozenset[str] | None:
    m = heading.search(text)
    if m is None:
        return None
    names = []
    for line in text[m.end() :].splitlines():
        if not line.strip():
            break
        names.append(line.strip())
    return frozenset(names)


_PENDING = re.compile(r"^Following migrations? have not yet been applied:\n", re.M)
_FAILED = re.compile(r"^Following migrations? have failed:\n", re.M)


def parse_status(stdout: str, stderr: str, code: int) -> Status:
    """Read ``prisma migrate status``'s output (MigrateStatus.ts's sentences).

    Raises:
        PrismaError: the output says none of the things status says (it could not
            connect, for one): Prisma's own message has been shown already.
    """
    text = _ANSI.sub("", stdout + "\n" + stderr).replace("\r\n", "\n")
    if "Your local migration history and the migrations table from your database are" in text:
        return Status(diverged=True)
    if "The current database is not managed by Prisma Migrate." in text:
        return Status(unmanaged=True)
    pending = _names_after(text, _PENDING)
    failed = _names_after(text, _FAILED)
    if pending is not None or failed is not None:
        return Status(pending=pending or frozenset(), failed=failed or frozenset())
    if "Database schema is up to date!" in text and code == 0:
        return Status(up_to_date=True)
    raise PrismaError(
        f"could not read the migration status from Prisma (exit code {code}): see its message above"
    )
