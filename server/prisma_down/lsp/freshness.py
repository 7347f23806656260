"""Whether the last analysis still holds for one file while a newer one runs.

A request (hover, code action, …) on one migration need not wait for an analysis that an
edit elsewhere started, as long as nothing that migration's analysis depends on changed
since: its own migration.sql and down.sql, every earlier migration.sql (they build the
catalog it is read against) and the lock file (the dialect). So a 20 MB migration opened
at the end of a history delays no request on the migrations before it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from prisma_down.core.project import LOCK_FILE, MIGRATION_FILE
from prisma_down.core.rules.context import MigrationContext

Signature = tuple[tuple[str, str, int, int], ...]


def signature(directory: Path) -> Signature:
    """Which migration files exist and when they changed: cheap enough to poll."""
    out = []
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return ()
    for entry in entries:
        if entry.name == LOCK_FILE:
            try:
                st = entry.stat()
            except OSError:
                continue
            out.append((LOCK_FILE, "", st.st_mtime_ns, st.st_size))
        if not entry.is_dir():
            continue
        for name in (MIGRATION_FILE, "down.sql"):
            try:
                st = os.stat(os.path.join(entry.path, name))
            except OSError:
                continue
            out.append((entry.name, name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def holds(
    contexts: Sequence[MigrationContext],
    texts: Mapping[Path, str],
    open_then: Collection[Path],
    then: Signature,
    overlays: Mapping[Path, str],
    now: Signature,
    path: Path,
) -> bool:
    """Whether an analysis (``contexts``, the ``texts`` it read, the documents open then,
    the disk as it was) says today what a new one would about ``path``'s migration.

    Args:
        overlays: the documents open in the editor now, by path.
        now: the disk now.
    """
    index = next((i for i, c in enumerate(contexts) if path in (c.up_path, c.down_path)), None)
    if index is None:
        return False
    ctx = contexts[index]
    for file in [c.up_path for c in contexts[: index + 1]] + [ctx.down_path]:
        text = overlays.get(file)
        if text is None and file in open_then:
            return False  # closed since: the disk is the truth again
        if text is not None and text != texts.get(file):
            return False
    key = os.fsencode(ctx.migration.name)
    for name, kind, _, _ in set(then) ^ set(now):
        if name == LOCK_FILE or name == ctx.migration.name:
            return False
        if kind == MIGRATION_FILE and os.fsencode(name) < key:
            return False
    return True
