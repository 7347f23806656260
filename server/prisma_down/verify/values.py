"""Generated values for one column: deterministic, varied, and within what its type takes.

A value is a plain Python object in the text form databases accept for the kind (a
timestamp ``'2021-03-04 05:06:07'``, an interval ``'3 days 04:05:06'``), an ``int``, a
``bool``, ``bytes``, or a list for an array; each engine's rows module writes it as a
literal. Texts and numbers are drawn from wide ranges so unique columns rarely collide (a
collision is retried with other values); enum labels rotate so every label turns up.
"""

from __future__ import annotations

import json
import random
import string
import uuid

from prisma_down.verify.live import Kind

_ALNUM = string.ascii_lowercase + string.digits
_INT_BITS = {16: 15, 32: 31, 64: 53}  # 53: a bigint a JSON reader or float keeps exactly


class Unwritable(Exception):
    """No value of this type can be generated (a composite type, an unknown base type)."""


def value(kind: Kind, rng: random.Random, n: int) -> object:
    """A value of ``kind`` for row number ``n`` of its table."""
    name = kind.name
    if name == "int":
        bits = _INT_BITS.get(kind.size or 32, 31) + (1 if kind.unsigned else 0)
        bits = min(bits, 8 * (kind.size or 32) - (0 if kind.unsigned else 1))
        return rng.randint(1, 2**bits - 1)
    if name == "decimal":
        return _decimal(kind, rng)
    if name == "float":
        return f"{rng.randint(1, 99999)}.{rng.choice(('0', '25', '5', '75'))}"
    if name == "money":
        return f"{rng.randint(0, 9999)}.{rng.randint(0, 99):02d}"
    if name == "bool":
        return (n + rng.randint(0, 1)) % 2 == 0
    if name == "text":
        if kind.labels:
            return kind.labels[(n + rng.randint(0, len(kind.labels) - 1)) % len(kind.labels)]
        return _text(rng, kind.size)
    if name == "char":
        size = kind.size or 1
        return "".join(rng.choice(_ALNUM) for _ in range(size))
    if name in ("enum", "set"):
        if not kind.labels:
            raise Unwritable(f"the {name} has no labels")
        return kind.labels[(n + rng.randint(0, len(kind.labels) - 1)) % len(kind.labels)]
    if name == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if name == "json":
        return json.dumps({"n": n, "s": _text(rng, 8), "on": bool(n % 2)})
    if name == "bytes":
        size = kind.size if kind.fixed and kind.size else min(kind.size or 8, 8)
        return bytes(rng.getrandbits(8) for _ in range(max(size, 1)))
    if name in ("bit", "varbit"):
        size = kind.size or (8 if name == "varbit" else 1)
        return "".join(rng.choice("01") for _ in range(size))
    if name == "year":
        return rng.randint(2001, 2030)
    if name == "array":
        if kind.element is None:
            raise Unwritable("an array of an unknown type")
        length = 2 if n % 4 == 0 else rng.randint(0, 3)
        return [value(kind.element, rng, n + i) for i in range(length)]
    made = _dated(name, rng) or _other(kind, rng, n)
    if made is None:
        raise Unwritable(f"no value is generated for {name}")
    return made


def _decimal(kind: Kind, rng: random.Random) -> str:
    scale = kind.scale if kind.scale is not None else 2
    digits = (kind.size - scale) if kind.size else 6
    whole = rng.randint(0, 10 ** min(max(digits, 0), 9) - 1) if digits > 0 else 0
    if scale <= 0:
        return str(whole)
    return f"{whole}.{rng.randint(0, 10 ** min(scale, 9) - 1):0{min(scale, 9)}d}"


def _text(rng: random.Random, size: int | None) -> str:
    size = size if size is not None and size > 0 else 24
    length = min(size, rng.randint(6, 14))
    return "".join(rng.choice(_ALNUM) for _ in range(length))


def _dated(name: str, rng: random.Random) -> str | None:
    day = f"{rng.randint(2001, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return {
        "date": day,
        "timestamp": f"{day} {clock}",
        "timestamptz": f"{day} {clock}+00",
        "time": clock,
        "timetz": f"{clock}+00",
        "interval": f"{rng.randint(0, 40)} days {clock}",
    }.get(name)


def _other(kind: Kind, rng: random.Random, n: int) -> str | None:
    a, b, c = rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)
    name = kind.name
    if name == "inet":
        return f"10.{a}.{b}.{c}"
    if name == "cidr":
        return f"10.{a}.{b}.0/24"
    if name == "macaddr":
        count = kind.size or 6
        return ":".join(f"{rng.getrandbits(8):02x}" for _ in range(count))
    if name == "tsvector":
        return f"{_text(rng, 8)} {_text(rng, 8)}"
    if name == "xml":
        return f"<v>{n}</v>"
    if name == "point":
        return f"({a},{b})"
    if name == "range":
        low = rng.randint(1, 1000)
        if kind.sub in ("int", "numeric"):
            return f"[{low},{low + rng.randint(1, 100)})"
        start = _dated("date", rng) or "2001-01-01"
        if kind.sub == "date":
            return f"[{start},{start[:8]}28)"
        return f'["{start} 00:00:00","{start[:8]}28 00:00:00")'
    return None


__all__ = ["Unwritable", "value"]
