"""Find a project's Prisma migrations folder and its database provider.

Prisma's own rules are followed where they can be read without running code:
``prisma.config.ts`` (``migrations.path``) names the folder, else it sits next to the
schema, by default ``prisma/migrations``. The config file is TypeScript, so it is read as
text: only a plain string literal (or ``path.join`` of literals) counts as a path.
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from prisma_down.core.config_ts import (
    Token,
    matching_brace,
    property_at,
    static_path,
    token_at,
    tokenize,
)
from prisma_down.core.files import read_regular

__all__ = [
    "CONFIG_CANDIDATES",
    "DIALECTS",
    "LOCK_FILE",
    "MIGRATION_FILE",
    "Located",
    "ProjectError",
    "locate",
    "locate_all",
    "provider_dialect",
    "read_provider",
]

LOCK_FILE = "migration_lock.toml"
MIGRATION_FILE = "migration.sql"

DIALECTS: Mapping[str, str] = MappingProxyType(
    {
        "postgresql": "postgres",
        "cockroachdb": "cockroachdb",
        "mysql": "mysql",
        "sqlite": "sqlite",
        "sqlserver": "tsql",
        "mssql": "tsql",  # what Prisma writes into migration_lock.toml for SQL Server
    }
)

# Prisma's discovery order (packages/config/src/loadConfigFromFile.ts): Prisma 7 names
# first, then the legacy ones; extensions in c12's order.
_EXTENSIONS = (".js", ".ts", ".mjs", ".cjs", ".mts", ".cts")
_CONFIG_BASENAMES = ("prisma7.config", ".config/prisma7")
_LEGACY_BASENAMES = ("prisma.config", ".config/prisma", ".config/prisma.config")
CONFIG_CANDIDATES: tuple[str, ...] = (
    *(base + ext for base in _CONFIG_BASENAMES for ext in _EXTENSIONS),
    *(
        name
        for base in _LEGACY_BASENAMES
        for name in (
            *(base + ext for ext in _EXTENSIONS),
            *(f"{base}/index{ext}" for ext in _EXTENSIONS),
        )
    ),
)

_SKIP_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn"})
_SEARCH_DEPTH = 6
_SEARCH_LIMIT = 20_000  # folders visited by the downward search, to stay fast in huge trees


class ProjectError(Exception):
    """A project problem, worded as one sentence a TypeScript developer can act on."""


@dataclass(frozen=True)
class Located:
    """Where a project's migrations live, and how that was decided."""

    migrations_dir: Path
    only_migration: str | None = None
    config_file: Path | None = None


# the names a setting or --dialect may give: a dialect's own or a provider's (settings.py)
SETTING_NAMES = ("postgres", "postgresql", "cockroachdb", "mysql", "sqlite", "sqlserver", "mssql")


def names_a_dialect(name: object) -> bool:
    """Whether a setting's value is one of ``SETTING_NAMES``."""
    return name in SETTING_NAMES


def chosen_dialect(name: str) -> str:
    """The dialect a setting or --dialect names: a dialect's own name, or a provider's."""
    return name if name in DIALECTS.values() else provider_dialect(name)


def provider_dialect(provider: str) -> str:
    """Map a Prisma provider name to the dialect the engine speaks."""
    dialect = DIALECTS.get(provider.strip().lower())
    if dialect is None:
        accepted = ", ".join(f'"{name}"' for name in DIALECTS)
        raise ProjectError(
            f'Unsupported database provider "{provider}": prisma-down works with {accepted}.'
        )
    return dialect


_PROVIDER_LINE = re.compile(r"""^[ \t]*provider[ \t]*=[ \t]*(?:"([^"\n]*)"|'([^'\n]*)')""", re.M)


def read_provider(migrations_dir: Path) -> str | None:
    """The raw ``provider`` from ``migration_lock.toml``; None when absent or unreadable."""
    try:
        text = read_regular(migrations_dir / LOCK_FILE).decode("utf-8", "replace")
    except OSError:
        return None
    match = _PROVIDER_LINE.search(text.lstrip("\ufeff"))
    if match is None:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def locate(path: Path, migrations_path: str | None = None) -> Located:
    """Find the migrations folder for any file or folder inside a project.

    Args:
        path: a file or folder the user is working in.
        migrations_path: an explicit setting; relative to ``path`` when relative.

    Raises:
        ProjectError: the path does not exist, or no migrations folder was found.
    """
    if not os.path.lexists(path):
        raise ProjectError(f"No such file or folder: {path}")
    start = _resolve(Path(os.path.abspath(path)), str(path))
    folder = start if start.is_dir() else start.parent

    if migrations_path is not None:
        chosen = _resolve(folder / _no_nul(migrations_path, "the migrationsPath setting"), "")
        only = folder.name if _is_migration(folder) and folder.parent == chosen else None
        return _inside_one(Located(chosen, only), folder, path)

    if _is_migrations_folder(folder):
        return Located(folder)
    if _is_migration(folder):
        return Located(folder.parent, folder.name)

    for level in (folder, *folder.parents):
        found = _at_level(level)
        if found is not None:
            return _inside_one(found, folder, path)

    below = _search_below(folder)
    if below is not None:
        return Located(below)
    raise ProjectError(
        f"No Prisma migrations folder found for {path}: looked for prisma/migrations and "
        "for a prisma.config.ts with migrations.path in that folder and every folder above "
        f"it, and for a folder holding {LOCK_FILE} below it."
    )


def locate_all(path: Path, migrations_path: str | None = None) -> list[Located]:
    """Every migrations folder ``path`` stands for: the one :func:`locate` finds for a
    path inside a project; for a folder above several projects (a monorepo's root, with
    ``packages/a/prisma`` and ``packages/b/prisma``), the project at that folder itself
    (by Prisma's rules) and every migrations folder below it, in path order.

    Raises:
        ProjectError: as :func:`locate`, when there is none.
    """
    if migrations_path is not None or not os.path.isdir(path):
        return [locate(path, migrations_path)]
    folder = _resolve(Path(os.path.abspath(path)), str(path))
    if _is_migrations_folder(folder) or _is_migration(folder):
        return [locate(path)]
    here = _at_level(folder)
    found = [here] if here is not None else []
    seen = {os.path.realpath(f.migrations_dir) for f in found}
    for below in _search_all_below(folder):
        real = os.path.realpath(below)
        if real not in seen and not any(inside_path(real, s) for s in seen):
            seen.add(real)
            found.append(Located(below))
    if not found:
        return [locate(path)]  # a folder inside a project, found upwards, or the error
    if here is not None and len(found) == 1:
        return [_inside_one(here, folder, path)]
    return found


def inside_path(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or below it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _inside_one(located: Located, folder: Path, path: Path) -> Located:
    """A path inside the migrations folder must be in a migration: ``generate <folder>``
    of a folder without migration.sql must not mean "every migration"."""
    top = located.migrations_dir
    if located.only_migration is None and folder != top and top in folder.parents:
        raise ProjectError(
            f"{path} is not a migration folder: it is inside the migrations folder {top} "
            f"but holds no {MIGRATION_FILE}"
        )
    return located


def _no_nul(value: str, what: str) -> str:
    if "\0" in value:
        raise ProjectError(f"{what} holds a NUL character, which no path can contain")
    return value


def _resolve(path: Path, shown: str) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as e:  # a loop of links (RuntimeError before 3.13)
        raise ProjectError(f"{shown or path} cannot be followed: {e}") from None


def _is_migration(folder: Path) -> bool:
    return os.path.lexists(folder / MIGRATION_FILE)


def _is_migrations_folder(folder: Path) -> bool:
    if (folder / LOCK_FILE).is_file():
        return True
    try:
        with os.scandir(folder) as entries:
            return any(
                entry.is_dir() and os.path.lexists(os.path.join(entry.path, MIGRATION_FILE))
                for entry in entries
            )
    except OSError:
        return False


def _at_level(level: Path) -> Located | None:
    """Apply Prisma's rules in one folder: config file, package.json, prisma/migrations."""
    config = next((level / c for c in CONFIG_CANDIDATES if (level / c).is_file()), None)
    if config is not None:
        named = _from_config(config)
        if named is not None:
            return Located(named, None, config)
    else:
        package = level / "package.json"
        from_package = _from_package_json(package)
        if from_package is not None:
            return Located(from_package, None, package)
    default = level / "prisma" / "migrations"
    if default.is_dir():
        return Located(default.resolve())
    return None


def _from_config(config: Path) -> Path | None:
    """The folder a config file names statically, or None to fall back to the defaults."""
    try:
        source = read_regular(config).decode("utf-8", "replace")
    except OSError:
        return None
    # Prisma resolves relative paths against the config file's own folder, also for
    # .config/prisma.ts (transformPathsInConfigToAbsolute: path.dirname(resolvedPath)).
    base = config.parent
    tokens = tokenize(source)
    migrations = property_at(tokens, "migrations")
    if migrations is not None:
        if token_at(tokens, migrations) != ("punct", "{"):
            return None  # `migrations: someVariable`: not readable statically
        inner = property_at(tokens, "path", migrations + 1, matching_brace(tokens, migrations))
        if inner is not None:
            value = static_path(tokens, inner, base)
            if value is None:
                return None
            return _resolve(base / _no_nul(value, f"{config.name}'s migrations.path"), "")
    return _next_to_schema(tokens, base, config)


def _next_to_schema(tokens: list[Token], base: Path, config: Path) -> Path | None:
    """Without migrations.path, Prisma keeps migrations next to the schema."""
    at = property_at(tokens, "schema")
    value = None if at is None else static_path(tokens, at, base)
    if value is None:
        return None
    schema = _resolve(base / _no_nul(value, f"{config.name}'s schema"), "")
    folder = schema.parent if schema.suffix == ".prisma" else schema
    candidate = folder / "migrations"
    return candidate if candidate.is_dir() else None


def _from_package_json(package: Path) -> Path | None:
    """Prisma 6 and earlier read ``"prisma": {"schema": ...}`` from package.json."""
    try:
        data = json.loads(read_regular(package))
    except (OSError, ValueError):
        return None
    prisma = data.get("prisma") if isinstance(data, dict) else None
    schema = prisma.get("schema") if isinstance(prisma, dict) else None
    if not isinstance(schema, str) or not schema:
        return None
    resolved = _resolve(package.parent / _no_nul(schema, "package.json's prisma.schema"), "")
    folder = resolved.parent if resolved.suffix == ".prisma" else resolved
    candidate = folder / "migrations"
    return candidate if candidate.is_dir() else None


def _search_all_below(folder: Path) -> list[Path]:
    """Every folder below ``folder`` holding migration_lock.toml, not looking inside one
    (its migration folders hold no other project), breadth first, sorted per level."""
    queue: deque[tuple[Path, int]] = deque([(folder, 0)])
    visited = 0
    found: list[Path] = []
    while queue and visited < _SEARCH_LIMIT:
        current, depth = queue.popleft()
        visited += 1
        if depth > 0 and (current / LOCK_FILE).is_file():
            found.append(current)
            continue
        if depth == _SEARCH_DEPTH:
            continue
        try:
            with os.scandir(current) as entries:
                names = sorted(
                    e.name
                    for e in entries
                    if e.name not in _SKIP_DIRS and e.is_dir(follow_symlinks=False)
                )
        except OSError:
            continue
        queue.extend((current / name, depth + 1) for name in names)
    return sorted(found)


def _search_below(folder: Path) -> Path | None:
    """The nearest folder below ``folder`` holding migration_lock.toml (breadth first)."""
    queue: deque[tuple[Path, int]] = deque([(folder, 0)])
    visited = 0
    while queue and visited < _SEARCH_LIMIT:
        current, depth = queue.popleft()
        visited += 1
        if depth > 0 and (current / LOCK_FILE).is_file():
            return current
        if depth == _SEARCH_DEPTH:
            continue
        try:
            with os.scandir(current) as entries:
                names = sorted(
                    e.name
                    for e in entries
                    if e.name not in _SKIP_DIRS and e.is_dir(follow_symlinks=False)
                )
        except OSError:
            continue
        queue.extend((current / name, depth + 1) for name in names)
    return None
