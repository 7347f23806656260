"""``prisma-down baseline [PATH] [NAME]``: adopt prisma-down on an existing history.

Writes ``"baseline": NAME`` (default: the last migration) into the project's settings
(:mod:`prisma_down.config_file`): that migration and every one before it still build
the schema, but get no findings and no generated down.sql unless named explicitly. In a
folder holding several projects, each gets its own (NAME, when given, picks the project
holding it). No migration file is touched.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from prisma_down.config_file import ConfigError, update
from prisma_down.display import printable, show
from prisma_down.projects import Project, UsageError, each, find, history, path_of

__all__ = ["baseline", "write_baseline"]


def write_baseline(migrations_dir: Path, name: str) -> Path:
    """Set the project's baseline to ``name``; the settings file written.

    Raises:
        ConfigError: the settings file cannot be read or written.
    """

    def change(settings: dict[str, Any]) -> None:
        settings["baseline"] = name

    return update(migrations_dir, change)


def baseline(args: argparse.Namespace) -> int:
    path, name = _arguments(args)
    projects = find(path, many=True)
    holding: list[Project] = []
    if name is not None:
        for project in projects:
            if history(project, args.dialect).index_of(name) is not None:
                holding.append(project)
        if not holding:
            raise UsageError(f"there is no migration named {name} under {path}")
        projects = holding

    def one(project: Project) -> int:
        loaded = history(project, args.dialect)
        chosen = name or project.only or loaded.migrations[-1].name
        index = loaded.index_of(chosen)
        if index is None:
            raise UsageError(f"there is no migration named {chosen}")
        try:
            written = write_baseline(project.migrations_dir, chosen)
        except ConfigError as e:
            raise UsageError(str(e)) from None
        print(
            f"baseline {printable(chosen)} written to {show(written)}: its {index + 1} "
            f"migration{'' if index == 0 else 's'} in {show(project.migrations_dir)} get no "
            "findings and no generated down.sql unless named"
        )
        return 0

    return each(projects, one)


def _arguments(args: argparse.Namespace) -> tuple[Path, str | None]:
    """``baseline [PATH] [NAME]``: one positional is PATH when it exists, else NAME."""
    given = [a for a in (args.path, args.name) if a is not None]
    option = getattr(args, "path_option", None)
    if len(given) == 2:
        if option is not None:
            raise UsageError(f"two paths given ({given[0]} and --path {option}): give one")
        return Path(given[0]), given[1]
    if len(given) == 1 and (option is not None or not Path(given[0]).exists()):
        return Path(option or "."), given[0]
    args.path = given[0] if given else None
    return path_of(args), None
