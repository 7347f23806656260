"""Which projects a command works on: PATH (positional or ``--path``), one or every one.

Every command takes the same PATH: a positional argument or ``--path DIR`` (the same
meaning; both at once must agree), by default the current folder. ``check``,
``generate``, ``verify`` and ``baseline`` work on every migrations folder PATH stands for
(a monorepo's root holds several: :func:`prisma_down.core.project.locate_all`) and say
which they used; ``rollback`` and ``revert`` need exactly one.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from prisma_down.core.files import inside
from prisma_down.core.project import Located, ProjectError, locate, locate_all
from prisma_down.core.settings import Settings, load_project
from prisma_down.display import printable, show

if TYPE_CHECKING:
    from prisma_down.core.history import History

PATH_HELP = (
    "PATH: a project folder, a folder holding several projects, a migrations folder or one "
    "migration folder, given as a positional argument or as --path DIR (default: the "
    "current folder)"
)

ONE_PATH_HELP = (
    "PATH: the project folder or its migrations folder, as --path DIR only (the positional "
    "argument is the migration; it may also be given as its folder's path); default: the "
    "current folder"
)


class UsageError(Exception):
    """One sentence for the user; exit code 2."""


@dataclass(frozen=True)
class Project:
    """One migrations folder and the settings that apply to it."""

    located: Located
    settings: Settings

    @property
    def migrations_dir(self) -> Path:
        return self.located.migrations_dir

    @property
    def only(self) -> str | None:
        return self.located.only_migration


def add_path(sp: argparse.ArgumentParser, positional: bool = True) -> None:
    """PATH, the same way on every command."""
    if positional:
        sp.add_argument("path", nargs="?", default=None, metavar="PATH", help=PATH_HELP)
    sp.add_argument(
        "--path",
        dest="path_option",
        metavar="DIR",
        default=None,
        help="the same PATH as the positional one" if positional else ONE_PATH_HELP,
    )


def path_of(args: argparse.Namespace) -> Path:
    """The PATH the user gave, positional or ``--path``."""
    given = getattr(args, "path", None)
    option = getattr(args, "path_option", None)
    if given is not None and option is not None and Path(given) != Path(option):
        raise UsageError(f"two paths given ({given} and --path {option}): give one")
    return Path(option or given or ".")


def report(message: str) -> None:
    print(f"prisma-down: {printable(message)}", file=sys.stderr)


def find(path: Path, many: bool) -> list[Project]:
    """The projects PATH stands for; with ``many`` false, exactly one (else a UsageError).

    Raises:
        UsageError, ProjectError: no such path, no migrations folder, or several where one
            is needed.
    """
    if not path.exists():
        raise UsageError(f"No such file or folder: {path}")
    settings = load_project(path.resolve(), report)
    if settings.migrations_path is not None:
        found = [locate(path, settings.migrations_path)]
    else:
        found = locate_all(path)
    if len(found) > 1 and not many:
        names = ", ".join(show(f.migrations_dir) for f in found)
        raise UsageError(
            f"{path} holds {len(found)} Prisma projects ({names}): run this in one of them "
            "or give its folder with --path"
        )
    projects = []
    for located in found:
        own = settings if len(found) == 1 else load_project(located.migrations_dir, report)
        _say_if_outside(located, own)
        projects.append(Project(located, own))
    if len(projects) > 1:
        print(
            f"prisma-down: {len(projects)} projects under {printable(str(path))}: "
            + ", ".join(show(p.migrations_dir) for p in projects),
            file=sys.stderr,
        )
    return projects


def one_migration(args: argparse.Namespace) -> tuple[Project, str | None]:
    """``rollback``/``revert``: the project (PATH: ``--path``) and NAME, which may also be
    given as the path of a migration folder (``prisma/migrations/2024…_x``)."""
    name: str | None = args.name
    if name is not None and ("/" in name or os.sep in name) and Path(name).exists():
        if getattr(args, "path_option", None) is not None:
            raise UsageError(f"{name} is a path: give it, or --path and a migration name")
        project = find(Path(name), many=False)[0]
        if project.only is None:
            raise UsageError(f"{name} is not a migration folder")
        return project, project.only
    project = find(path_of(args), many=False)[0]
    return project, name or project.only


def _say_if_outside(located: Located, settings: Settings) -> None:
    """A config may name migrations outside its project (a monorepo's shared folder, or
    an absolute path in a cloned repository): say where prisma-down reads and writes."""
    named_by = located.config_file
    if named_by is None and settings.migrations_path is not None:
        named_by = settings.source
    if named_by is None:
        return
    here = os.path.realpath(located.migrations_dir)
    if not inside(here, os.path.realpath(named_by.parent)):
        print(
            f"prisma-down: {show(named_by)} names a migrations folder outside its project "
            f"folder: reading and writing {printable(here)}",
            file=sys.stderr,
        )


def history(project: Project, dialect: str | None) -> History:
    """The project's history; a UsageError when it holds no migration (or not the one
    PATH named)."""
    from prisma_down.core.history import load_history

    located = project.located
    loaded = load_history(located.migrations_dir, dialect or project.settings.dialect)
    if not loaded.migrations:
        raise UsageError(
            f"no migrations found in {show(located.migrations_dir)} "
            "(expected folders holding a migration.sql)"
        )
    if located.only_migration is not None and loaded.index_of(located.only_migration) is None:
        raise UsageError(f"{located.only_migration} has no migration.sql")
    return loaded


def require_supported(history: History) -> None:
    from prisma_down.core.read import SUPPORTED

    if history.dialect not in SUPPORTED:
        raise UsageError(
            f"the {history.provider or history.dialect} provider is not supported yet "
            f"(supported: {', '.join(SUPPORTED)}; pass --dialect if the lock file is wrong)"
        )


def baselined(history: History, settings: Settings) -> frozenset[str]:
    """The migrations the project's baseline covers (said once when it names none)."""
    from prisma_down.core.lint import baselined as covered

    names = covered(history, settings.baseline)
    if names is None:
        where = show(settings.source) if settings.source is not None else "the settings"
        report(
            f"{where}: the baseline {settings.baseline!r} names no migration of "
            f"{show(history.root)}: ignored"
        )
        return frozenset()
    return names


def each(projects: list[Project], run: Callable[[Project], int]) -> int:
    """Run a command per project; a project's bad input is said and the others still run.
    The exit code is the worst (2 for bad input)."""
    worst = 0
    for project in projects:
        try:
            code = run(project)
        except (UsageError, ProjectError) as e:
            if len(projects) == 1:
                raise
            report(str(e))
            code = 2
        worst = max(worst, code)
    return worst
