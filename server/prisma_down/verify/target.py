"""What every database ``verify`` runs on offers, what each engine offers, and the one error."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prisma_down.urls import DatabaseUrl
    from prisma_down.verify.live import RowsEngine


class VerifyError(Exception):
    """One sentence for the user (exit code 2); never holds a password."""


@dataclass(frozen=True)
class Target:
    """A database to verify on: how to run a script, read and compare its schema."""

    conn: Any
    apply: Callable[[Any, str], str | None]
    snapshot: Callable[[Any], Any]
    diff: Callable[[Any, Any], list[str]]
    label: str  # for messages, password masked
    reset: Callable[[Any], None]  # empty the database (``_prisma_migrations`` kept)
    rows: RowsEngine | None = None  # how to fill and read its rows (verify without --empty)


Given = Callable[["DatabaseUrl", str, bool], AbstractContextManager[Target]]


@dataclass(frozen=True)
class Engine:
    """One database engine verify runs on: where a throwaway database of it comes from.

    ``private()`` starts one nobody else sees; ``given(url, shown, reuse)`` opens the one a
    ``--database-url`` names (``shown``: the URL, password masked), checked empty or, with
    ``reuse``, emptied first (:mod:`prisma_down.verify.given`).
    """

    name: str  # the engine, as a URL names it: "MySQL"
    server: str  # the one verify starts: "MariaDB"
    schemes: tuple[str, ...]  # --database-url schemes, the usual one first; () for none
    private: Callable[[], AbstractContextManager[Target]]
    given: Given | None = None


def need_driver(module: str) -> None:
    """The database driver ``module`` must be installed: say how to install it."""
    try:
        __import__(module)
    except ImportError:
        raise VerifyError(
            f"the Python driver {module} is missing: pip install 'prisma-down[verify]'"
        ) from None


def one_line(text: str) -> str:
    return " ".join(text.split())


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
