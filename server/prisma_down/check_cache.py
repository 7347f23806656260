"""The CLI's cache of ``check`` answers, keyed by the bytes of everything they depend on.

A check of an unchanged project (the usual case in a pre-commit hook, a watch loop or CI
with a cached ``node_modules``) hashes the raw files and prints the stored answer without
reading the history into objects or loading the engine. The key covers prisma-down's
version, the settings, the dialect override, ``migration_lock.toml`` and every
migration.sql and down.sql byte of every migration folder; anything changing means a
miss, never a stale answer. Answers are kept per output variant (format, ``--fail-on``,
working folder, one migration), findings once per key.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from prisma_down.core.files import inside, read_regular

Row = dict[str, Any]
_FILES = ("migration.sql", "down.sql")


def roots(migrations_dir: Path) -> list[Path]:
    """Where prisma-down may keep files for this project, best first, none inside the
    migrations folder: ``node_modules/.cache/prisma-down`` of the project when it has one,
    then the user's cache (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    out: list[Path] = []
    for folder in (migrations_dir, *migrations_dir.parents):
        if (folder / "package.json").is_file():
            if (folder / "node_modules").is_dir():
                out.append(folder / "node_modules" / ".cache" / "prisma-down")
            break
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        out.append(Path(base) / "prisma-down")
    except RuntimeError:  # no $HOME and no password entry: no user cache
        pass
    real = os.path.realpath(migrations_dir)
    return [root for root in out if not inside(os.path.realpath(root), real)]


def project_id(migrations_dir: Path) -> str:
    """A short name for one migrations folder among those sharing the user's cache."""
    return hashlib.sha256(os.fsencode(migrations_dir.resolve())).hexdigest()[:20]


def location(migrations_dir: Path) -> Path | None:
    """The cache file of ``check`` for this migrations folder; None when there is nowhere."""
    found = roots(migrations_dir)
    return found[0] / f"{project_id(migrations_dir)}.json" if found else None


def key(migrations_dir: Path, head: str) -> str | None:
    """sha256 over ``head`` and the raw bytes of the folder's migrations; None if unreadable.

    Plain ``os`` calls on purpose: this is the whole cost of a cached check.
    """
    h = hashlib.sha256(head.encode("utf-8", "surrogateescape"))
    base = os.fspath(migrations_dir)
    try:
        with os.scandir(base) as it:
            names = sorted(e.name for e in it if e.is_dir())
    except OSError:
        return None
    for name in (None, *names):
        folder = base if name is None else os.path.join(base, name)
        if name is not None:
            h.update(b"\0dir " + name.encode("utf-8", "surrogateescape"))
        for file in ("migration_lock.toml",) if name is None else _FILES:
            try:
                data = read_regular(os.path.join(folder, file))
            except FileNotFoundError:
                h.update(b"\0none")
                continue
            except OSError:
                return None  # unreadable, special or too large: let the full check say why
            h.update(b"\0%d:" % len(data))
            h.update(data)
    return h.hexdigest()


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_regular(path))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def answer(path: Path, content_key: str, variant: str) -> tuple[str, int] | None:
    """The stored output and exit code of this variant, if the key still matches."""
    data = _read(path)
    if data.get("key") != content_key:
        return None
    hit = data.get("outputs", {}).get(variant)
    if isinstance(hit, list) and len(hit) == 2 and isinstance(hit[0], str):
        return hit[0], int(hit[1])
    return None


def findings(path: Path, content_key: str) -> list[Row] | None:
    """The stored findings (absolute paths) of this key: another variant of the same history."""
    data = _read(path)
    rows = data.get("findings") if data.get("key") == content_key else None
    return rows if isinstance(rows, list) else None


def store(path: Path, content_key: str, variant: str, rows: list[Row], out: str, code: int) -> None:
    """Best effort: a cache that cannot be written is no error."""
    data = _read(path)
    if data.get("key") != content_key:
        data = {"key": content_key, "findings": rows, "outputs": {}}
    outputs = data.setdefault("outputs", {})
    if len(outputs) >= 16:
        outputs.clear()
    outputs[variant] = [out, code]
    import tempfile  # only when writing: a hit never needs it

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".check.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except OSError:
        pass
