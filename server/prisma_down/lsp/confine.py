"""Where the language server may write: only in a migration folder of the workspace.

A command's argument is a URI the client (or anything that can talk to the server) chose:
``prismaDown.generateDownSql`` with a URI outside every workspace folder used to write a
down.sql there. Every command and code action that writes asks :func:`refusal` first, on
real paths (symlinks followed), so a folder linked from inside the workspace to elsewhere
is refused too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from prisma_down.core.project import MIGRATION_FILE


def real(path: Path) -> Path | None:
    """``path`` with every symlink followed; None when it does not exist."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return None


def inside(path: Path, folders: Sequence[Path]) -> bool:
    """``path`` (real) is one of ``folders`` (real) or below one."""
    return any(path == f or path.is_relative_to(f) for f in folders)


def refusal(
    folder: Path, workspaces: Sequence[Path], migrations: Callable[[], Path | None]
) -> str | None:
    """Why the migration ``folder`` must not be written in; None when it may.

    Args:
        folder: the migration folder a command or code action would write in.
        workspaces: the client's workspace folders.
        migrations: finds the migrations folder of ``folder`` (None: none); called only
            for a folder inside the workspace, so nothing outside it is even read.
    """
    where = real(folder)
    if where is None or not where.is_dir():
        return f"{folder} is not a folder"
    roots = [r for r in (real(w) for w in workspaces) if r is not None]
    if not roots:
        return "no workspace folder is open: prisma-down writes only inside one"
    if not inside(where, roots):
        return f"{folder} is outside every workspace folder: prisma-down writes only inside them"
    found = migrations()
    home = real(found) if found is not None else None
    if home is None or where.parent != home or not inside(home, roots):
        return f"{folder} is not a migration folder of a migrations folder in the workspace"
    if not (where / MIGRATION_FILE).is_file():
        return f"{folder} is not a migration folder: it holds no {MIGRATION_FILE}"
    return None
