"""Which type changes PostgreSQL has no cast back for.

An inverse ALTER COLUMN TYPE written as ``x::previous`` fails outright where PostgreSQL has
no cast (``cannot cast type jsonb to jsonb[]``). Its casts are the rows of ``pg_cast`` plus
the I/O conversion casts to and from string types (docs: "CREATE CAST", Notes: "automatic
I/O conversion casts from string types are treated as explicit casts, while I/O
conversion casts to string types are treated as assignment casts"). Between an array and a
scalar there is none, except through a string type; ``boolean`` only casts to and from
``integer``, text and ``jsonb`` (to it only): date and time types and ``json`` do not. Only
pairs known to have no cast are named here, so anything else keeps the plain cast.
"""

from __future__ import annotations

import re

from prisma_down.core.catalog.maps import type_base

_STRINGS = {"text", "varchar", "character varying", "char", "character", "bpchar", "name"}
_BOOL = {"bool", "boolean"}
_TIMES = {"timestamp", "timestamptz", "date", "time", "timetz", "interval"}
_JSON = {"json", "jsonb"}
_ONE_DIM = re.compile(r"\s*\[\s*\d*\s*\]\s*$")
_MODIFIER = re.compile(r"\s*\(.*\)\s*")
_TIME_SUFFIX = re.compile(r"\s+with(out)?\s+time\s+zone$")


def _name(type_text: str) -> tuple[str, bool]:
    """The type's bare name (modifiers and time zone words dropped) and whether an array."""
    base, arr = type_base(type_text)
    name = _TIME_SUFFIX.sub("", _MODIFIER.sub("", base.name)).strip()
    if name in ("timestamp", "time") and "with time zone" in type_text.lower():
        name += "tz"
    return name, bool(arr)


def no_cast(current: str, previous: str) -> bool:
    """True when PostgreSQL has no cast from ``current`` to ``previous`` (as far as known)."""
    (cur, cur_arr), (prev, prev_arr) = _name(current), _name(previous)
    if cur_arr != prev_arr:
        source_string = not cur_arr and cur in _STRINGS
        target_string = not prev_arr and prev in _STRINGS
        return not (source_string or target_string)
    if cur in _BOOL and (prev in _TIMES or prev in _JSON):
        return True
    return prev in _BOOL and (cur in _TIMES or cur == "json")  # jsonb -> boolean exists


def first_element(current: str, previous: str) -> str | None:
    """The element type of a one-dimensional array ``current`` when it casts to the scalar
    ``previous`` (an array back to what it was made of: ``text[]`` to an enum), else None."""
    if not _ONE_DIM.search(current) or _ONE_DIM.search(previous):
        return None
    element = _ONE_DIM.sub("", current)
    if _ONE_DIM.search(element) or no_cast(element, previous):
        return None
    return element
