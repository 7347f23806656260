"""Value conversions a migration copies a column through, and their exact inverses.

A hand-written type change copies a column into a new one through an expression ``f``
(``UPDATE t SET tmp = f(col)``), drops ``col`` and renames ``tmp`` to its name. down.sql
puts ``col`` back filled by the inverse of ``f``: only where that inverse gives back every
value ``f`` can produce. The table (pure text, no database; each rule proved on a real
PostgreSQL in ``tests/verify/test_conversions_pg.py``):

- ``col``, ``col::T``: a copy or a cast, undone by casting back (``inverse.cast_back``),
  exact when ``T`` is text (every type's output function and input function are each
  other's inverse, "Type casts", sql-expressions.html#SQL-SYNTAX-TYPE-CASTS; an enum's
  label is its text, datatype-enum.html), the same type, or a wider one (int2 → int4 →
  int8 → numeric, varchar → text: "Numeric types", datatype-numeric.html).
- ``ARRAY[col]``: a one-element array, undone by its first element, ``to_jsonb(tmp) ->> 0``
  (arrays.html#ARRAYS-ACCESSING; "Extracts n'th element of JSON array, as text",
  functions-json.html, Table 9.45; ``tmp[1]`` would not even plan where ``tmp`` is still
  text).
- ``to_json(col)``, ``to_jsonb(col)``, ``to_json(col::text)::json`` of a text: a JSON
  string, undone by ``to_jsonb(tmp) #>> '{}'`` ("Extracts JSON sub-object at the specified path as
  text"; the empty path is the value itself, and a JSON string comes out de-escaped,
  functions-json.html, Table 9.45/9.46).
- ``EXTRACT(EPOCH FROM col) * k`` of a timestamp: "for timestamp values, the nominal
  number of seconds since 1970-01-01 00:00:00, without regard to timezone"; for timestamp
  with time zone, seconds since 1970-01-01 00:00:00 UTC (functions-datetime.html
  #FUNCTIONS-DATETIME-EXTRACT); numeric since PostgreSQL 14, so exact. Undone by adding
  whole days and the remaining microseconds to ``'epoch'`` (``div`` and ``mod`` on numeric,
  functions-math.html; each factor small enough to be exact in ``interval * float8``), and
  ``AT TIME ZONE 'UTC'`` for timestamptz (functions-datetime.html#FUNCTIONS-DATETIME-ZONECONVERT).
  Exact where nothing was rounded: a numeric target, or an integer one with ``k`` at least
  10^precision (timestamps keep microseconds: precision 6 unless written, datatype-datetime.html).

Where a migration stopped before its copy, down.sql meets the column with its old type:
each inverse is valid SQL on either type (a ``pg_typeof`` CASE, or ``to_jsonb``, which
takes any type and turns a text into the JSON string ``#>> '{}'`` gives back).

Anything else (``lower(col)``, ``col * 2``, a narrowing cast) is no rule here: the caller
keeps its placeholder or preflight stop and says the values are lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prisma_down.core import escape
from prisma_down.core.catalog import Catalog, type_base
from prisma_down.core.inverse import cast_back
from prisma_down.core.names import quote

_IDENT = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_TYPE = rf"{_IDENT}(?:\s*\.\s*{_IDENT})?(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\s*\])*"
_CASTS = rf"((?:\s*::\s*{_TYPE})*)"
_COPY = re.compile(rf"^\(?\s*({_IDENT})\s*\)?{_CASTS}$", re.S)
_ARRAY = re.compile(rf"^ARRAY\s*\[\s*({_IDENT}){_CASTS}\s*\]{_CASTS}$", re.I | re.S)
_JSON = re.compile(rf"^(to_jsonb?)\s*\(\s*({_IDENT}){_CASTS}\s*\){_CASTS}$", re.I | re.S)
_EXTRACT = rf"EXTRACT\s*\(\s*EPOCH\s+FROM\s+({_IDENT})\s*\)"
_EPOCH = re.compile(
    rf"^\(?\s*(?:(\d+)\s*\*\s*{_EXTRACT}|{_EXTRACT}(?:\s*\*\s*(\d+))?)\s*\)?{_CASTS}$",
    re.I | re.S,
)
_ONE_CAST = re.compile(rf"::\s*({_TYPE})", re.S)
_PRECISION = re.compile(r"\(\s*(\d+)\s*\)")

_TEXT = frozenset(("text", "varchar", "character varying"))
_WIDER = {  # a type → the types that hold each of its values unchanged
    "smallint": ("smallint", "integer", "bigint", "numeric"),
    "integer": ("integer", "bigint", "numeric"),
    "bigint": ("bigint", "numeric"),
    "varchar": ("varchar", "text"),
    "char": ("char", "varchar", "text"),
}
_ALIASES = {"int2": "smallint", "int4": "integer", "int": "integer", "int8": "bigint",
            "decimal": "numeric", "character varying": "varchar", "character": "char",
            "bpchar": "char", "timestamp without time zone": "timestamp",
            "timestamp with time zone": "timestamptz"}  # fmt: skip
_INTEGERS = frozenset(("smallint", "integer", "bigint"))
_DAY_US = "86400000000"


@dataclass(frozen=True)
class Conversion:
    """``source``: the column the expression reads (unquoted); ``rule``: which row of the
    table (``none``: an expression of one column that no rule inverts); ``casts``: the
    types written after it; ``factor``: EXTRACT's multiplier; ``text``: as written."""

    source: str
    rule: str
    casts: tuple[str, ...] = ()
    factor: int = 1
    text: str = ""


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def _casts(text: str) -> tuple[str, ...]:
    return tuple(m.group(1) for m in _ONE_CAST.finditer(text or ""))


def read(expression: str, columns: tuple[str, ...] = ()) -> Conversion | None:
    """The conversion ``expression`` is, when it is one of the table's rules; else, when
    it names exactly one of ``columns``, a ``none`` conversion of that column."""
    e = " ".join(expression.split())
    found = _rule(e)
    if found is not None or not columns:
        return found
    named = {_unquote(m.group(0)) for m in re.finditer(_IDENT, re.sub(r"'(?:[^']|'')*'", "", e))}
    named &= set(columns)
    return Conversion(named.pop(), "none", text=e) if len(named) == 1 else None


def _rule(e: str) -> Conversion | None:
    m = _COPY.match(e)
    if m is not None:
        return Conversion(_unquote(m.group(1)), "cast", _casts(m.group(2)))
    m = _ARRAY.match(e)
    if m is not None:
        return Conversion(_unquote(m.group(1)), "array", _casts(m.group(2)) + _casts(m.group(3)))
    m = _JSON.match(e)
    if m is not None:
        return Conversion(_unquote(m.group(2)), "json", _casts(m.group(3)) + _casts(m.group(4)))
    m = _EPOCH.match(e)
    if m is not None:
        factor = m.group(1) or m.group(4) or "1"
        return Conversion(_unquote(m.group(2) or m.group(3)), "epoch", _casts(m.group(5)),
                          int(factor))  # fmt: skip
    return None


def family(type_text: str) -> str:
    """A type's name, lower case, without precision, in one spelling (``int4`` → integer)."""
    name, suffix = type_base(type_text)
    base = " ".join(_PRECISION.sub(" ", name.name if not name.schema else "?").split())
    if type_text.strip().startswith('"'):
        base = '"' + name.name  # a quoted, user-defined type: never a built-in
    return _ALIASES.get(base, base) + suffix


def _precision(type_text: str) -> int:
    m = _PRECISION.search(type_text)
    return int(m.group(1)) if m else 6


def _length(type_text: str) -> int | None:
    """The length limit of a varchar or char type (char alone is char(1)), else None."""
    if family(type_text) not in ("varchar", "char"):
        return None
    m = _PRECISION.search(type_text)
    return int(m.group(1)) if m else (1 if family(type_text) == "char" else None)


def _keeps(previous: str, to: str) -> bool:
    """Whether ``previous`` values cast to ``to`` and back come out unchanged."""
    a, b = family(previous), family(to)
    limit = _length(to)
    if limit is not None:  # a cast to varchar(n) cuts longer values
        was = _length(previous)
        return was is not None and was <= limit
    if a == b:  # timestamp(6) into timestamp(3) rounds
        return _digits(previous) <= _digits(to)
    return b in _TEXT or b in _WIDER.get(a, ())


def _digits(type_text: str) -> float:
    m = _PRECISION.search(type_text)
    return int(m.group(1)) if m else float("inf")


def round_trips(old: str, new: str, using: str | None, column: str, cat: Catalog) -> bool:
    """Whether ``ALTER COLUMN column TYPE new [USING using]`` from ``old``, then the cast
    back, gives every value back: ``using`` absent or a cast of the column, each type on
    the way one that keeps ``old``'s values, or an enum when ``old`` is text (an enum value
    is its label, datatype-enum.html)."""
    casts: tuple[str, ...] = ()
    if using is not None:
        conv = read(using)
        if conv is None or conv.rule != "cast" or conv.source != column:
            return False
        casts = conv.casts
    text = family(old) in _TEXT
    return all(
        _keeps(old, t) or (text and not type_base(t)[1] and type_base(t)[0] in cat.enums)
        for t in (*casts, new)
    )


def undo(
    conv: Conversion, target: str, target_type: str, previous: str, cat: Catalog
) -> str | None:
    """SQL giving back the ``previous``-typed values from column ``target`` (of
    ``target_type``) that ``conv`` filled, or None when no exact inverse is known."""
    col = quote(target)
    prev = family(previous)
    if conv.rule == "cast":
        if not all(_keeps(previous, t) for t in (*conv.casts, target_type)):
            return None
        return cast_back(cat, target, target_type, previous) or col
    if conv.rule == "array":
        element = family(target_type)
        if not element.endswith("[]") or element[:-2] != prev:
            return None
        if any(family(t) != element for t in conv.casts):
            return None
        return _either(col, previous, f"(to_jsonb({col}) ->> 0)::{previous}")
    if conv.rule == "json":
        if prev not in _TEXT and prev != "char":
            return None
        if family(target_type) not in ("json", "jsonb"):
            return None
        if any(family(t) not in ("json", "jsonb", *_TEXT) for t in conv.casts):
            return None
        back = f"(to_jsonb({col}) #>> '{{}}')"  # on the text itself too: its JSON string
        return back if prev == "text" else f"{back}::{previous}"
    if conv.rule == "epoch":
        return _from_epoch(conv, col, target_type, previous)
    return None


def _from_epoch(conv: Conversion, col: str, target_type: str, previous: str) -> str | None:
    prev, k = family(previous), conv.factor
    if prev not in ("timestamp", "timestamptz"):
        return None
    if k <= 0 or 10 ** (len(str(k)) - 1) != k or k > 10**9:
        return None  # only powers of ten: seconds, milliseconds, … nanoseconds
    kinds = [family(t) for t in (*conv.casts, target_type)]
    if any(t not in (*_INTEGERS, "numeric") for t in kinds):
        return None
    if re.search(r"numeric\s*\(", target_type, re.I):
        return None  # a scale may have rounded it
    if any(t in _INTEGERS for t in kinds) and k < 10 ** _precision(previous):
        return None  # rounded to whole units of 1/k second
    scale = 10**6 / k
    per = str(int(scale)) if scale >= 1 else "0." + "0" * (len(str(k)) - 8) + "1"
    us = f"((to_jsonb({col}) #>> '{{}}')::numeric * {per})"
    stamp = (
        f"('epoch'::timestamp + div({us}, {_DAY_US})::float8 * interval '1 day'"
        f" + mod({us}, {_DAY_US})::float8 * interval '1 microsecond')"
    )
    if prev == "timestamptz":
        stamp = f"({stamp} AT TIME ZONE 'UTC')"
    return _either(col, previous, stamp)


def _either(col: str, previous: str, back: str) -> str:
    """``back``, or the value itself where the column still has its ``previous`` type (a
    migration that stopped before its copy): each branch valid on either type, as
    PostgreSQL plans both (``to_jsonb`` takes any type)."""
    same = f"pg_typeof({col}) = {escape.literal(previous, 'postgres')}::regtype"
    return f"CASE WHEN {same} THEN {col}::text::{previous} ELSE {back} END"
