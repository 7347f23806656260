"""``prisma-down revert NAME``: a forward migration that undoes NAME, for production.

Prisma's advice, and the down-migration guide this project follows, is to move forward
in production: history only grows. ``revert`` writes one new migration folder,
``<timestamp>_revert_<name>``, sorting after every migration there is, whose
``migration.sql`` is NAME's inverse exactly as ``generate`` writes it for down.sql
(guards and preflight checks included), runnable as one script, so ``prisma migrate
deploy`` applies it like any other. Its own down.sql is generated beside it. It is the
one command that creates a folder under the migrations folder, and it never touches an
existing file. The model change must be reverted in schema.prisma too, or ``prisma
migrate dev`` plans it again: it says so.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
from pathlib import Path

from prisma_down import __version__
from prisma_down.core.escape import comment
from prisma_down.display import printable, show
from prisma_down.projects import UsageError, history, one_migration, require_supported

__all__ = ["folder_name", "revert"]

_DIGITS = re.compile(r"^(\d+)")
_DROPS_ARE_THE_POINT = (
    "prisma-down-ignore-file drop-without-rename irreversible-statement (it drops what the "
    "reverted migration added; its DO blocks are prisma-down's guards and preflight checks)"
)
_MAX_NAME = 200  # Prisma refuses longer migration names (P3010: 200 bytes)


def folder_name(name: str, existing: list[str], now: datetime.datetime) -> str:
    """``<timestamp>_revert_<name without its timestamp>``, after every ``existing`` name.

    Raises:
        UsageError: no timestamp can sort after the last existing name (it does not start
            with digits).
    """
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", re.sub(r"^\d+_?", "", name)).strip("_").lower()
    stamp = now.strftime("%Y%m%d%H%M%S")
    last = max(existing, default="")
    if f"{stamp}_revert" <= last:
        stamp = _after(last)
    base = f"{stamp}_revert"
    out = f"{base}_{slug}" if slug else base
    return out.encode()[:_MAX_NAME].decode("utf-8", "ignore").rstrip("_")


def _after(last: str) -> str:
    """A prefix sorting after ``last``: its leading number plus one, as wide (``01_init``
    → ``02``, ``20991231235959_x`` → ``20991231235960``).

    Raises:
        UsageError: ``last`` starts with no number, or with nines only.
    """
    m = _DIGITS.match(last)
    if m is not None:
        bumped = str(int(m.group(1)) + 1).zfill(len(m.group(1)))
        if len(bumped) == len(m.group(1)):
            return bumped
    raise UsageError(
        f"the migration folder {last} sorts after any timestamp: a new migration "
        "cannot come after it"
    )


def revert(args: argparse.Namespace) -> int:
    from prisma_down.config_file import project_root
    from prisma_down.core.analysis import Analyzer, analyse_ups
    from prisma_down.core.down import generate, read_header
    from prisma_down.core.inverse import Risk
    from prisma_down.core.project import ProjectError
    from prisma_down.prisma_cli import shown_runner

    project, name = one_migration(args)
    if name is None:
        raise UsageError("name the migration to revert: prisma-down revert NAME")
    loaded = history(project, args.dialect)
    require_supported(loaded)
    index = loaded.index_of(name)
    if index is None:
        raise UsageError(f"there is no migration named {name}")
    migration = loaded.migrations[index]
    if migration.up.error is not None:
        raise UsageError(f"cannot read {name}/migration.sql: {migration.up.error}")
    entry = analyse_ups(loaded, Analyzer(loaded.dialect))[index]
    prisma = shown_runner(project_root(loaded.root))
    try:
        down = generate(name, entry.up_text, entry.up, loaded.dialect, prisma)
    except ProjectError as e:
        raise UsageError(str(e)) from None
    header = read_header(down)
    assert header is not None  # generate always writes one
    existing = [m.name for m in loaded.migrations]
    new = folder_name(name, existing, datetime.datetime.now(datetime.timezone.utc))
    text = (
        f"-- Revert {comment(name)}: its inverse, written by prisma-down {__version__} as a new\n"
        "-- migration, so that `prisma migrate deploy` applies it like any other. Revert the\n"
        "-- model change in schema.prisma too, or `prisma migrate dev` plans it again.\n"
        # what it drops is what NAME added (the loss was said when this file was written);
        # its DO blocks only check, from guards and preflight: no finding is news here
        f"-- {_DROPS_ARE_THE_POINT}\n\n" + header.body
    )
    folder = loaded.root / new
    _write_new(folder, text)
    print(f"wrote {show(folder / 'migration.sql')}: the inverse of {printable(name)}")
    for step in entry.up.steps:
        line = entry.up.script.lines.position(step.statement.span.start).line + 1
        for inv in step.inverses:
            if inv.risk is not Risk.EXACT:
                print(f"  {show(entry.up_path)}:{line}: {inv.risk.value}: {printable(inv.note)}")
    _generate_its_down(args, project, new)
    print(
        f"Revert the model change of {printable(name)} in schema.prisma too, or "
        f"`{prisma} migrate dev` will plan it again; then deploy with `{prisma} migrate deploy`",
        file=sys.stderr,
    )
    return 0


def _write_new(folder: Path, text: str) -> None:
    """The new folder with its migration.sql, appearing whole (made beside the migrations
    folder, then renamed in: Prisma's deploy fails on a folder without migration.sql),
    never over anything that exists."""
    import shutil
    import tempfile

    if os.path.lexists(folder):
        raise UsageError(f"{show(folder)} exists already: nothing written")
    try:
        staging = Path(tempfile.mkdtemp(prefix=".prisma-down-revert-", dir=folder.parent.parent))
    except OSError as e:
        raise UsageError(
            f"could not write next to {show(folder.parent)}: {e.strerror or e}"
        ) from None
    try:
        with open(staging / "migration.sql", "x", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(staging, 0o755)
        if os.path.lexists(folder):
            raise UsageError(f"{show(folder)} appeared meanwhile: nothing written")
        os.rename(staging, folder)
    except OSError as e:
        raise UsageError(f"could not write {show(folder)}: {e.strerror or e}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _generate_its_down(args: argparse.Namespace, project: object, new: str) -> None:
    """down.sql of the new migration, as ``generate`` writes it (so it can be rolled back)."""
    from prisma_down.core.analysis import Analyzer, analyse_ups
    from prisma_down.generate_command import generate_all
    from prisma_down.projects import Project

    assert isinstance(project, Project)
    loaded = history(project, args.dialect)
    options = argparse.Namespace(stdout=False, force=False, replace_hand_written=False)
    generate_all(options, loaded, new, analyse_ups(loaded, Analyzer(loaded.dialect)))
