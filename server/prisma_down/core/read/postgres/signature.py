"""A function's identity: its name and the types of its input arguments.

PostgreSQL allows functions of one name with different arguments ("Function Overloading",
docs 38.6); ``DROP FUNCTION`` names one of them by its argument types, and only input
arguments count: ``OUT`` ones, parameter names and defaults do not (docs: DROP FUNCTION,
"argtype"). The catalog keys a function with ``signature_key`` of these types (in the slot a
trigger keeps its table), so dropping ``f(integer)`` leaves ``f(text)`` where it is, and the
renderer writes the types back after the name.
"""

from __future__ import annotations

import re

from prisma_down.core.schema import QName

_ROUTINES = ("function", "procedure")
_MODES = {"in", "out", "inout", "variadic"}
# words that start a type of more than one word: the first word of an argument is its name
# unless it is one of these (``character varying``, ``double precision``, …)
_TYPE_STARTS = {"character", "char", "double", "timestamp", "time", "bit", "interval", "national"}
_ALIASES = {
    "int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint",
    "bool": "boolean", "float8": "double precision", "float4": "real", "decimal": "numeric",
    "varchar": "character varying", "char": "character", "bpchar": "character",
    "timestamptz": "timestamp with time zone", "timetz": "time with time zone",
    "timestamp without time zone": "timestamp", "time without time zone": "time",
}  # fmt: skip
_WORD = re.compile(r'(?:"(?:[^"]|"")*"|[^\s"])+')  # quoted parts and others, glued
_DEFAULT = re.compile(r"\s(?:DEFAULT\b|=).*$", re.I | re.S)
_TYPMOD = re.compile(r"\([^()]*\)")


def is_routine(kind: str) -> bool:
    return kind in _ROUTINES


def signature_key(group: str) -> QName:
    """The key of a routine from its parenthesised argument list: ``(a integer, OUT b text)``
    gives ``(integer)``."""
    inner = group.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    types = [t for t in (_arg_type(a) for a in _split(inner)) if t is not None]
    return QName("", "(" + ", ".join(types) + ")")


def _split(text: str) -> list[str]:
    """Top-level comma-separated pieces (a typmod's comma is inside parentheses)."""
    out, depth, start, quoted = [], 0, 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


def _arg_type(arg: str) -> str | None:
    """The type of one argument, normalized; None for an ``OUT`` one."""
    words = _WORD.findall(re.sub(r"\s+\[", "[", _DEFAULT.sub("", " " + arg).strip()))
    if words and words[0].lower() in _MODES:
        if words[0].lower() == "out":
            return None
        words = words[1:]
    if len(words) > 1 and (words[0].startswith('"') or words[0].lower() not in _TYPE_STARTS):
        words = words[1:]  # the parameter's name
    text = " ".join(w if '"' in w else w.lower() for w in words)
    text = re.sub(r"\s*(\[\s*\d*\s*\])", "[]", _TYPMOD.sub("", text)).strip()
    base, arr = (text[:-2], "[]") if text.endswith("[]") else (text, "")
    base = re.sub(r"^public\.", "", base)
    return _ALIASES.get(base, base) + arr
