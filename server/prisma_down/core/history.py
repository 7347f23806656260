"""A migrations folder read into an ordered history of migrations.

Reading never raises on a bad file: a file that is not UTF-8 text, is binary, cannot be
read, is no regular file, is too large or links out of the migrations folder carries an
``error`` sentence instead, so one broken migration never hides the others. A folder that
cannot be looked into, links out of the migrations folder or whose name is not UTF-8 is a
migration whose migration.sql carries such an error: reported, never silently skipped.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from prisma_down.core.files import UnreadableFile, inside, read_regular, reason
from prisma_down.core.project import MIGRATION_FILE, chosen_dialect, provider_dialect, read_provider

__all__ = ["DOWN_FILE", "History", "Migration", "SourceFile", "load_history", "read_source"]

DOWN_FILE = "down.sql"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class SourceFile:
    """One SQL file as read from disk.

    ``text`` is the decoded content without a UTF-8 BOM, line endings kept as they are;
    it is ``''`` whenever ``error`` is set. ``sha256`` covers the raw bytes (BOM included)
    so memoised analyses notice any change on disk.
    """

    path: Path
    text: str
    error: str | None
    sha256: str


@dataclass(frozen=True)
class Migration:
    """One migration folder: its ``migration.sql`` and, if present, its ``down.sql``."""

    name: str
    directory: Path
    up: SourceFile
    down: SourceFile | None

    @property
    def down_path(self) -> Path:
        """Where this migration's down.sql is, or would be written."""
        return self.directory / DOWN_FILE


@dataclass(frozen=True)
class History:
    """The migrations of one folder, in the order Prisma applies them."""

    root: Path
    provider: str | None
    dialect: str
    migrations: tuple[Migration, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {migration.name: i for i, migration in enumerate(self.migrations)}
        object.__setattr__(self, "_index", index)

    def index_of(self, name: str) -> int | None:
        """Position of the migration whose folder is ``name``, or None."""
        return self._index.get(name)


def read_source(path: Path, within: Path | str | None = None) -> SourceFile:
    """Read one SQL file; any problem becomes ``SourceFile.error``, never an exception.

    ``within``: the resolved migrations folder; a link to a file outside it is not read.
    """
    try:
        raw = read_regular(path, within)
    except UnreadableFile as exc:
        return SourceFile(path, "", exc.reason, "")
    except OSError as exc:
        return SourceFile(path, "", f"unreadable: {reason(exc)}", "")
    digest = hashlib.sha256(raw).hexdigest()
    error = _problem(raw)
    if error is not None:
        return SourceFile(path, "", error, digest)
    body = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    return SourceFile(path, body.decode("utf-8"), None, digest)


def _problem(raw: bytes) -> str | None:
    """Why ``raw`` is not usable as SQL text, as one sentence; None when it is."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Windows PowerShell 5 redirects (`>`) write UTF-16 with a byte order mark.
        return "not UTF-8 text (UTF-16 with a byte order mark; save it as UTF-8)"
    if b"\0" in raw:
        return "a binary file, not SQL"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return f"not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at line {line})"
    return None


def load_history(root: Path, dialect: str | None = None) -> History:
    """Read every migration under ``root`` in Prisma's order.

    Args:
        root: the migrations folder.
        dialect: the engine dialect (or a Prisma provider name); by default the one
            ``migration_lock.toml`` names, else postgres.

    Raises:
        ProjectError: the dialect, or the lock file's provider, is not one we support.
    """
    provider = read_provider(root)
    if dialect is not None:
        chosen = chosen_dialect(dialect)
    else:
        chosen = provider_dialect(provider) if provider is not None else "postgres"
    real = os.path.realpath(root)
    migrations = tuple(
        _read_migration(root / name, name, real, problem)
        for name, problem in _migration_folders(root, real)
    )
    return History(root, provider, chosen, migrations)


def _migration_folders(root: Path, real: str) -> list[tuple[str, str | None]]:
    """Subfolders holding migration.sql, or that cannot be looked into, each with the
    reason it cannot be read (or None); sorted by their bytes as Prisma (Rust) sorts them.
    """
    try:
        with os.scandir(root) as it:
            entries = list(it)
    except OSError:
        return []
    out: list[tuple[str, str | None]] = []
    for entry in entries:
        try:
            if not entry.is_dir():
                continue
            os.lstat(os.path.join(entry.path, MIGRATION_FILE))
        except (FileNotFoundError, NotADirectoryError):
            continue  # not a migration (or gone meanwhile)
        except OSError as exc:  # chmod 000: Prisma cannot read it either
            out.append((entry.name, f"the folder cannot be read ({reason(exc)})"))
            continue
        out.append((entry.name, _folder_problem(entry, real)))
    # Python orders str by code point, which is UTF-8 byte order; fsencode also keeps the
    # order right for names that are not valid UTF-8 (held as surrogate escapes).
    return sorted(out, key=lambda item: os.fsencode(item[0]))


def _folder_problem(entry: os.DirEntry[str], real: str) -> str | None:
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if not inside(target, real):
            return (
                f"the folder is a link to {target}, outside the migrations folder: "
                "prisma-down reads and writes only inside it"
            )
    try:
        entry.name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(entry.name).decode("utf-8", "backslashreplace")
        return (
            f"the folder name {shown} is not UTF-8 text, so no down.sql can name it "
            "(Prisma records migration names as text): rename the folder"
        )
    return None


def _read_migration(directory: Path, name: str, real: str, problem: str | None) -> Migration:
    up_path = directory / MIGRATION_FILE
    if problem is not None:
        return Migration(name, directory, SourceFile(up_path, "", problem, ""), None)
    down_path = directory / DOWN_FILE
    # lexists: a dangling down.sql symlink is reported, never mistaken for "no down.sql".
    down = read_source(down_path, real) if os.path.lexists(down_path) else None
    return Migration(name, directory, read_source(up_path, real), down)
