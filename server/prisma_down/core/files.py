"""Reading project files without trusting them: regular files only, never blocking, capped.

A ``migration.sql`` can be a FIFO (a plain read blocks forever), a link to ``/dev/zero`` (a
read that never ends) or a link out of the project (its text would be copied into down.sql
comments). Every project file prisma-down reads — migrations, settings, ``prisma.config.ts``,
the lock file, the check cache — goes through ``read_regular``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["MAX_FILE_BYTES", "UnreadableFile", "inside", "read_regular", "reason"]

# The largest file read: a 20 MB migration of 100,000 CREATE TABLE statements fits three
# times over; /dev/zero or a runaway generated file does not.
MAX_FILE_BYTES = 64 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_CHUNK = 1 << 20


class UnreadableFile(OSError):
    """A file that exists but is not read; ``reason`` is the lower-case clause to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reason(exc: OSError) -> str:
    """The clause that says why a read failed: ``permission denied``, ``not a regular file…``."""
    if isinstance(exc, UnreadableFile):
        return exc.reason
    return (exc.strerror or type(exc).__name__).lower()


def inside(path: str, folder: str) -> bool:
    """True when ``path`` is ``folder`` or below it (both already resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def read_regular(path: Path | str, within: Path | str | None = None) -> bytes:
    """The bytes of ``path`` when it is a regular file of at most ``MAX_FILE_BYTES``.

    Args:
        path: the file.
        within: a resolved folder the file must stay in: a symbolic link whose target is
            outside it is refused. The caller vouches for the folders between the two.

    Raises:
        FileNotFoundError: there is no such file (callers often treat that as "absent").
        UnreadableFile: it exists but is a link out of ``within``, not a regular file, or
            larger than the cap.
        OSError: any other failure (permission denied, …).
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    nofollow = getattr(os, "O_NOFOLLOW", 0) if within is not None else 0
    try:
        fd = os.open(name, flags | nofollow)  # O_NONBLOCK: opening a FIFO never waits
    except OSError as e:
        if within is None or not os.path.islink(name):
            raise
        target = os.path.realpath(name)  # a link: followed only to a file inside `within`
        if not inside(target, os.fspath(within)):
            raise UnreadableFile(
                f"a link to {target}, outside the migrations folder: prisma-down reads "
                "only files inside it"
            ) from e
        fd = os.open(name, flags)
    try:
        st = os.fstat(fd)
        _require_regular(st.st_mode)
        _require_size(st.st_size)
        chunks: list[bytes] = []
        total = 0
        want = st.st_size + 1  # one byte more than fstat said tells whether it grew since
        while True:
            chunk = os.read(fd, min(want, MAX_FILE_BYTES + 1 - total))
            chunks.append(chunk)
            total += len(chunk)
            _require_size(total)
            if len(chunk) < want:  # a short read of a regular file is its end
                return b"".join(chunks)
            want = _CHUNK
    finally:
        os.close(fd)


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        raise UnreadableFile(f"not a regular file but {kind}")


def _require_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"larger than {MAX_FILE_BYTES // (1 << 20)} MiB, the most prisma-down reads "
            "from one file"
        )
