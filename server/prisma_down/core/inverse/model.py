"""What an inverse is: the changes that undo one change, and the risk of running them.

Every inverse carries its risk: ``exact``, ``loses-data`` (undoing it discards data written
since, or a restored object comes back empty) or ``irreversible`` (nothing can undo it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from prisma_down.core import changes as ch
from prisma_down.core.preflight import Check
from prisma_down.core.schema import QName


class Risk(enum.Enum):
    EXACT = "exact"
    LOSES_DATA = "loses-data"
    IRREVERSIBLE = "irreversible"

    @property
    def rank(self) -> int:
        return ("exact", "loses-data", "irreversible").index(self.value)


@dataclass(frozen=True)
class Inverse:
    changes: tuple[ch.Change, ...]
    risk: Risk = Risk.EXACT
    note: str = ""  # why it loses data / cannot be undone, in a reviewer's words
    checks: tuple[Check, ...] = ()  # what rows must satisfy first (core.preflight)
    # values it turns into others, as (table, column, values): a later check there must
    # not stop on rows holding them (core.preflight_needs)
    mapped: tuple[tuple[QName, str, tuple[str, ...]], ...] = ()


NOTHING = Inverse(())


def exact(*changes: ch.Change, note: str = "") -> Inverse:
    return Inverse(tuple(changes), Risk.EXACT, note)


def lossy(note: str, *changes: ch.Change) -> Inverse:
    return Inverse(tuple(changes), Risk.LOSES_DATA, note)


def never(note: str) -> Inverse:
    return Inverse((), Risk.IRREVERSIBLE, note)
