"""Writing the project's settings: ``baseline`` and ``ignore`` in ``.prisma-down.json``.

The CLI (``prisma-down baseline``) and the language server (its baseline offer, its
"Ignore" quick fix) change settings here, never a migration.sql: an inline comment in an
applied migration changes the checksum Prisma verifies and makes its down.sql stale.

Which file: the project's own config (``.prisma-down.json``, or the ``prismaDown`` key
of ``package.json``) when it sits in the project; else a new ``.prisma-down.json`` in
the project folder, starting from the settings of a shared config above it (a
monorepo's), so that nothing it said is lost. Written atomically, key order and
indentation kept; a file that is not valid JSON, or is a link, is left alone.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prisma_down.core.files import read_regular, reason
from prisma_down.core.project import CONFIG_CANDIDATES
from prisma_down.core.settings import CONFIG_FILE, find_config

__all__ = ["ConfigError", "ignore_rule", "project_root", "update"]

_MARKERS = ("package.json", "node_modules", CONFIG_FILE, *CONFIG_CANDIDATES)


class ConfigError(Exception):
    """One sentence for the user; nothing was written."""


def project_root(migrations_dir: Path) -> Path:
    """The project folder: the nearest above the migrations folder holding package.json,
    node_modules, a prisma config or .prisma-down.json, never above the folder holding
    ``prisma/`` (a monorepo's packages without package.json stay apart)."""
    limit = migrations_dir.parent.parent if migrations_dir.parent.name == "prisma" else None
    for folder in migrations_dir.parents:
        if folder == limit or any((folder / name).exists() for name in _MARKERS):
            return folder
    return limit or migrations_dir.parent


def update(migrations_dir: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """Apply ``change`` to the project's settings object and write it; the file written.

    Raises:
        ConfigError: the config cannot be read as JSON, is a link, or cannot be written.
    """
    root = project_root(migrations_dir)
    found = find_config(migrations_dir)
    if found is not None and _inside(found[0].parent, root):
        path = found[0]
        data = _read(path)
        if path.name == "package.json":
            settings = data.get("prismaDown")
            if not isinstance(settings, dict):
                raise ConfigError(f'{path}: "prismaDown" must be an object to add settings to')
            change(settings)
        else:
            change(data)
        _write(path, data, _indent(path))
        return path
    path = root / CONFIG_FILE
    data = {}
    if found is not None:  # a shared config above the project: keep what it says
        shared = _read(found[0])
        raw = shared.get("prismaDown") if found[0].name == "package.json" else shared
        data = dict(raw) if isinstance(raw, dict) else {}
    change(data)
    _write(path, data, "  ")
    return path


def ignore_rule(migrations_dir: Path, migration: str, rule: str) -> Path:
    """Add ``rule`` to ``"ignore": {migration: [...]}`` (the editor's "Ignore" quick fix);
    the file written. Entries already there are kept, a rule is listed once.

    Raises:
        ConfigError: as :func:`update`.
    """

    def change(settings: dict[str, Any]) -> None:
        ignore = settings.get("ignore")
        if not isinstance(ignore, dict):
            ignore = settings["ignore"] = {}
        rules = ignore.get(migration)
        rules = [rules] if isinstance(rules, str) else rules
        rules = [r for r in rules if isinstance(r, str)] if isinstance(rules, list) else []
        if rule not in rules and "*" not in rules:
            rules.append(rule)
        ignore[migration] = rules

    return update(migrations_dir, change)


def _inside(folder: Path, root: Path) -> bool:
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _read(path: Path) -> dict[str, Any]:
    if path.is_symlink():
        raise ConfigError(f"{path} is a link: add the setting to the file it points to by hand")
    try:
        data = json.loads(read_regular(path))
    except OSError as e:
        raise ConfigError(f"{path} cannot be read ({reason(e)})") from None
    except ValueError as e:
        raise ConfigError(f"{path} is not valid JSON ({e}): fix it first") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return data


def _indent(path: Path) -> str:
    """The indentation the file uses (two spaces when it cannot tell)."""
    try:
        text = read_regular(path).decode("utf-8", "replace")
    except OSError:
        return "  "
    m = re.search(r"^([ \t]+)\S", text, re.M)
    return m.group(1) if m else "  "


def _write(path: Path, data: dict[str, Any], indent: str) -> None:
    text = json.dumps(data, indent=indent, ensure_ascii=False) + "\n"
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise ConfigError(f"could not write {path} ({reason(e)})") from None
