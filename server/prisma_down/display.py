"""Paths and messages as the user reads them: relative to here, and always printable.

A folder name that is not UTF-8 reaches Python as lone surrogates; printed as they are,
they raise UnicodeEncodeError on a UTF-8 stdout. They are shown as ``\\xff`` instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["printable", "show", "show_outside"]


def show(path: Path | str) -> str:
    """A path as the user reads it: relative to here, a name that is not UTF-8 escaped."""
    try:
        return printable(os.path.relpath(path))
    except ValueError:
        return printable(str(path))


def show_outside(path: Path) -> str:
    """A path outside the project: relative when that is short, else absolute."""
    shown = show(path)
    return shown if not shown.startswith("..") else printable(str(path))


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with the bytes of a name that is not UTF-8 shown as ``\\xff``, so printing
    it never fails (Python holds such bytes as lone surrogates)."""
    return _SURROGATE.sub(
        lambda m: (
            f"\\x{ord(m.group()) - 0xDC00:02x}"
            if 0xDC80 <= ord(m.group()) <= 0xDCFF
            else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )
