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


# Lone surrogates (the bytes of a name that is not UTF-8), and the control characters a
# name may hold: a line break would split one sentence over lines, an ESC would drive the
# terminal (ANSI escape sequences).
_UNPRINTABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\n]")


def printable(text: str) -> str:
    """``text`` safe to print as one line: the bytes of a name that is not UTF-8 as
    ``\\xff`` (Python holds them as lone surrogates), control characters and line breaks
    as escapes, so printing never fails, never spans lines, never drives the terminal."""
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(m: re.Match[str]) -> str:
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:
        return f"\\x{c - 0xDC00:02x}"
    if c > 0xFF:
        return f"\\u{c:04x}"
    return {0x0A: "\\n", 0x0D: "\\r"}.get(c, f"\\x{c:02x}")
