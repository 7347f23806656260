"""The CLI's cache of ``check`` results, keyed by the content of everything they depend on.

A check of an unchanged project (the usual case in a pre-commit hook or a watch loop)
reads the files, hashes them, and prints the stored findings without loading the engine.
The key covers prisma-down's version, the dialect, the settings and every migration.sql
and down.sql byte; anything else changing means a miss, never a stale answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prisma_down import __version__
from prisma_down.core.history import History
from prisma_down.core.settings import Settings

Row = dict[str, Any]


def location(migrations_dir: Path) -> Path:
    """``node_modules/.cache/prisma-down`` of the project when it has one, else the user's cache."""
    name = hashlib.sha256(str(migrations_dir.resolve()).encode()).hexdigest()[:20] + ".json"
    for folder in (migrations_dir, *migrations_dir.parents):
        if (folder / "package.json").is_file():
            if (folder / "node_modules").is_dir():
                return folder / "node_modules" / ".cache" / "prisma-down" / name
            break
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prisma-down" / name


def key(history: History, settings: Settings) -> str:
    h = hashlib.sha256()
    head = {
        "version": __version__,
        "dialect": history.dialect,
        "settings": asdict(settings) | {"rules": dict(settings.rules)},
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    for m in history.migrations:
        down = m.down
        h.update(
            json.dumps(
                [
                    m.name,
                    str(m.directory),
                    m.up.sha256,
                    m.up.error,
                    None if down is None else (down.sha256, down.error),
                ]
            ).encode()
        )
    return h.hexdigest()


def load(path: Path, expected: str) -> list[Row] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != expected:
        return None
    rows = data.get("findings")
    return rows if isinstance(rows, list) else None


def store(path: Path, content_key: str, rows: list[Row]) -> None:
    """Best effort: a cache that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".check.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"key": content_key, "findings": rows}, f)
        os.replace(tmp, path)
    except OSError:
        pass
