"""Writing down.sql files: whose file is there, a saved copy before a person's file is
replaced, and temporaries that never stay behind in a migration folder.

A down.sql holds prisma-down's header with the sha256 of the migration.sql it came from
and of its own body (``core.down``): a file without it, or whose body no longer matches,
is a person's. ``git add -A`` stages whatever a killed run leaves in a migration folder, so
the temporary a file is written through lives in prisma-down's cache folder when that is
on the same file system (a rename is atomic only within one); otherwise it sits beside the
target under a name the next run removes once no live process holds it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from prisma_down import check_cache
from prisma_down.core.analysis import sha256
from prisma_down.core.down import read_header
from prisma_down.core.files import read_regular, reason

try:
    import fcntl
except ImportError:  # Windows: stale temporaries are recognised by age alone
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "Existing",
    "Owner",
    "Writer",
    "inspect",
]

TEMP_PREFIX = ".prisma-down."
TEMP_SUFFIX = ".down.sql.tmp"
# The name prisma-down 0.1 (and the language server) gave its temporaries beside down.sql;
# such a file older than this is left over from a run that was killed.
_LEGACY_TEMP = re.compile(r"\A\.down\..+\.sql\.tmp\Z", re.S)
LEGACY_TEMP_AGE_SECONDS = 60


class Owner(Enum):
    """Who wrote the down.sql that is there, as far as its header tells."""

    ABSENT = "absent"
    CURRENT = "current"  # generated from this migration.sql, untouched since
    STALE = "stale"  # generated from another migration.sql, untouched since
    PERSON = "person"  # no prisma-down header, or edited since it was generated
    SPECIAL = "special"  # a link, a FIFO, unreadable…: never replaced


@dataclass(frozen=True)
class Existing:
    """The down.sql found at one path, and what it was when read."""

    owner: Owner
    raw: bytes = b""
    stamp: tuple[int, int, int] | None = None  # inode, size, mtime: unchanged since read?
    why: str = ""  # for SPECIAL: why it is never replaced


def inspect(target: Path, up_text: str) -> Existing:
    """Classify the file at ``target`` against the migration.sql text it would undo."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return Existing(Owner.ABSENT)
    except OSError as e:
        return Existing(Owner.SPECIAL, why=reason(e))
    if not stat.S_ISREG(st.st_mode):
        kind = "a link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
        return Existing(Owner.SPECIAL, why=f"it is {kind}")
    try:
        raw = read_regular(target)
    except OSError as e:
        return Existing(Owner.SPECIAL, why=reason(e))
    stamp = _stamp(st)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Existing(Owner.PERSON, raw, stamp)
    header = read_header(text)
    if header is None or sha256(header.body) != header.body_sha256:
        return Existing(Owner.PERSON, raw, stamp)
    owner = Owner.CURRENT if header.migration_sha256 == sha256(up_text) else Owner.STALE
    return Existing(owner, raw, stamp)


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class Changed(OSError):
    """The file changed on disk after it was inspected: nothing is written over it."""


class Writer:
    """Writes the down.sql files of one migrations folder."""

    def __init__(self, migrations_dir: Path) -> None:
        self.migrations_dir = migrations_dir
        self.started_ns = time.time_ns()
        self._roots = check_cache.roots(migrations_dir)
        self._temp_dir = self._same_device_temp_dir()

    def _same_device_temp_dir(self) -> Path | None:
        """A folder outside the migrations folder on its file system, or None."""
        try:
            device = os.stat(self.migrations_dir).st_dev
        except OSError:
            return None
        for root in self._roots:
            folder = root / "tmp"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                if os.stat(folder).st_dev == device:
                    return folder
            except OSError:
                continue
        return None

    def sweep(self, folders: Iterable[Path]) -> list[Path]:
        """Remove the temporaries killed runs left; return those in migration folders."""
        removed: list[Path] = []
        for folder in folders:
            removed += self._sweep_one(folder)
        if self._temp_dir is not None:
            self._sweep_one(self._temp_dir)
        return removed

    def _sweep_one(self, folder: Path) -> list[Path]:
        try:
            with os.scandir(folder) as it:
                entries = [e for e in it if e.name.endswith(".tmp")]
        except OSError:
            return []
        removed: list[Path] = []
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False) and self._stale(entry):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                continue
        return removed

    def _stale(self, entry: os.DirEntry[str]) -> bool:
        name = entry.name
        mtime = entry.stat(follow_symlinks=False).st_mtime_ns
        if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
            if fcntl is None:
                return mtime < self.started_ns - LEGACY_TEMP_AGE_SECONDS * 10**9
            # A live writer holds a lock on its temporary; a killed one holds none.
            return mtime < self.started_ns and _unlocked(entry.path)
        return bool(_LEGACY_TEMP.match(name)) and (
            mtime < self.started_ns - LEGACY_TEMP_AGE_SECONDS * 10**9
        )

    def save_copy(self, name: str, existing: Existing) -> Path:
        """Save a person's down.sql outside the migrations folder; return where.

        Raises:
            OSError: there is no such place, or the copy could not be written.
        """
        failure: OSError = OSError(
            errno.EACCES, "every cache folder is inside the migrations folder"
        )
        for root in self._roots:
            folder = root / "replaced" / check_cache.project_id(self.migrations_dir) / name
            try:
                return _save(folder, existing.raw)
            except OSError as e:
                failure = e
        raise failure

    def write(self, target: Path, text: str, expected: Existing) -> None:
        """Write ``text`` to ``target`` atomically, over ``expected`` only.

        Raises:
            Changed: the file is not what ``expected`` says any more.
            OSError: the folder does not exist (migration folders are never created) or
                the write failed.
        """
        if not target.parent.is_dir():
            raise OSError(errno.ENOENT, f"{target.parent} is not a folder")
        data = text.encode("utf-8")
        try:
            self._write_via(self._temp_dir or target.parent, target, data, expected)
        except OSError as e:
            if e.errno != errno.EXDEV or self._temp_dir is None:
                raise
            self._temp_dir = None  # a bind mount: same device number, not one file system
            self._write_via(target.parent, target, data, expected)

    def _write_via(self, folder: Path, target: Path, data: bytes, expected: Existing) -> None:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # held until closed: "a live writer's"
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.chmod(tmp, _MODE)  # mkstemp makes 0600; down.sql is ordinary
            _place(tmp, target, expected)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)


def _place(tmp: str, target: Path, expected: Existing) -> None:
    """Move ``tmp`` to ``target`` if ``target`` is still what ``expected`` says."""
    if expected.owner is Owner.ABSENT:
        try:
            os.link(tmp, target)  # fails if a file appeared meanwhile: never overwritten
        except FileExistsError:
            raise Changed(errno.EEXIST, "a file appeared there meanwhile") from None
        except OSError as e:
            if e.errno == errno.EXDEV:
                raise
            if os.path.lexists(target):  # no hard links here: check, then rename
                raise Changed(errno.EEXIST, "a file appeared there meanwhile") from None
            os.replace(tmp, target)
            return
        os.unlink(tmp)
        return
    try:
        now = _stamp(os.lstat(target))
    except FileNotFoundError:
        now = None
    if now != expected.stamp:
        raise Changed(errno.EAGAIN, "it changed on disk meanwhile")
    os.replace(tmp, target)


def _save(folder: Path, raw: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    when = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in range(1000):
        path = folder / f"down.{when}{f'.{n}' if n else ''}.sql"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())  # the only copy left once down.sql is replaced
        return path
    raise OSError(errno.EEXIST, f"too many copies in {folder}")


def _unlocked(path: str) -> bool:
    """True when no process holds a lock on ``path`` (its writer is gone)."""
    assert fcntl is not None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, which would race with
# the language server's worker threads creating files.
_MODE = 0o666 & ~_umask()
